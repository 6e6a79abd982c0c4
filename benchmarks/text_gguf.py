"""GGUF benchmark: the studio's llama.cpp text path against llama-cpp-python called directly (same file,
context, threads and greedy settings) and against the old de-quantised transformers path.

    .venv/bin/python benchmarks/text_gguf.py [--tokens 128] [--repeats 3] [--old-tokens 32] [--json out.json]

Two models, in the same run: the shipped SmolLM2-135M Q4_1 GGUF, and a ~1B-parameter random-weight
Llama-architecture GGUF the script builds itself (written as F16 with the ``gguf`` package, quantised
to Q4_0 by llama.cpp's own ``llama_model_quantize``; kept in --work for later runs). Each measurement
runs in a fresh process (so peak RSS is that path's alone); studio and direct runs alternate, and
medians are reported. Reported per model: decode tokens/s (after the first token), first-token
latency, load time, and peak RSS above the process's baseline (before llama.cpp is imported) against
1.3 × file size + KV cache, split into the runtime's import, the load and generating, with llama.cpp's own
buffer sizes (the studio imports only llama.cpp's C API; the direct reference the whole binding, numpy
included); ``--long N`` adds one run each
with an N-token prompt (llama.cpp's work buffer grows with the prompt batch). The direct reference loads
with the studio's own settings (``llama_gguf.llama_kwargs``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Once upon a time, in a quiet village by the sea, there lived an old fisherman who"
BIG = dict(hidden=2048, layers=16, ffn=8192, heads=32, kv_heads=8, context=2048)  # ~1.0B parameters


def rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- the big model -----------------------------------------------------------------------------------
def build_big(out: Path) -> Path:
    """A random-weight Llama GGUF of ~1B parameters with SmolLM2's tokenizer, quantised to Q4_0."""
    if out.is_file():
        return out
    f16 = write_big_f16(out.with_suffix(".f16.gguf"))
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
    params.nthread = os.cpu_count() or 2
    tmp = out.with_suffix(".tmp")
    if llama_cpp.llama_model_quantize(str(f16).encode(), str(tmp).encode(), params) != 0:
        raise SystemExit("llama_model_quantize failed")
    f16.unlink()
    tmp.rename(out)
    return out


