"""The studio's bad-input corpus: >= 80 hostile inputs through the real CLI, each in its own sandbox.

Every case runs ``main.py ...`` in a subprocess with a fresh studio home (``AIGC_STUDIO_HOME``) inside a
sandbox that also holds the user's files outside the home (photos, notes, a model folder). After each
case the sandbox is compared with its state before: files changed or created outside the home (other
than the case's named output) and files deleted anywhere are counted. Output:

    cases / one-line errors / tracebacks / files changed outside the home and the named output / files deleted

A "one-line error" exits non-zero with exactly one ``error:`` line (argparse's usage lines aside);
a "traceback" is a Python traceback, an "internal error" line, a crash by signal or a hang.
Goal: 0 tracebacks, 0 files changed outside, 0 deleted.

    python benchmarks/bad_inputs.py [--jobs 2] [--only queue,png,remote] [--verbose]

The ``remote`` category (``bad_inputs_remote.py``) sends hostile clients to a real ``engine serve`` on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASE_TIMEOUT_S = 240
_EXISTING_VICTIMS = {p for p in ("/tmp/bad-inputs-victim", "/tmp/abs", "/tmp/x", *glob.glob("/dev/null?*"))
                     if os.path.exists(p)}
# Files the studio itself rewrites as it runs (not the user's): never counted as deleted.
VOLATILE = ("-wal", "-shm", ".log", "hashes.sqlite3", ".lock")


# ----------------------------------------------------------------------------------------- PNG files

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(chunks: list[tuple[bytes, bytes]] = (), size: tuple[int, int] = (8, 8)) -> bytes:
    w, h = size
    comp = zlib.compressobj(9)
    raw = b"".join(comp.compress(b"\0" * (w + 1)) for _ in range(min(h, 16))) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + b"".join(_chunk(k, d) for k, d in chunks) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b""))


def text(key: str, value: str) -> tuple[bytes, bytes]:
    return b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1", errors="replace")


def ztxt_bomb(megabytes: int) -> tuple[bytes, bytes]:
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(b"a" * (1 << 20)) for _ in range(megabytes)) + comp.flush()
    return b"zTXt", b"parameters\0\0" + data


PNGS: dict[str, Callable[[], bytes]] = {
    "redos": lambda: png([text("parameters", "p\n" + "aaaaaaaa " * 6_000)]),  # minutes with the old regex
    "huge-text": lambda: png([text("parameters", "x" * (1 << 20) + "y" * 100)]),
    "ztxt-bomb": lambda: png([ztxt_bomb(64)]),
    "deep-json": lambda: png([text("aigc_studio", "[" * 200_000 + "]" * 200_000)]),
    "nan-json": lambda: png([text("aigc_studio", '{"kind": "image", "prompt": "x", "guidance": NaN}')]),
    "wrong-types": lambda: png([text("aigc_studio", '{"kind": "image", "prompt": 5, "steps": "many"}')]),
    "path-in-spec": lambda: png([text("aigc_studio", json.dumps(
        {"kind": "image", "prompt": "x", "model": "../../../outside", "init_image": "/etc/shadow"}))]),
    "bomb-image": lambda: png([], size=(60_000, 60_000)),
    "not-png": lambda: b"GIF89a" + b"\0" * 100,
    "truncated": lambda: png([text("parameters", "a cat\nSteps: 5, Seed: 1, Size: 64x64")])[:40],
    "huge-size": lambda: png([text("parameters", "a cat\nSteps: 5, Seed: 1, Size: 99992x99992")]),
    "nan-cfg": lambda: png([text("parameters", "a cat\nSteps: nan, CFG scale: inf, Seed: -1, Size: 0x0")]),
}


# ------------------------------------------------------------------------------------------ fake hub

EVIL_NAMES = ["../../../../outside/x", "/ABS/outside/abs", "..\\..\\outside\\x", "C:/outside/x",
              "sub/../../../x", "~/x", "a/\x00b", "../x"]


class FakeHub(ThreadingHTTPServer):
    """A Hugging Face hub on 127.0.0.1 whose repo ``evil/N`` lists file name EVIL_NAMES[N]."""

    daemon_threads = True

    def __init__(self, sandbox_root: str) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.sandbox_root = sandbox_root


class _HubHandler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        body, code = b"{}", 404
        if path.startswith("/api/models/evil/"):
            index = int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0
            name = EVIL_NAMES[index % len(EVIL_NAMES)].replace("/ABS", self.server.sandbox_root)
            data = b"{}"
            sha1 = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
            listing = {"id": path.split("/api/models/")[1], "sha": "c0ffee" + "0" * 34,
                       "siblings": [{"rfilename": "config.json", "size": 2, "blobId": sha1},
                                    {"rfilename": name, "size": 2, "blobId": sha1}]}
            body, code = json.dumps(listing).encode(), 200
        elif "/resolve/" in path:
            body, code = b"{}", 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# ------------------------------------------------------------------------------------------- sandbox

@dataclass
class Sandbox:
    """One case's world: the studio home, the user's files outside it, an output folder."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    def make(self) -> None:
        (self.outside / "photos").mkdir(parents=True)
        (self.outside / "photos" / "cat.png").write_bytes(png([], size=(16, 16)))
        (self.outside / "notes.txt").write_text("my notes\n")
        (self.outside / "my-models").mkdir()
        (self.outside / "my-models" / "README.md").write_text("my model notes\n")
        (self.outside / "file-not-folder").write_text("a file\n")
        (self.outside / "out").mkdir()
        for name, make in PNGS.items():
            (self.outside / "pngs").mkdir(exist_ok=True)
            (self.outside / "pngs" / f"{name}.png").write_bytes(make())
        self.home.mkdir()
        (self.home / "models" / "existing-model").mkdir(parents=True)
        (self.home / "models" / "existing-model" / "notes.md").write_text("the user's notes\n")
        (self.home / "outputs").mkdir()
        (self.home / "outputs" / "kept.png").write_bytes(png())

    def snapshot(self) -> dict[str, tuple[int, int, str]]:
        out: dict[str, tuple[int, int, str]] = {}
        for dirpath, dirnames, files in os.walk(self.root):
            for name in files + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                digest = ""
                if stat.S_ISREG(st.st_mode) and st.st_size < 4 << 20:
                    with open(p, "rb") as fh:
                        digest = hashlib.sha1(fh.read()).hexdigest()
                out[os.path.relpath(p, self.root)] = (st.st_mode, st.st_size, digest)
        return out


