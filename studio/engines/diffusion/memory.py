"""Memory and speed modes on a loaded pipeline, through diffusers' own switches, undone after each job.

The pipeline is cached and shared by every job on its model, so :func:`modes_for_job` leaves it as it
found it (all on ``device``, no hooks, no tiling) whatever happened inside.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.specs.memory_modes import FEATURE_CACHE_DEPTH, FEATURE_CACHE_INTERVAL, OFFLOAD_MODES, pick_auto
from studio.engines.diffusion import feature_cache
from studio.engines.oom import INJECT_OOM_ENV, free_memory, is_oom  # noqa: F401 - re-exported

class SpeedModeError(StudioError):
    """A speed mode this device, build or model cannot do."""


def on_accelerator(device: str) -> bool:
    return not str(device).startswith("cpu")


def _weights_bytes(module: Any) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters()) if isinstance(module, torch.nn.Module) else 0


def choose_mode(requested: str, pipe: Any, device: str, pixels: int, warn: Callable[[str], None]) -> str:
    """The concrete memory mode a job runs in: ``auto`` resolved, offload modes on a CPU run as ``none``."""
    accel = on_accelerator(device)
    if requested == "auto":
        free = None
        if str(device).startswith("cuda") and torch.cuda.is_available():
            free = torch.cuda.mem_get_info(torch.device(device))[0]
        sizes = [_weights_bytes(m) for m in getattr(pipe, "components", {}).values()]
        resident = sum(_weights_bytes(m) for m in getattr(pipe, "components", {}).values()
                       if isinstance(m, torch.nn.Module) and m.device.type != "cpu") if accel else 0
        # Weights already on the device are in use by this very pipeline: count them as free for it.
        return pick_auto(None if free is None else free + resident, sum(sizes), max(sizes, default=0), pixels, accel)
    if requested in OFFLOAD_MODES and not accel:
        warn(_("Memory mode {mode} moves weights between RAM and a GPU; on the CPU they already are in RAM, "
               "so the image is made in mode none.").format(mode=requested))
        return "none"
    return requested


def compile_problem(device: str) -> str | None:
    """Why ``torch.compile`` cannot run on ``device`` here (None when it can)."""
    if str(device).startswith("mps"):
        return _("torch.compile is not supported on Apple GPUs (mps); use speed mode off or channels_last.")
    if on_accelerator(device):
        if importlib.util.find_spec("triton") is None:
            return _("torch.compile needs Triton on a GPU, which this install lacks.")
        return None
    compiler = os.environ.get("CXX") or "c++"
    if shutil.which(compiler) is None:
        return _("torch.compile needs a C++ compiler ({compiler}) on a CPU, and none was found.").format(
            compiler=compiler)
    return None


def int8_problem(device: str) -> str | None:
    """Why speed mode int8 (torchao) cannot run on ``device`` here (None when it can)."""
    if not str(device).startswith("cuda"):
        return _("Speed mode int8 needs a CUDA GPU (torchao's int8 kernels); this job runs on {device}. "
                 "Use speed mode off, channels_last or cache.").format(device=device)
    if importlib.util.find_spec("torchao") is None:
        return _("Speed mode int8 needs torchao, which this install lacks (pip install torchao==0.18.0).")
    return None


def _denoiser(pipe: Any) -> Any:
    return getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)


def _is_unet(net: Any) -> bool:
    from diffusers import UNet2DConditionModel, UNet2DModel

    return isinstance(net, (UNet2DConditionModel, UNet2DModel))


def speed_problem(mode: str, pipe: Any, device: str) -> str | None:
    """Why speed mode ``mode`` cannot run for ``pipe`` on ``device`` (None when it can)."""
    net = _denoiser(pipe)
    if mode in ("off",):
        return None
    if not isinstance(net, torch.nn.Module):
        return _("Speed mode {mode} needs a UNet or transformer pipeline.").format(mode=mode)
    if mode == "fused_qkv" and not hasattr(net, "fuse_qkv_projections"):
        return _("This model's {cls} cannot fuse its attention projections.").format(cls=type(net).__name__)
    if mode == "compile":
        return compile_problem(device)
    if mode == "int8":
        return int8_problem(device)
    if mode == "cache" and not (_is_unet(net) or hasattr(net, "enable_cache")):
        return _("Speed mode cache works with UNet and transformer models, not with {cls}; use fused_qkv or "
                 "compile.").format(cls=type(net).__name__)
    if mode == "cache" and _is_unet(net) and feature_cache.depth_problem(net, FEATURE_CACHE_DEPTH):
        return _("Speed mode cache needs a UNet with more than {depth} down blocks; this one has {n}.").format(
            depth=FEATURE_CACHE_DEPTH, n=len(net.down_blocks))
    return None


def _sequential_here(mode: str, device: str) -> bool:
    """Sequential offload only where there is an accelerator to stream layers to. On a CPU it has nothing
    to gain, and accelerate's hooks fail there (they park weights on the meta device: TypeError on a CPU
    build); :func:`choose_mode` already runs such a job as ``none``, saying so — this keeps direct callers safe."""
    return mode == "sequential" and on_accelerator(device)


def _set_memory(pipe: Any, mode: str, device: str) -> None:
    vae = getattr(pipe, "vae", None)
    if mode == "vae" and vae is not None:
        vae.enable_tiling()
        vae.enable_slicing()
    elif mode == "offload":
        pipe.enable_model_cpu_offload(device=device)
    elif _sequential_here(mode, device):
        pipe.enable_sequential_cpu_offload(device=device)


def _reset_memory(pipe: Any, mode: str, device: str) -> None:
    vae = getattr(pipe, "vae", None)
    if mode == "vae" and vae is not None:
        vae.disable_tiling()
        vae.disable_slicing()
    elif mode == "offload" or _sequential_here(mode, device):
        pipe.remove_all_hooks()
        pipe.to(device)


def _set_speed(pipe: Any, mode: str, cache_dir: Path) -> None:
    net = _denoiser(pipe)
    if mode == "channels_last":
        net.to(memory_format=torch.channels_last)
    elif mode == "fused_qkv":
        net.fuse_qkv_projections()
    elif mode == "compile":
        keep_compiled_kernels_in(cache_dir / "torch_compile")
        net.compile()
    elif mode == "int8":
        # Dynamic int8 activations × int8 per-channel weights on the denoiser's linear layers, in place.
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

        quantize_(net, Int8DynamicActivationInt8WeightConfig())
    elif mode == "cache" and _is_unet(net):  # DeepCache-style: diffusers' own cache hooks are for transformers
        feature_cache.enable(net, FEATURE_CACHE_INTERVAL, FEATURE_CACHE_DEPTH)
    elif mode == "cache":
        from diffusers import FirstBlockCacheConfig

        net.enable_cache(FirstBlockCacheConfig(threshold=0.2))


def keep_compiled_kernels_in(folder: Path) -> None:
    """Keep inductor's compiled kernels in ``folder`` (the studio cache), so a compile is paid once per model and
    shape, not again after /tmp is cleared. A folder the user chose with TORCHINDUCTOR_CACHE_DIR is kept.

    Inductor writes its default (/tmp/torchinductor_<user>) into the environment the first time anything asks
    for its cache folder, which an engine host's earlier imports do: a ``setdefault`` then changes nothing.
    """
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    current = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if current is None or os.path.abspath(current) == os.path.abspath(default_cache_dir()):
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(folder)


def _reset_speed(pipe: Any, mode: str) -> None:
    net = _denoiser(pipe)
    if mode == "channels_last":
        net.to(memory_format=torch.contiguous_format)
    elif mode == "fused_qkv":
        net.unfuse_qkv_projections()
    elif mode == "compile":
        net._compiled_call_impl = None  # back to eager: the next job may not want a compiled UNet
    # int8 cannot be undone in place: loader.unquantized() gives the next job a fresh copy instead.
    elif mode == "cache" and _is_unet(net):
        feature_cache.disable(net)
    elif mode == "cache":
        net.disable_cache()


@contextlib.contextmanager
def modes_for_job(pipe: Any, memory: str, speed: str, device: str, cache_dir: Path,
                  state: dict[str, Any] | None = None) -> Iterator[None]:
    """``pipe`` in memory mode ``memory`` and speed mode ``speed`` (both concrete) for one attempt.

    The memory mode is undone afterwards. The speed mode stays on the cached pipeline (``state``: its
    facts dict, which remembers it) so a compiled or fused UNet is reused by the next job in the same
    mode; a job in another mode switches it. Without ``state`` the speed mode is undone too.
    """
    problem = speed_problem(speed, pipe, device)
    if problem:
        raise SpeedModeError(problem)
    current = state.get("speed_mode", "off") if state is not None else "off"
    if current != speed:
        _reset_speed(pipe, current)
        if state is not None:
            state["speed_mode"] = "off"
        _set_speed(pipe, speed, cache_dir)
        if state is not None:
            state["speed_mode"] = speed
    _set_memory(pipe, memory, device)
    try:
        yield
    finally:
        _reset_memory(pipe, memory, device)
        if state is None:
            _reset_speed(pipe, speed)