def write_big_f16(f16: Path) -> Path:
    """The 1B model in F16, written with the ``gguf`` package (the input of llama.cpp's quantiser)."""
    if f16.is_file():
        return f16
    import gguf
    import numpy as np

    from tests.text.tiny_lm import smollm2_gguf

    f16.parent.mkdir(parents=True, exist_ok=True)
    part = f16.with_suffix(".part")
    r = gguf.GGUFReader(str(smollm2_gguf()))
    field = r.fields
    tokens = [bytes(field["tokenizer.ggml.tokens"].parts[i]).decode() for i in field["tokenizer.ggml.tokens"].data]
    merges = [bytes(field["tokenizer.ggml.merges"].parts[i]).decode() for i in field["tokenizer.ggml.merges"].data]
    types = [int(field["tokenizer.ggml.token_type"].parts[i][0]) for i in field["tokenizer.ggml.token_type"].data]
    h, n_layers, ffn, heads, kv_heads = BIG["hidden"], BIG["layers"], BIG["ffn"], BIG["heads"], BIG["kv_heads"]
    kv = h // heads * kv_heads
    w = gguf.GGUFWriter(str(part), "llama")
    w.add_name("random llama 1B")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    w.add_context_length(BIG["context"])
    w.add_embedding_length(h)
    w.add_block_count(n_layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_dimension_count(h // heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(len(tokens))
    w.add_file_type(1)
    rng = np.random.default_rng(0)

    def rand(*shape: int):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float16)

    w.add_tensor("token_embd.weight", rand(len(tokens), h))
    for i in range(n_layers):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(h, np.float32))
        w.add_tensor(p + "attn_q.weight", rand(h, h))
        w.add_tensor(p + "attn_k.weight", rand(kv, h))
        w.add_tensor(p + "attn_v.weight", rand(kv, h))
        w.add_tensor(p + "attn_output.weight", rand(h, h))
        w.add_tensor(p + "ffn_norm.weight", np.ones(h, np.float32))
        w.add_tensor(p + "ffn_gate.weight", rand(ffn, h))
        w.add_tensor(p + "ffn_up.weight", rand(ffn, h))
        w.add_tensor(p + "ffn_down.weight", rand(h, ffn))
    w.add_tensor("output_norm.weight", np.ones(h, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    part.rename(f16)
    return f16


# -- one measurement per process ---------------------------------------------------------------------
def long_prompt(chars: int) -> str:
    """About chars // 4 tokens of English (the README), for the long-prompt memory run."""
    return (ROOT / "README.md").read_text(encoding="utf-8")[:chars]


def studio_context(model: Path, n_ctx: int, threads: int):
    """The studio's engine context (its modules imported), running llama.cpp with ``threads`` threads."""
    import tempfile

    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.engines.text import generate, gguf_generate, llama_gguf  # noqa: F401 - imported before the baseline

    llama_gguf.default_threads = lambda: threads  # the same thread count as the direct run
    ctx = EngineContext.create(StudioPaths(Path(tempfile.mkdtemp())), Settings(
        scan_hf_cache=False, gguf_context_length=n_ctx), device="cpu")
    ctx.registry.resolve(str(model), task="text")  # the studio's model identification modules, imported
    return ctx


def llama_buffers() -> dict[str, float]:
    """MiB of the buffers llama.cpp reported allocating (model weights, KV cache, compute, output), from the log
    the studio captured."""
    import re

    from studio.engines.text.llama_gguf import _LOG_LINES

    found: dict[str, float] = {}
    for _seq, _level, line in _LOG_LINES:
        m = re.search(r"\b(model|KV|compute|output) buffer size =\s*([\d.]+) MiB", line)
        if m:
            found[m.group(1)] = found.get(m.group(1), 0.0) + float(m.group(2))
    return found


def worker(mode: str, model: Path, tokens: int, n_ctx: int, threads: int, prompt_chars: int = 0) -> dict:
    text_prompt = long_prompt(prompt_chars) if prompt_chars else PROMPT
    if mode == "studio":
        ctx = studio_context(model, n_ctx, threads)  # the studio's own modules are not counted (an engine host has them)
    elif mode == "direct":
        from studio.engines.text.llama_gguf import llama_kwargs  # the studio's settings (a plain dict)
    base, runtime = rss(), 0
    if mode == "studio":
        from studio.engines.text.llama_gguf import llama_module

        llama_module()  # what the studio imports: llama.cpp's C API (its libraries and ctypes bindings)
        runtime = rss() - base
    elif mode == "direct":
        import llama_cpp  # the whole binding: Llama, numpy, jinja2, diskcache and llama.cpp's libraries

        runtime = rss() - base
    t0 = time.monotonic()
    ids: list[int] = []
    n_prompt, buffers = 0, {}
    if mode == "direct":
        llm = llama_cpp.Llama(model_path=str(model), **llama_kwargs(n_ctx, 0, threads), verbose=False)
        load_s, loaded = time.monotonic() - t0, rss()
        prompt = llm.tokenize(text_prompt.encode(), add_bos=True, special=True)
        n_prompt = len(prompt)
        start, first, text, cpu_first = time.monotonic(), None, b"", 0.0
        for tok in llm.generate(prompt, temp=0.0, top_k=50, top_p=0.95, min_p=0.0, repeat_penalty=1.0):
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, tok) or len(ids) >= tokens:
                break
            text += llm.detokenize([tok])
            ids.append(tok)
            if first is None:
                first, cpu_first = time.monotonic() - start, time.process_time()
            cpu_last, total = time.process_time(), time.monotonic() - start  # at the last token, as the studio's
        cpu = cpu_last - cpu_first
    elif mode == "studio":
        from studio.core.progress import CancelToken
        from studio.core.specs.text import TextSpec
        from studio.engines.text.generate import run

        t0 = time.monotonic()
        rep = _Reporter()
        spec = TextSpec(prompt=text_prompt, model=str(model), max_new_tokens=tokens, temperature=0.0)
        result = run(spec, rep, CancelToken(), ctx)
        load_s, n_prompt, loaded = rep.generating_at - t0, result.prompt_tokens, rep.rss_loaded
        first, total, ids = rep.first - rep.generating_at, rep.last - rep.generating_at, list(result.token_ids)
        cpu = rep.cpu_last - rep.cpu_first
        buffers = llama_buffers()
    else:  # the old path: GGUF de-quantised to float32 safetensors, run with transformers
        import torch

        from studio.core.paths import StudioPaths
        from studio.core.progress import CancelToken, NullReporter
        from studio.engines.models.gguf_convert import ensure_converted
        from studio.engines.text.loader import load_folder
        from studio.engines.text.streaming import stream_generate

        home = Path(os.environ["BENCH_WORK"]) / "old-home"
        folder = ensure_converted(model, StudioPaths(home), NullReporter(), display_name=model.stem)
        base = rss()  # the conversion (once per file, cached) is not counted
        t0 = time.monotonic()
        lm = load_folder(folder, model.stem, "cpu")
        load_s, loaded = time.monotonic() - t0, rss()
        prompt = list(lm.tokenizer(PROMPT)["input_ids"])
        res = stream_generate(lm.model, lm.tokenizer, prompt, {"max_new_tokens": tokens, "do_sample": False,
                                                               "temperature": None, "top_p": None, "top_k": None},
                              cancel=CancelToken(), on_text=lambda _t: None)
        first, total, ids = res.first_token_seconds, res.seconds, [0] * res.new_tokens
        cpu = 0.0
        threads = torch.get_num_threads()
    n = len(ids)
    return {"mode": mode, "load_s": load_s, "first_token_s": first, "tokens": n, "threads": threads,
            "tokens_per_s": (n - 1) / (total - first) if n > 1 and total > first else 0.0, "prompt_tokens": n_prompt,
            "tokens_per_cpu_s": (n - 1) / cpu if n > 1 and cpu > 0 else 0.0,
            "rss_base": base, "rss_runtime": runtime, "rss_loaded": loaded, "peak_rss": peak_rss(), "buffers": buffers,
            "ids": ids[:64]}


class _Reporter:
    def __init__(self) -> None:
        self.generating_at = self.first = self.last = self.cpu_first = self.cpu_last = 0.0
        self.rss_loaded = 0

    def progress(self, done, total, message=""):
        if message == "generating":
            self.generating_at, self.rss_loaded = time.monotonic(), rss()

    def text(self, chunk):
        self.last, self.cpu_last = time.monotonic(), time.process_time()
        if not self.first:
            self.first, self.cpu_first = self.last, self.cpu_last

    def log(self, message):
        pass

    def wants_preview(self):
        return False

    def preview(self, image):
        pass

    def metrics(self, step, values):
        pass


def measure(mode: str, model: Path, tokens: int, n_ctx: int, threads: int, work: Path, prompt_chars: int = 0) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--model", str(model), "--tokens", str(tokens),
           "--ctx", str(n_ctx), "--threads", str(threads), "--prompt-chars", str(prompt_chars)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, BENCH_WORK=str(work)))
    if out.returncode:
        raise SystemExit(f"{mode} on {model.name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_model(model: Path, tokens: int, old_tokens: int, repeats: int, threads: int, work: Path,
                long_tokens: int = 0) -> dict:
    from studio.core.models.gguf_header import read_gguf
    from studio.engines.text.llama_gguf import kv_bytes

    info = read_gguf(model)
    n_ctx = min(info.context_length or 2048, 2048)
    runs: dict[str, list[dict]] = {"studio": [], "direct": []}
    for i in range(repeats):
        for mode in (("studio", "direct") if i % 2 == 0 else ("direct", "studio")):
            runs[mode].append(measure(mode, model, tokens, n_ctx, threads, work))
            r = runs[mode][-1]
            print(f"  {model.name} {mode:6}: {r['tokens_per_s']:.1f} tok/s ({r['tokens_per_cpu_s']:.1f} per CPU-s), "
                  f"first token {r['first_token_s']:.3f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
    old = measure("old", model, old_tokens, n_ctx, threads, work) if old_tokens else None
    if old:
        print(f"  {model.name} old   : {old['tokens_per_s']:.2f} tok/s (transformers, float32)", flush=True)
    long = {m: measure(m, model, 16, n_ctx, threads, work, prompt_chars=long_tokens * 4)
            for m in ("studio", "direct")} if long_tokens else None
    if long:
        print(f"  {model.name} long prompt ({long['studio']['prompt_tokens']} tokens): peak RSS above baseline "
              + ", ".join(f"{m} {(r['peak_rss'] - r['rss_base']) / 2**20:.0f} MB" for m, r in long.items()), flush=True)
    med = {m: {k: statistics.median(r[k] for r in rs) for k in ("tokens_per_s", "tokens_per_cpu_s", "first_token_s",
                                                               "load_s",
                                                               "peak_rss", "rss_base", "rss_runtime", "rss_loaded")}
           for m, rs in runs.items()}
    size, kv = model.stat().st_size, kv_bytes(info, n_ctx)
    studio_rss = med["studio"]["peak_rss"] - med["studio"]["rss_base"]
    direct_rss = med["direct"]["peak_rss"] - med["direct"]["rss_base"]
    same_ids = all(r["ids"] == runs["direct"][0]["ids"] for r in runs["studio"] + runs["direct"])
    return {"model": model.name, "file_mb": size / 2**20, "context": n_ctx, "kv_mb": kv / 2**20, "threads": threads,
            "tokens": tokens, "studio": med["studio"], "direct": med["direct"], "old": old,
            "ratio_direct": med["studio"]["tokens_per_s"] / med["direct"]["tokens_per_s"],
            "ratio_direct_cpu": med["studio"]["tokens_per_cpu_s"] / med["direct"]["tokens_per_cpu_s"],
            "ratio_old": med["studio"]["tokens_per_s"] / old["tokens_per_s"] if old and old["tokens_per_s"] else None,
            "studio_rss_mb": studio_rss / 2**20, "direct_rss_mb": direct_rss / 2**20,
            "runtime_mb": med["studio"]["rss_runtime"] / 2**20, "rss_bound_mb": (1.3 * size + kv) / 2**20,
            "parts_mb": {m: {"runtime": med[m]["rss_runtime"] / 2**20,
                             "load": (med[m]["rss_loaded"] - med[m]["rss_base"] - med[m]["rss_runtime"]) / 2**20,
                             "generating": (med[m]["peak_rss"] - med[m]["rss_loaded"]) / 2**20} for m in med},
            "llama_buffers_mib": runs["studio"][0]["buffers"],
            "long": {m: {"prompt_tokens": r["prompt_tokens"], "rss_mb": (r["peak_rss"] - r["rss_base"]) / 2**20}
                     for m, r in long.items()} if long else None,
            "same_greedy_ids": same_ids}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--old-tokens", type=int, default=32, help="tokens for the slow transformers path (0: skip)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="generation threads (default: the studio's)")
    ap.add_argument("--work", default="/tmp/aigc-bench-gguf", help="where the built 1B GGUF is kept")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--old-big", action="store_true",
                    help="also time the old path on the 1B model (de-quantises it to ~4 GB of float32 first)")
    ap.add_argument("--long", type=int, default=0, metavar="TOKENS",
                    help="also measure peak RSS with a prompt of about TOKENS tokens (one run each)")
    ap.add_argument("--json")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--ctx", type=int, default=2048, help=argparse.SUPPRESS)
    ap.add_argument("--prompt-chars", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.model), args.tokens, args.ctx, args.threads, args.prompt_chars)))
        return 0
    from studio.engines.text.llama_gguf import default_threads
    from tests.text.tiny_lm import smollm2_gguf

    work = Path(args.work)
    threads = args.threads or default_threads()
    models = [smollm2_gguf()]
    if not args.skip_big:
        t0 = time.monotonic()
        models.append(build_big(work / "random-llama-1b.Q4_0.gguf"))
        print(f"1B Q4_0 GGUF ready in {time.monotonic() - t0:.0f} s: {models[-1]}", flush=True)
    results = [bench_model(m, args.tokens, args.old_tokens if i == 0 or args.old_big else 0, args.repeats, threads,
                           work, args.long) for i, m in enumerate(models)]
    print(f"\nthreads {threads}, {args.tokens} greedy tokens, medians of {args.repeats} (each a fresh process)")
    for r in results:
        s, d, o = r["studio"], r["direct"], r["old"]
        print(f"{r['model']} ({r['file_mb']:.0f} MB, context {r['context']}):")
        print(f"  studio {s['tokens_per_s']:.1f} tok/s | llama-cpp-python {d['tokens_per_s']:.1f} tok/s | "
              f"ratio {r['ratio_direct']:.3f} (>= 0.95); per CPU-second of decoding (less load-sensitive): "
              f"{s['tokens_per_cpu_s']:.1f} vs {d['tokens_per_cpu_s']:.1f}, ratio {r['ratio_direct_cpu']:.3f}")
        if o:
            print(f"  old de-quantised transformers path {o['tokens_per_s']:.2f} tok/s: studio is "
                  f"{r['ratio_old']:.1f}x (>= 3)")
        print(f"  first token: studio {s['first_token_s'] * 1000:.0f} ms, direct {d['first_token_s'] * 1000:.0f} ms; "
              f"load: studio {s['load_s']:.2f} s, direct {d['load_s']:.2f} s")
        print(f"  peak RSS above baseline: studio {r['studio_rss_mb']:.1f} MB, direct {r['direct_rss_mb']:.1f} MB "
              f"(bound 1.3 x file + KV cache = {r['rss_bound_mb']:.1f} MB: {'met' if r['studio_rss_mb'] <= r['rss_bound_mb'] else 'MISSED'}); "
              f"absolute peak: studio {s['peak_rss'] / 2**20:.0f} MB, direct {d['peak_rss'] / 2**20:.0f} MB")
        print("    counted: the peak RSS (ru_maxrss) minus the RSS before llama.cpp is imported (the studio's own "
              "modules are imported before); MB = MiB")
        for m, p in r["parts_mb"].items():
            print(f"    {m:6}: runtime import {p['runtime']:.1f} + load (weights, vocabulary, KV cache, buffers) "
                  f"{p['load']:.1f} + generating (work-buffer pages, sampler, the answer) {p['generating']:.1f}")
        if r["llama_buffers_mib"]:
            print("    llama.cpp's buffers (allocated; RSS counts the pages touched): " + ", ".join(
                f"{k} {v:.1f}" for k, v in r["llama_buffers_mib"].items()) + f" MiB; the file {r['file_mb']:.1f} MiB")
        if r["long"]:
            print(f"  long prompt ({r['long']['studio']['prompt_tokens']} tokens): peak RSS above baseline studio "
                  f"{r['long']['studio']['rss_mb']:.0f} MB, direct {r['long']['direct']['rss_mb']:.0f} MB")
        print(f"  same greedy token ids in every run: {r['same_greedy_ids']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