# --------------------------------------------------------------------------------------------- cases

Setup = Callable[[Sandbox], None]


@dataclass
class Case:
    category: str
    name: str
    args: list[str]
    setup: Setup | None = None
    outputs: tuple[str, ...] = ()
    """Paths (relative to the sandbox) the case may create or change outside the home."""
    env: dict[str, str] = field(default_factory=dict)
    home: str = "home"
    """The studio home, relative to the sandbox (a case may point it at a file)."""


def _settings(data: object | str) -> Setup:
    def setup(sb: Sandbox) -> None:
        raw = data if isinstance(data, str) else json.dumps(data)
        (sb.home / "settings.json").write_text(raw)
    return setup


def _queue_file(kind: str) -> Setup:
    def setup(sb: Sandbox) -> None:
        from studio.core.store.queue import QueueStore
        from studio.core.specs.image import ImageSpec

        db = sb.home / "queue.sqlite3"
        store = QueueStore(db)
        for i in range(300):
            store.add(ImageSpec(prompt=f"job {i}"))
        if kind.startswith("row-"):
            column, value = {"row-outputs": ("outputs_json", "[not json"), "row-info": ("info_json", "{bad"),
                             "row-spec": ("spec_json", "{not a spec"),
                             "row-nan": ("spec_json", '{"kind": "image", "prompt": "x", "guidance": NaN}'),
                             "row-kind": ("spec_json", '{"kind": "rm -rf"}'),
                             "row-train-out": ("spec_json", json.dumps(
                                 {"kind": "train", "family": "gan", "data": "digits", "out": "../../outside"})),
                             "row-null": ("created", "yesterday")}[kind]
            with store.db.transaction() as conn:
                conn.execute("UPDATE jobs SET state = 'cancelled'")
                conn.execute(f"UPDATE jobs SET {column} = ?, state = 'queued' WHERE id = 1", (value,))
            store.close()
            return
        store.close()
        data = db.read_bytes()
        for side in ("-wal", "-shm"):
            Path(str(db) + side).unlink(missing_ok=True)
        if kind == "garbage":
            db.write_bytes(os.urandom(8192))
        elif kind == "truncated":
            db.write_bytes(data[: len(data) // 2])
        elif kind == "zero":
            db.write_bytes(b"")
        elif kind == "folder":
            db.unlink()
            db.mkdir()
        else:
            db.unlink()
            conn = sqlite3.connect(db)
            conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)")
            conn.execute("CREATE TABLE gallery (x)")
            conn.commit()
            conn.close()
    return setup


def _write(rel: str, data: bytes) -> Setup:
    def setup(sb: Sandbox) -> None:
        p = sb.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return setup


def _pickle_folder(sb: Sandbox) -> None:
    folder = sb.outside / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "llama"}')
    # A pickle that runs a command when unpickled (GLOBAL os.system + REDUCE): it would create
    # outside/PWNED, which the sandbox comparison counts as a file changed outside the home.
    cmd = b"touch outside/PWNED"
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02cos\nsystem\nq\x00X" + struct.pack("<I", len(cmd)) + cmd
                                               + b"q\x01\x85q\x02Rq\x03.")


