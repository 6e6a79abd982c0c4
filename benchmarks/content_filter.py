"""Content filter: throughput on 10k prompts and its false-positive rate on a shipped list of harmless prompts.

Prints, for the shipped word lists (resources/content_filter/*.txt):
  * ms per prompt of ``ContentFilter.check`` (Aho–Corasick, normalisation included) on 10,000 prompts
    (the harmless list varied, a tenth of them with an obfuscated listed term spliced in), against a
    reference measured in the same run: a plain Python loop testing every term with ``in`` on the same
    normalised text (the ratio is what to compare across machines);
  * recall on the obfuscated prompts (full-width, mixed case, spaces or punctuation inserted);
  * the false-positive rate on resources/content_filter/benchmark/harmless_prompts.txt (en + zh), with
    each false positive's line number and category (never its text).

    python benchmarks/content_filter.py [--n 10000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.content_filter import ContentFilter, _normalise, parse_list  # noqa: E402
from studio.core.paths import StudioPaths, resources_dir  # noqa: E402

HARMLESS = resources_dir() / "content_filter" / "benchmark" / "harmless_prompts.txt"


def obfuscate(term: str, rng: random.Random) -> str:
    """The term as an evader might write it: full-width, mixed case, spaces or punctuation inside."""
    how = rng.choice(("fullwidth", "case", "spaces", "punct"))
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in term)
    if how == "case":
        return "".join(c.upper() if rng.random() < 0.5 else c for c in term)
    sep = " " if how == "spaces" else rng.choice(".-*_/，")
    return sep.join(term)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="prompts to time (10000)")
    args = ap.parse_args()
    rng = random.Random(15)
    home = StudioPaths(Path(tempfile.mkdtemp(prefix="cf-bench-")))
    filt = ContentFilter.load(home)
    terms = [(c, t) for p in sorted((resources_dir() / "content_filter").glob("*.txt"))
             for c, t in parse_list(p.read_text(encoding="utf-8"))]
    harmless = [line for line in HARMLESS.read_text(encoding="utf-8").splitlines() if line.strip()]

    prompts, flagged = [], []
    for i in range(args.n):
        base = rng.choice(harmless)
        if i % 10 == 0:
            category, term = rng.choice(terms)
            cut = rng.randrange(len(base) + 1)
            while cut < len(base) and base[cut - 1:cut].isalnum() and base[cut - 1:cut].isascii():
                cut += 1  # splice at a word boundary (English terms match whole words)
            prompts.append(f"{base[:cut]} {obfuscate(term, rng)} {base[cut:]}")
            flagged.append(i)
        else:
            prompts.append(f"{base} #{i}")

    t0 = time.perf_counter()
    hits = [filt.check(p) for p in prompts]
    ac_s = time.perf_counter() - t0

    keys = [_normalise(t)[0] for _c, t in terms]
    t0 = time.perf_counter()
    for p in prompts:  # the reference: every term tested in turn (no word-boundary rule: a lower bound)
        norm = _normalise(p)[0]
        any(k in norm for k in keys)
    loop_s = time.perf_counter() - t0

    caught = sum(1 for i in flagged if hits[i] is not None)
    false_pos = [(n, filt.check(line)) for n, line in enumerate(harmless, 1)]
    false_pos = [(n, hit) for n, hit in false_pos if hit is not None]
    per = 1000 * ac_s / len(prompts)
    print(f"word lists: {filt.size} terms in {len({c for c, _t in terms})} categories")
    print(f"throughput: {per:.4f} ms per prompt over {len(prompts)} prompts "
          f"({len(prompts) / ac_s:,.0f} prompts/s)")
    print(f"reference (Python loop over every term, same normalisation): {1000 * loop_s / len(prompts):.4f} ms "
          f"per prompt -> filter/reference time ratio {ac_s / loop_s:.2f}")
    print(f"recall on obfuscated listed terms: {caught}/{len(flagged)} = {caught / max(1, len(flagged)):.3f}")
    print(f"false positives on {HARMLESS.name}: {len(false_pos)}/{len(harmless)} = "
          f"{len(false_pos) / len(harmless):.4f}")
    for n, hit in false_pos:
        print(f"  line {n}: {hit.category}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
