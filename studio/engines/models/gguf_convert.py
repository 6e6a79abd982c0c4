"""GGUF → safetensors, once: check the file, de-quantize it with transformers, save a plain copy.

The copy lives in ``<cache>/converted/<stem>-<fingerprint>``; a ``studio-converted.json`` marker,
written last, tells a complete copy from one interrupted half-way (which is redone). The folder is
built under a temporary name and renamed into place, so a crash never leaves a broken copy in use.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, Reporter

log = logging.getLogger(__name__)

MARKER = "studio-converted.json"
_FINGERPRINT_CHUNK = 4 * 2**20
# Architectures transformers' GGUF reader maps to a model, besides these pseudo-sections.
_NOT_ARCHS = {"general", "tokenizer"}
# GGUF architectures that are not causal LMs even though transformers reads them.
_NOT_CAUSAL = {"t5", "umt5"}
_ONE_PARSE = threading.Lock()


def fingerprint(path: Path) -> str:
    """A short hash of a (possibly multi-GB) file: its size plus its first and last 4 MiB.

    Cheap enough to run on every load, and changes when the file is replaced by another model.
    """
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(str(size).encode())
    with path.open("rb") as fh:
        h.update(fh.read(_FINGERPRINT_CHUNK))
        if size > _FINGERPRINT_CHUNK:
            fh.seek(max(_FINGERPRINT_CHUNK, size - _FINGERPRINT_CHUNK))
            h.update(fh.read(_FINGERPRINT_CHUNK))
    return h.hexdigest()[:16]


def converted_folder(paths: StudioPaths, gguf_path: Path) -> Path:
    """Where the safetensors copy of ``gguf_path`` lives (whether or not it exists yet)."""
    gguf_path = Path(gguf_path)
    return paths.cache / "converted" / f"{gguf_path.stem}-{fingerprint(gguf_path)}"


def supported_architectures() -> set[str]:
    """GGUF architectures this transformers build can load."""
    archs: set[str] = set()
    try:
        from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

        archs |= set(GGUF_SUPPORTED_ARCHITECTURES) - _NOT_ARCHS
    except ImportError:  # internal module moved: let from_pretrained decide
        pass
    try:
        from transformers.integrations.gguf.utils import GGUF_ARCHS

        archs |= set(GGUF_ARCHS)
    except ImportError:
        pass
    return archs


def check_gguf(path: Path) -> str:
    """The file's architecture; ModelError when it is not a GGUF, is corrupt or is unsupported."""
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(_("Cannot read {name}: {error}.").format(name=name, error=exc.strerror or exc)) from exc
    if magic != b"GGUF":
        raise ModelError(_("{name} is not a GGUF file (it does not start with the GGUF signature).").format(
            name=name))
    try:
        from transformers.integrations.gguf.reader import read_gguf_metadata

        metadata, tensors = read_gguf_metadata(str(path))
    except Exception as exc:  # the reader raises anything from struct errors to IndexError on bad files
        raise ModelError(_("{name} is corrupt or truncated: its header cannot be read ({error}).").format(
            name=name, error=exc)) from exc
    arch = str(metadata.get("general.architecture", ""))
    if not arch:
        raise ModelError(_("{name} does not say which architecture it is (general.architecture is missing).").format(
            name=name))
    supported = supported_architectures()
    if arch in _NOT_CAUSAL or (supported and arch not in supported):
        choices = ", ".join(sorted(supported - _NOT_CAUSAL))
        raise ModelError(_("{name} is a {arch!r} model, which the studio cannot load as a text model (supported "
                           "GGUF architectures: {choices}).").format(name=name, arch=arch, choices=choices))
    if not tensors:
        raise ModelError(_("{name} contains no weights.").format(name=name))
    return arch


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete half-built copies of ``folder`` left by converters that were ended (their process is gone)."""
    import psutil

    removed = []
    for tmp in folder.parent.glob(f".{folder.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def ensure_converted(gguf_path: Path, paths: StudioPaths, reporter: Reporter, display_name: str = "",
                     cancel: CancelToken | None = None) -> Path:
    """The converted folder for ``gguf_path``, converting it first when there is no complete copy.

    It runs in the job's engine host (never in the window's process: de-quantizing holds the GIL for
    up to a second at a time). A cancel is honoured between steps; a stuck step ends with its host
    after the cancel grace period, and the next conversion removes the half-built copy it left.
    """
    gguf_path = Path(gguf_path)
    folder = converted_folder(paths, gguf_path)
    if (folder / MARKER).is_file():
        return folder
    label = display_name or gguf_path.stem
    arch = check_gguf(gguf_path)
    started = time.monotonic()
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _convert(gguf_path, tmp, reporter, label, cancel)
        (tmp / MARKER).write_text(json.dumps({"source": str(gguf_path), "architecture": arch,
                                              "fingerprint": folder.name.rsplit("-", 1)[-1],
                                              "seconds": round(time.monotonic() - started, 2)}), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted earlier copy
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    reporter.progress(4, 4, _("{model} converted").format(model=label))
    log.info("converted %s into %s in %.1f s", gguf_path, folder, time.monotonic() - started)
    return folder


@contextlib.contextmanager
def _parsed_once() -> Iterator[None]:
    """While converting, gguf's file parser and tensor-name map are memoised (then restored).

    transformers parses the whole GGUF three times (tokenizer, config, weights: seconds each for a
    49k-token vocabulary) and rebuilds gguf's tensor-name map for each of the model's ~400 modules;
    that was over half of a conversion's CPU time (SmolLM2-135M: 29 s → 12 s). The parser only reads
    (a read-only memmap), so one parse serves all three. Conversions in one process take turns.
    """
    try:
        import gguf
    except ImportError:  # transformers then refuses the file itself, with its own message
        yield
        return
    with _ONE_PARSE:
        reader, name_map = gguf.GGUFReader, gguf.get_tensor_name_map
        gguf.GGUFReader = functools.lru_cache(maxsize=2)(reader)
        gguf.get_tensor_name_map = functools.lru_cache(maxsize=8)(name_map)
        try:
            yield
        finally:
            gguf.GGUFReader, gguf.get_tensor_name_map = reader, name_map


def _convert(gguf_path: Path, out: Path, reporter: Reporter, label: str, cancel: CancelToken | None) -> None:
    with _parsed_once():
        _convert_parsed_once(gguf_path, out, reporter, label, cancel)


def _convert_parsed_once(gguf_path: Path, out: Path, reporter: Reporter, label: str,
                         cancel: CancelToken | None) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the studio reports its own progress; tqdm bars garble the CLI

    src, fname = str(gguf_path.parent), gguf_path.name
    reporter.progress(0, 4, _("{model}: reading the tokenizer").format(model=label))
    try:
        tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=fname, local_files_only=True)
    except Exception as exc:  # transformers raises many types for an unusable GGUF tokenizer
        raise ModelError(_("{file} has no usable tokenizer: {error}").format(
            file=gguf_path.name, error=str(exc).strip()[:200])) from exc
    if cancel is not None:
        cancel.raise_if_cancelled()
    reporter.progress(1, 4, _("{model}: de-quantizing the weights (first use only)").format(model=label))
    # transformers' GGUF reader draws its own tqdm bar on stderr (it ignores disable_progress_bar);
    # our reporter already shows this step, so the bar is captured and logged instead.
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            model = AutoModelForCausalLM.from_pretrained(src, gguf_file=fname, local_files_only=True,
                                                         dtype=torch.float32)
    except Exception as exc:
        raise ModelError(_("{file} could not be converted: {error}").format(
            file=gguf_path.name, error=str(exc).strip()[:200])) from exc
    finally:
        log.debug("GGUF loader output: %s", captured.getvalue()[-2000:])
    if cancel is not None:
        cancel.raise_if_cancelled()
    reporter.progress(2, 4, _("{model}: saving a safetensors copy").format(model=label))
    # The weights are plain tensors now; drop the GGUF quantizer so save_pretrained accepts the model.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    reporter.progress(3, 4, _("{model}: saved").format(model=label))
