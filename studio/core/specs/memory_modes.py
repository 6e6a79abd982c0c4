"""Memory and speed modes of the diffusion engine: their names, order, and how ``auto`` picks one.

Pure Python (no torch): the settings schema, the spec, the CLI and the Settings page read these,
and the engine (``studio.engines.diffusion.memory``) maps each name onto diffusers' own switches.
"""
from __future__ import annotations

from studio.core.i18n import _

MEMORY_MODES = ("auto", "none", "vae", "offload", "sequential")
"""``auto``: picked per job; ``none``: all on the device; ``vae``: VAE tiling + slicing; ``offload``: each
model moved to the device only while it runs; ``sequential``: each layer moved only while it runs."""
LADDER = ("none", "vae", "offload", "sequential")
"""Concrete modes from fastest (most memory) to slowest (least memory): an out-of-memory moves down one."""
OFFLOAD_MODES = ("offload", "sequential")
"""Modes that keep weights in RAM and stream them to an accelerator: nothing to gain on a CPU."""

SPEED_MODES = ("off", "channels_last", "fused_qkv", "compile", "cache", "int8")
"""``off``: SDPA only (diffusers' default); ``channels_last``: UNet memory layout (same numerics);
``fused_qkv``: fused attention projections; ``compile``: ``torch.compile`` of the UNet (slow first run,
cached); ``cache``: reuse UNet features across steps (faster, slightly different image); ``int8``: torchao int8
quantisation of the UNet's linear layers (CUDA only; less memory, slightly different image)."""
BACKENDS = ("pytorch", "openvino", "openvino_fp32")
"""What runs an image job's UNet: ``pytorch``; ``openvino``: the UNet exported to OpenVINO with int8 weights (CPU,
SD 1.x/2.x/SDXL; optional install ``requirements/openvino.txt``; slightly different image); ``openvino_fp32``: the
same in float32 (nearly the PyTorch image)."""
OPENVINO_PRECISION = {"openvino": "int8", "openvino_fp32": "fp32"}
"""The OpenVINO backends' weight precision."""
FEATURE_CACHE_INTERVAL = 3
"""Speed mode ``cache`` on a UNet: the whole UNet runs every this many steps, only its shallow blocks between."""
FEATURE_CACHE_DEPTH = 1
"""Speed mode ``cache`` on a UNet: how many outer down/up blocks (the shallow branch) run at every step."""
EXACT_SPEED_MODES = ("off", "channels_last")
"""Speed modes that give the same image as ``off`` (the others change numerics a little)."""

GIB = 1 << 30


def memory_mode_problem(mode: object) -> str | None:
    """None when ``mode`` is a memory mode; else one translated line saying which exist."""
    if mode in MEMORY_MODES:
        return None
    return _("Unknown memory mode {mode!r}: use {modes}.").format(mode=mode, modes=", ".join(MEMORY_MODES))


def speed_mode_problem(mode: object) -> str | None:
    """None when ``mode`` is a speed mode; else one translated line saying which exist."""
    if mode in SPEED_MODES:
        return None
    return _("Unknown speed mode {mode!r}: use {modes}.").format(mode=mode, modes=", ".join(SPEED_MODES))


def backend_problem(backend: object) -> str | None:
    """None when ``backend`` is a backend; else one translated line saying which exist."""
    if backend in BACKENDS:
        return None
    return _("Unknown backend {backend!r}: use {backends}.").format(backend=backend, backends=", ".join(BACKENDS))


def next_lower(mode: str, on_accelerator: bool) -> str | None:
    """The mode an out-of-memory in ``mode`` retries with (None: nothing lower this device can do)."""
    if mode not in LADDER:
        return None
    for lower in LADDER[LADDER.index(mode) + 1:]:
        if on_accelerator or lower not in OFFLOAD_MODES:
            return lower
    return None


def pick_auto(free_bytes: int | None, model_bytes: int, largest_bytes: int, pixels: int,
              on_accelerator: bool) -> str:
    """The memory mode ``auto`` means for a job: the fastest whose estimate fits in ``free_bytes``.

    ``model_bytes``: all weights; ``largest_bytes``: the biggest single model (what ``offload`` holds);
    ``pixels``: width × height. The working memory (activations, VAE decode) is estimated from the
    image size; VAE tiling bounds the decode to about a 512² tile. Unknown free memory (a CPU): ``none``.
    """
    if not on_accelerator or free_bytes is None:
        return "none"
    work = GIB // 2 + pixels * 3 * 1024  # UNet activations + an untiled VAE decode (~3 KiB per pixel in fp16)
    tiled = GIB // 2 + min(pixels, 512 * 512) * 3 * 1024
    if model_bytes + work <= free_bytes:
        return "none"
    if model_bytes + tiled <= free_bytes:
        return "vae"
    if largest_bytes + tiled <= free_bytes:
        return "offload"
    return "sequential"
