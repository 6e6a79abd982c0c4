"""Text models on the CPU: float32 (or bf16 where the CPU has it) against int8 dynamic quantisation
(Settings.text_int8), measured through the studio's own loader and streaming generation.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/text_cpu.py [--folder MODEL_DIR] [--tokens 64] [--repeats 2]

Without --folder it uses the embedded SmolLM2-135M-Instruct (its safetensors copy, converted once into a
throw-away studio home). Each precision runs in a fresh process (so its peak RSS is its own), alternately,
``--repeats`` times; medians are reported, and the ratios int8 / reference from the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Once upon a time, in a quiet village by the sea, there lived an old fisherman who"


def child(folder: str, int8: bool, tokens: int) -> dict:
    """One measurement in this process: load through the studio, then ``tokens`` greedy tokens."""
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.models.registry import ModelEntry
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.engines.text.loader import get_text_model
    from studio.engines.text.streaming import stream_generate

    home = Path(tempfile.mkdtemp(prefix="text-cpu-home-"))
    ctx = EngineContext.create(StudioPaths(home), Settings(scan_hf_cache=False, text_int8=int8), device="cpu")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    lm = get_text_model(ModelEntry(name=Path(folder).name, path=folder, type="causal_lm"), ctx)
    load_s = time.perf_counter() - t0
    ids = lm.tokenizer(PROMPT)["input_ids"]
    res = stream_generate(lm.model, lm.tokenizer, ids, {"max_new_tokens": tokens, "min_new_tokens": tokens,
                                                         "do_sample": False, "temperature": None, "top_p": None,
                                                         "top_k": None},
                          cancel=CancelToken(), on_text=lambda _c: None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    import psutil

    return {"rss": psutil.Process().memory_info().rss, "precision": lm.precision, "load_s": load_s, "tokens_per_s": res.tokens_per_second,
            "first_token_s": res.first_token_seconds, "new_tokens": res.new_tokens,
            "peak_rss": peak, "rss_before_load": rss0, "text": res.text[:80]}


def smollm2_folder() -> str:
    from studio.core.models.builtin_text import smollm2_entry
    from studio.core.paths import StudioPaths
    from studio.core.progress import NullReporter
    from studio.engines.models.gguf_convert import ensure_converted

    home = StudioPaths(Path(tempfile.mkdtemp(prefix="text-cpu-convert-")))
    return str(ensure_converted(Path(smollm2_entry().path), home, NullReporter(), display_name="SmolLM2"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", default="", help="a transformers causal-LM folder (default: SmolLM2's copy)")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--child", nargs=2, metavar=("FOLDER", "INT8"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1] == "1", args.tokens)))
        return 0
    from studio.engines.text.frugal import cpu_has_bf16

    folder = args.folder or smollm2_folder()
    print(f"model: {folder}\nCPU has native bf16: {cpu_has_bf16()} (reference precision: "
          f"{'bfloat16' if cpu_has_bf16() else 'float32'}); threads: {os.environ.get('OMP_NUM_THREADS', 'all')}")
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(args.repeats):
        for int8 in (False, True):  # alternately: a busy machine slows both alike
            out = subprocess.run([sys.executable, __file__, "--tokens", str(args.tokens), "--child", folder,
                                  "1" if int8 else "0"], capture_output=True, text=True, check=True)
            runs[int8].append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("load_s", "tokens_per_s", "first_token_s",
                                                                 "peak_rss", "rss")} for k, v in runs.items()}
    for int8 in (False, True):
        m, name = med[int8], runs[int8][0]["precision"]
        print(f"{name:>14}: {m['tokens_per_s']:6.1f} tokens/s, first token {m['first_token_s']:.3f} s, "
              f"load {m['load_s']:.2f} s, RSS {m['rss'] / 2**20:5.0f} MB (peak {m['peak_rss'] / 2**20:5.0f} MB)   "
              f"{runs[int8][0]['text']!r}")
    ref, q = med[False], med[True]
    print(f"int8 / reference: speed {q['tokens_per_s'] / ref['tokens_per_s']:.2f}x, "
          f"RSS {q['rss'] / ref['rss']:.2f}x, peak RSS {q['peak_rss'] / ref['peak_rss']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
