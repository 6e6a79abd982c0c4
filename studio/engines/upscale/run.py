"""The upscale engine: read an image, upscale it tile by tile, write a PNG atomically under outputs."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from studio.core.models.builtin_models import canonical_upscaler, default_upscaler
from studio.core.errors import ModelError, StudioError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.models.registry import ModelEntry
from studio.core.results import UpscaleResult
from studio.core.specs.image import UpscaleSpec
from studio.core.specs.serial import spec_to_json
from studio.engines.context import EngineContext
from studio.engines.oom import free_memory, injected_error, injected_ooms, is_oom
from studio.engines.output_files import SPEC_CHUNK, output_path, save_png
from studio.engines.upscale.arch import Upscaler
from studio.engines.upscale.tiling import pick_compute_dtype, tile_count, upscale_array
from studio.engines.upscale.weights import load_upscaler, weights_read

MAX_OUTPUT_PIXELS = 16384 * 16384  # 768 MB of RGB output; beyond that the PNG itself is impractical
TILE_PAD = 16
MIN_TILE = 32
"""The smallest tile an out-of-memory retry goes down to (UpscaleSpec's own lower bound)."""
PREVIEW_SIDE = 768
UPSCALE_CHUNK = "aigc_studio_upscale"


def canonical_name(name: str) -> str:
    """Built-in upscalers by short name too: "x4plus", "x4plus-anime", "animevideov3-x2", ..."""
    return canonical_upscaler(name)


def resolve_upscaler(spec: UpscaleSpec, ctx: EngineContext) -> ModelEntry:
    """The spec's upscaler, else the user's default (settings "default_upscaler"), else the device's."""
    name = spec.model or ctx.settings.default_upscaler or default_upscaler(ctx.device)
    return ctx.registry.resolve(canonical_name(name), task="upscale")


def read_image(path: Path) -> tuple[np.ndarray, Image.Image | None, dict[str, str]]:
    """RGB uint8 array, the alpha channel (or None) and the PNG text chunks of an image file."""
    if not path.is_file():
        raise StudioError(_("Image not found: {path}").format(path=path))
    try:
        with Image.open(path) as im:
            im.load()
            text = {k: v for k, v in getattr(im, "text", {}).items() if isinstance(v, str)}
            has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: scale to 8 bits, not clip
                im = Image.fromarray((np.asarray(im, dtype=np.float64) / 257.0).clip(0, 255).astype(np.uint8))
            rgba = im.convert("RGBA") if has_alpha else im.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise StudioError(_("{file} is too large to open safely ({error}).").format(
            file=path.name, error=exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise StudioError(_("{file} is not an image the studio can read (PNG, JPEG, WebP, BMP, TIFF, GIF).").format(
            file=path.name)) \
            from exc
    alpha = rgba.getchannel("A") if has_alpha else None
    return np.asarray(rgba.convert("RGB")), alpha, text


def _model(entry: ModelEntry, ctx: EngineContext) -> Upscaler:
    return ctx.cache.get_or_load(("upscaler", f"{entry.path}/{entry.name}", ctx.device),
                                 lambda: load_upscaler(entry, ctx.paths).to(ctx.device),
                                 source=weights_read(entry, ctx.paths), what=entry.title)  # its name, not the key


def _precision(ctx: EngineContext):
    return pick_compute_dtype(ctx.device, str(ctx.settings.extra.get("upscale_precision", "auto")))


def upscale_image(image: Image.Image, ctx: EngineContext, model: str = "", tile: int = 256,
                  cancel: CancelToken | None = None) -> Image.Image | None:
    """Upscale a PIL image in-process (e.g. a small generated image shown on the canvas); None if cancelled.

    For other engines; the UI queues an ``UpscaleSpec`` instead.
    """
    entry = resolve_upscaler(UpscaleSpec(image="(in memory)", model=model, tile=tile), ctx)
    net = _model(entry, ctx)
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    out = upscale_array(net, np.array(image.convert("RGB")), tile, TILE_PAD, ctx.device, cancel, None,
                        _precision(ctx))
    if out is None:
        return None
    result = Image.fromarray(out, "RGB")
    if alpha is not None:
        result.putalpha(alpha.resize(result.size, Image.BICUBIC))
    return result


def _with_oom_fallback(upscale, tile: int, on_tile, reporter: Reporter, device: str):
    """``upscale(tile, on_tile)``; an out-of-memory frees memory and retries once with half the tile side."""
    injected = injected_ooms()
    for attempt in (0, 1):
        def hook(done: int, n: int, out: np.ndarray) -> None:
            if injected > attempt:
                raise injected_error()
            on_tile(done, n, out)

        try:
            return upscale(tile, hook)
        except Exception as exc:  # noqa: BLE001 - only an out-of-memory is retried; the rest re-raised
            if not is_oom(exc):
                raise
            free_memory(device)
            smaller = max(MIN_TILE, tile // 2)
            if attempt or smaller == tile:
                raise StudioError(_("Out of memory while upscaling with {tile} px tiles ({where}), even after "
                                    "retrying; try a smaller --tile or close other programs.").format(
                    tile=tile, where=device)) from exc
            reporter.log(_("Out of memory while upscaling with {tile} px tiles; memory was freed and the image "
                           "is retried with {smaller} px tiles.").format(tile=tile, smaller=smaller))
            tile = smaller
    return None


def run(spec: UpscaleSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> UpscaleResult:
    """Upscale ``spec.image``; the result is a PNG in the outputs folder (source metadata kept)."""
    t0 = time.perf_counter()
    src = Path(spec.image).expanduser()
    rgb, alpha, text = read_image(src)
    entry = resolve_upscaler(spec, ctx)
    if entry.type != "upscaler":
        raise ModelError(_("Model {model!r} is not an upscaler.").format(model=entry.name))
    model = _model(entry, ctx)
    s = model.scale
    h, w = rgb.shape[:2]
    if h * s * w * s > MAX_OUTPUT_PIXELS:
        raise StudioError(_("The result would be {width}×{height} pixels, more than the studio can write; upscale "
                            "a smaller image or pick a ×2 model.").format(width=w * s, height=h * s))
    total = tile_count(w, h, spec.tile)
    reporter.progress(0, total, f"{entry.name} ×{s}")

    def on_tile(done: int, n: int, out: np.ndarray) -> None:
        reporter.progress(done, n, _("tile {done}/{n}").format(done=done, n=n))
        if done < n and reporter.wants_preview():
            preview = Image.fromarray(out)
            preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            reporter.preview(preview)

    dtype = _precision(ctx)
    out = _with_oom_fallback(lambda tile, hook: upscale_array(model, rgb, tile, TILE_PAD, ctx.device, cancel, hook,
                                                              dtype), spec.tile, on_tile, reporter, ctx.device)
    if out is None:
        return UpscaleResult(cancelled=True, model=entry.name)
    image = Image.fromarray(out, "RGB")
    if alpha is not None:
        image.putalpha(alpha.resize(image.size, Image.BICUBIC))
    # Keep the source's generation parameters (so "reuse parameters" still finds the prompt) and add ours.
    extra = {UPSCALE_CHUNK: spec_to_json(spec)}
    if SPEC_CHUNK in text:
        extra[SPEC_CHUNK] = text[SPEC_CHUNK]
    params = text.get("parameters", "")
    params = (params + "\n" if params else "") + f"Upscaled: {entry.name} ×{s}, from {w}×{h}"
    dest = output_path(ctx.outputs, f"{src.stem}-x{s}", ".png")
    save_png(image, dest, None if SPEC_CHUNK in text else spec, params, extra)
    precision = str(dtype or "torch.float32").removeprefix("torch.")
    return UpscaleResult(outputs=(str(dest),), model=entry.name, scale=s, precision=precision, size=(w * s, h * s),
                         source=str(src), tiles=total, seconds=round(time.perf_counter() - t0, 3))