def _huge_header(sb: Sandbox) -> None:
    (sb.outside / "bomb.safetensors").write_bytes(struct.pack("<Q", 2**63 - 1) + b"{}")


def _fifo(sb: Sandbox) -> None:
    os.mkfifo(sb.outside / "fifo.png")


_TINY_CLIP: list[Path] = []
_TINY_CLIP_LOCK = threading.Lock()


def _evaluate_folder(broken: int, good: int = 2) -> Setup:
    """A tiny random CLIP in the home (built once per run) and outside/shots: ``good`` PNGs, then ``broken``
    damaged ones (a truncated PNG, garbage named .jpg, …)."""
    def setup(sb: Sandbox) -> None:
        with _TINY_CLIP_LOCK:
            if not _TINY_CLIP:
                from tests.clip.conftest import save_tiny_clip

                _TINY_CLIP.append(save_tiny_clip(Path(tempfile.mkdtemp(prefix="tiny-clip-")) / "tiny-clip"))
        shutil.copytree(_TINY_CLIP[0], sb.home / "models" / "tiny-clip")
        shots = sb.outside / "shots"
        shots.mkdir()
        whole = png([], size=(16, 16))
        for i in range(good):
            (shots / f"{i}.png").write_bytes(png([], size=(16 + i, 16)))
        damaged = [whole[: len(whole) // 2], b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 64]
        for i in range(broken):
            (shots / f"broken-{i}{'.png' if i % 2 == 0 else '.jpg'}").write_bytes(damaged[i % len(damaged)])
    return setup


def _huge_sparse_text(sb: Sandbox) -> None:
    texts = sb.outside / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("the cat sat on the mat\n")
    with open(texts / "huge.txt", "wb") as fh:
        fh.truncate(3 << 30)  # a 3 GB text (sparse): skipped by its size, never read into memory


def cases(pngs_dir: str = "outside/pngs") -> list[Case]:
    img = ["generate", "image", "--prompt", "a red sneaker", "--seed", "1", "--steps", "1", "--width", "64",
           "--height", "64"]
    out: list[Case] = []

    def add(category: str, name: str, args: list[str], **kw) -> None:
        out.append(Case(category, name, args, **kw))

    # -- image ------------------------------------------------------------------------------------
    for name, extra in [("width 0", ["--width", "0"]), ("width 65", ["--width", "65"]),
                        ("width 99999", ["--width", "99992"]), ("steps 0", ["--steps", "0"]),
                        ("steps -5", ["--steps", "-5"]), ("steps 10^6", ["--steps", "1000000"]),
                        ("guidance nan", ["--guidance", "nan"]), ("guidance inf", ["--guidance", "inf"]),
                        ("guidance -1", ["--guidance", "-1"]), ("seed -1", ["--seed", "-1"]),
                        ("seed 2^40", ["--seed", str(2**40)]), ("scheduler bogus", ["--scheduler", "bogus"]),
                        ("model missing", ["--model", "no-such-model"]),
                        ("model ../ path", ["--model", "../../outside/my-models"]),
                        ("init missing", ["--init", "outside/none.png"]),
                        ("init is text", ["--init", "outside/notes.txt"]),
                        ("init bomb image", ["--init", f"{pngs_dir}/bomb-image.png"]),
                        ("init truncated png", ["--init", f"{pngs_dir}/truncated.png"]),
                        ("mask without init", ["--mask", "outside/photos/cat.png"]),
                        ("outpaint garbage", ["--init", "outside/photos/cat.png", "--outpaint", "a,b,c"]),
                        ("strength 2", ["--init", "outside/photos/cat.png", "--strength", "2"]),
                        ("strength nan", ["--init", "outside/photos/cat.png", "--strength", "nan"]),
                        ("lora weight nan", ["--lora", "style:nan"]), ("lora weight inf", ["--lora", "style:inf"]),
                        ("lora missing", ["--lora", "no-such-lora:0.5"]), ("batch 0", ["--batch", "0"]),
                        ("upscale ../x", ["--upscale", "../../outside/x"]),
                        ("prompt with NUL", ["--prompt", "a\x01b" * 3])]:
        add("image", name, img + extra)
    add("image", "--out /dev/null", img + ["--out", "/dev/null"])
    add("image", "batch --out /dev/null", img + ["--batch", "2", "--out", "/dev/null"])
    add("image", "upscale --out /dev/null", ["upscale", "outside/photos/cat.png", "--out", "/dev/null"])
    add("image", "--out a FIFO", img + ["--out", "outside/fifo.png"], setup=_fifo)
    add("image", "--out inside a file", img + ["--out", "outside/file-not-folder/x.png"])
    add("image", "--out /proc", img + ["--out", "/proc/x.png"])
    add("image", "--out over the user's notes", img + ["--out", "outside/notes.txt"], outputs=("outside/notes.txt",))

    for name, extra in [("faces count 0", ["--count", "0"]), ("faces scale nan", ["--scale", "nan"]),
                        ("faces seed -1", ["--seed", "-1"]), ("faces frames 10^6", ["--walk-to", "2", "--frames",
                                                                                    "1000000"]),
                        ("faces --out /dev/null", ["--out", "/dev/null"])]:
        add("image", name, ["generate", "faces", *extra])
    add("image", "grid axis garbage", ["generate", "grid", "--x", "nonsense"])
    add("image", "grid steps nan", ["generate", "grid", "--x", "steps=1,nan", "--width", "64", "--height", "64"])
    add("image", "guided lr nan", ["generate", "guided", "--prompt", "x", "--model", "faces", "--lr", "nan"])
    add("image", "vae not a vae", ["generate", "vae", "outside/photos/cat.png", "--model", "no-such-vae"])
    add("image", "vae image is text", ["generate", "vae", "outside/notes.txt", "--model", "faces"])
    add("image", "dataset --out ../x", ["generate", "dataset", "--model", "faces", "--out", "../../outside/x"])
    add("image", "dataset --out /abs", ["generate", "dataset", "--model", "faces", "--out", "/tmp/bad-inputs-victim"])
    add("image", "dataset count -1", ["generate", "dataset", "--model", "faces", "--out", "d", "--count", "-1"])
    add("image", "upscale a text file", ["upscale", "outside/notes.txt"])
    add("image", "upscale tile 0", ["upscale", "outside/photos/cat.png", "--tile", "0"])
    add("image", "upscale --out a FIFO", ["upscale", "outside/photos/cat.png", "--out", "outside/fifo.png"],
        setup=_fifo)

    # -- text -------------------------------------------------------------------------------------
    txt = ["generate", "text", "--prompt", "hello", "--max-new-tokens", "2"]
    for name, extra in [("temperature nan", ["--temperature", "nan"]), ("temperature -1", ["--temperature", "-1"]),
                        ("top-p 2", ["--top-p", "2"]), ("top-p inf", ["--top-p", "inf"]),
                        ("min-p nan", ["--min-p", "nan"]), ("max tokens 0", ["--max-new-tokens", "0"]),
                        ("max tokens 10^9", ["--max-new-tokens", "1000000000"]),
                        ("repetition penalty 0", ["--repetition-penalty", "0"]),
                        ("model missing", ["--model", "no-such-lm"]), ("model ../", ["--model", "../../outside"]),
                        ("seed -3", ["--seed", "-3"])]:
        add("text", name, txt + extra)

    # -- training ---------------------------------------------------------------------------------
    train = ["train", "gan", "--data", "digits", "--steps", "2", "--batch", "2", "--size", "16"]
    for name, extra in [("out ../outputs", ["--out", "../outputs"]), ("out .", ["--out", "."]),
                        ("out absolute", ["--out", "/tmp/bad-inputs-victim"]), ("out a/b", ["--out", "a/b"]),
                        ("out empty", ["--out", ""]), ("out existing model", ["--out", "existing-model"]),
                        ("steps 0", ["--out", "m", "--steps", "0"]), ("batch 0", ["--out", "m", "--batch", "0"]),
                        ("lr nan", ["--out", "m", "--lr", "nan"]), ("lr -1", ["--out", "m", "--lr", "-1"]),
                        ("resume missing", ["--out", "m", "--resume", "outside/none.ckpt"]),
                        ("resume a text file", ["--out", "m", "--resume", "outside/notes.txt"]),
                        ("param without =", ["--out", "m", "--param", "garbage"]),
                        ("param nan", ["--out", "m", "--param", "beta1=nan"])]:
        add("training", name, train + extra)
    add("training", "data missing", ["train", "gan", "--data", "outside/none", "--out", "m"])
    add("training", "data is a file", ["train", "gan", "--data", "outside/notes.txt", "--out", "m"])
    add("training", "family unknown", ["train", "rocket", "--data", "digits", "--out", "m"])

    # -- models -----------------------------------------------------------------------------------
    add("models", "info missing", ["models", "info", "no-such-model"])
    add("models", "info ../", ["models", "info", "../../outside/notes.txt"])
    add("models", "import missing", ["models", "import", "outside/none"])
    add("models", "import pickle folder", ["models", "import", "outside/pickled"], setup=_pickle_folder)
    add("models", "import --name ../x", ["models", "import", "outside/my-models", "--name", "../../outside/x"])
    add("models", "import --name /abs", ["models", "import", "outside/my-models", "--name", "/tmp/abs"])
    add("models", "import 2^63 header", ["models", "import", "outside/bomb.safetensors"], setup=_huge_header)
    add("models", "hash missing", ["models", "hash", "no-such-model"])
    add("models", "convert not a ckpt", ["models", "convert", "outside/notes.txt"])
    add("models", "convert missing", ["models", "convert", "outside/none.ckpt"])
    add("models", "list --type bogus", ["models", "list", "--type", "bogus"])

    # -- downloads --------------------------------------------------------------------------------
    for repo in ("not a repo", "a/b/c", "/abs/path", "", "https://", "../../x/y", "org/name"):
        add("downloads", f"repo {repo!r}", ["models", "download", repo, "--yes"])
    for i, name in enumerate(EVIL_NAMES):
        add("downloads", f"hub lists {name!r}", ["models", "download", f"evil/{i}", "--online", "--yes"],
            env={"HF_HUB_OFFLINE": "0"})

    # -- queue ------------------------------------------------------------------------------------
    for kind in ("garbage", "truncated", "wrong-schema", "zero", "folder"):
        add("queue", f"{kind} database: queue list", ["queue", "list"], setup=_queue_file(kind))
    add("queue", "garbage database: history list", ["history", "list"], setup=_queue_file("garbage"))
    for kind in ("row-outputs", "row-info", "row-null"):
        add("queue", f"bad {kind[4:]} row: queue list", ["queue", "list", "--json"], setup=_queue_file(kind))
    for kind in ("row-spec", "row-nan", "row-kind", "row-train-out"):
        add("queue", f"bad {kind[4:]} row: queue run", ["queue", "run", "--once"], setup=_queue_file(kind))
    add("queue", "retry missing job", ["queue", "retry", "99999"])
    add("queue", "cancel not a number", ["queue", "cancel", "abc"])
    add("queue", "remove -1", ["queue", "remove", "-1"])

    # -- settings ---------------------------------------------------------------------------------
    for name, data in [("garbage file", "{{{ not json"), ("a JSON list", [1, 2]), ("model_dirs 5", {"model_dirs": 5}),
                       ("memory budget 'lots'", {"memory_budget_gb": "lots"}), ("device tpu", {"device": "tpu"}),
                       ("workers -3", {"workers_per_device": -3}), ("deeply nested", "[" * 100_000),
                       ("2 MB file", {"extra": {"x": "y" * (2 << 20)}}), ("output_dir a file",
                                                                            {"output_dir": "/etc/passwd"}),
                       ("theme 5", {"theme": 5})]:
        add("settings", name, ["queue", "list"], setup=_settings(data))
    add("settings", "model_dirs ['/']: models list", ["models", "list"], setup=_settings({"model_dirs": ["/"]}))
    add("settings", "home is a file", ["queue", "list"], home="outside/notes.txt")
    add("settings", "home inside a file", ["models", "list"], home="outside/notes.txt/home")

    # -- evaluate ---------------------------------------------------------------------------------
    add("evaluate", "folder with 3 damaged images among 2", ["evaluate", "outside/shots"], setup=_evaluate_folder(3))
    add("evaluate", "folder of damaged images only", ["evaluate", "outside/shots"], setup=_evaluate_folder(3, 0))
    add("evaluate", "texts with a 3 GB file", ["evaluate", "outside/texts", "--lm", "none"], setup=_huge_sparse_text)

    # -- the network guard and the remote engine's command line ---------------------------------
    add("network", "garbage audit log: network log", ["network", "log"], setup=_write(
        "home/network-audit.jsonl", b"not json\n" + b"[" * 100_000 + b"\n{\"event\": 5}\n\xff\xfe\0\n"))
    add("network", "network log --limit -1", ["network", "log", "--limit", "-1"])
    add("network", "engine serve --listen port 99999", ["engine", "serve", "--listen", "127.0.0.1:99999"])
    add("network", "engine serve --listen garbage", ["engine", "serve", "--listen", "a b:c"])
    add("network", "engine serve --tls, damaged certificate", ["engine", "serve", "--tls"], setup=_damaged_tls)
    add("network", "fingerprint 'zz'", ["settings", "set", "engine_tls_fingerprint", "zz"])
    add("network", "max connections 0", ["settings", "set", "engine_max_connections", "0"])
    add("network", "idle timeout 'forever' in the file", ["queue", "list"],
        setup=_settings({"engine_idle_timeout_s": "forever", "engine_max_connections": -1}))

    # -- PNG metadata -----------------------------------------------------------------------------
    for name in PNGS:
        add("png", name, ["generate", "image", "--from-png", f"{pngs_dir}/{name}.png", "--steps", "1",
                          "--width", "64", "--height", "64", "--out", "outside/out/from-png.png"],
            outputs=("outside/out/from-png.png",))
    return out


# ---------------------------------------------------------------------------------------------- run

@dataclass
class Outcome:
    case: Case
    code: int
    stderr: str
    seconds: float
    kind: str = ""
    stdout: str = ""
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def classify(code: int, stderr: str, stdout: str = "") -> str:
    if code in (-9, 124) or code < 0:
        return "traceback"  # a crash by signal or a hang
    if "Traceback (most recent call last)" in stderr or "internal error" in stderr or "Logging error" in stderr:
        return "traceback"
    if code == 0:
        return "ok"
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(
        ("usage:", " ", "note:", "warning:", "[")) and not (ln.startswith("job ") and ": " in ln)]
    errors = [ln for ln in lines if "error:" in ln]
    if not lines:  # `queue run`: a failed job is one stdout line, its title the stderr line before
        errors = [ln for ln in stdout.splitlines() if " failed in " in ln]
        return "one-line error" if len(errors) == 1 else "other"
    return "one-line error" if len(errors) == 1 and len(lines) == 1 else "other"


def run_case(case: Case, base: Path, hub_url: str) -> Outcome:
    sb = Sandbox(Path(tempfile.mkdtemp(prefix="case-", dir=base)))
    sb.make()
    if case.setup is not None:
        case.setup(sb)
    before = sb.snapshot()
    devnull = os.stat("/dev/null")
    env = dict(os.environ, AIGC_STUDIO_HOME=str(sb.root / case.home), HF_HOME=str(sb.root / "hf"),
               HF_ENDPOINT=hub_url, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="", **case.env)
    t0 = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *case.args], cwd=sb.root, env=env,
                              capture_output=True, text=True, timeout=CASE_TIMEOUT_S)
        code, err, std = proc.returncode, proc.stderr, proc.stdout
    except subprocess.TimeoutExpired as exc:
        code, std = 124, ""
        err = (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
    outcome = Outcome(case, code, err, time.monotonic() - t0, classify(code, err, std), stdout=std)
    after = sb.snapshot()
    home_prefix = case.home + os.sep
    for rel, sig in after.items():
        if rel.startswith(home_prefix) or rel.startswith("hf" + os.sep) or rel in case.outputs:
            continue
        if before.get(rel) != sig:
            outcome.changed.append(rel)
    for rel in before:
        if rel not in after and not rel.endswith(VOLATILE) and "/logs/" not in rel:
            outcome.deleted.append(rel)
    now = os.stat("/dev/null")
    if not stat.S_ISCHR(now.st_mode) or now.st_rdev != devnull.st_rdev:
        outcome.changed.append("/dev/null")
    outcome.changed += [p for p in glob.glob("/dev/null?*") if p not in _EXISTING_VICTIMS]  # /dev/null.png
    for victim in ("/tmp/bad-inputs-victim", "/tmp/abs", "/tmp/x"):
        if os.path.exists(victim) and victim not in _EXISTING_VICTIMS:
            outcome.changed.append(victim)
    strays = [p.name for p in base.iterdir() if not p.name.startswith(("case-", "remote-"))]
    outcome.changed += [f"(beside the sandboxes) {n}" for n in strays]
    shutil.rmtree(sb.root, ignore_errors=True)
    return outcome


def _damaged_tls(sb: Sandbox) -> None:
    from bad_inputs_remote import damaged_tls

    damaged_tls(sb.home)


def remote_outcomes(base: Path) -> list[Outcome]:
    """The remote-engine cases (``bad_inputs_remote``): hostile clients against a real ``engine serve``."""
    from bad_inputs_remote import run

    t0 = time.monotonic()
    results = run(Path(tempfile.mkdtemp(prefix="remote-", dir=base)))
    each = (time.monotonic() - t0) / max(1, len(results))
    return [Outcome(Case("remote", name, []), 0 if kind == "ok" else 1, detail, each, kind)
            for name, kind, detail in results]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--only", default="", help="comma-separated categories")
    parser.add_argument("--verbose", action="store_true", help="print every case's last stderr line")
    args = parser.parse_args(argv)
    selected = [c for c in cases() if not args.only or c.category in args.only.split(",")]
    base = Path(tempfile.mkdtemp(prefix="bad-inputs-"))
    hub = FakeHub(str(base))
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    hub_url = f"http://127.0.0.1:{hub.server_address[1]}"
    t0 = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda c: run_case(c, base, hub_url), selected))
        if not args.only or "remote" in args.only.split(","):
            outcomes += remote_outcomes(base)
    finally:
        hub.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    by_cat: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_cat.setdefault(o.case.category, []).append(o)
        bad = o.kind in ("traceback", "other") or o.changed or o.deleted
        if args.verbose or bad:
            failed = [ln for ln in o.stdout.splitlines() if " failed in " in ln]
            last = (failed or o.stderr.strip().splitlines() or [""])[-1][:150]
            flag = "!!" if bad else "  "
            print(f"{flag} [{o.case.category}] {o.case.name}: exit {o.code}, {o.kind}, {o.seconds:.1f} s — {last}"
                  + (f" CHANGED {o.changed}" if o.changed else "") + (f" DELETED {o.deleted}" if o.deleted else ""))
    print()
    print(f"{'category':<10} {'cases':>5} {'ok':>4} {'1-line':>6} {'other':>5} {'tb':>3} {'chg':>4} {'del':>4}")
    for cat, items in by_cat.items():
        count = lambda k: sum(o.kind == k for o in items)  # noqa: E731
        print(f"{cat:<10} {len(items):>5} {count('ok'):>4} {count('one-line error'):>6} {count('other'):>5} "
              f"{count('traceback'):>3} {sum(len(o.changed) for o in items):>4} {sum(len(o.deleted) for o in items):>4}")
    n = len(outcomes)
    one = sum(o.kind == "one-line error" for o in outcomes)
    tbs = sum(o.kind == "traceback" for o in outcomes)
    changed = sum(len(o.changed) for o in outcomes)
    deleted = sum(len(o.deleted) for o in outcomes)
    ok = sum(o.kind == "ok" for o in outcomes)
    print(f"\ncases {n} / one-line errors {one} / tracebacks {tbs} / files changed outside the home and the named "
          f"output {changed} / files deleted {deleted}   (and {ok} handled without an error; "
          f"{time.monotonic() - t0:.0f} s with {args.jobs} at once)")
    return 0 if tbs == 0 and changed == 0 and deleted == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
