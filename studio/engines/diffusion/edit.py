"""Canvas edits through diffusers pipelines: img2img, inpaint (whole image or only the masked area), outpaint.

The editing pipelines are derived from the cached text-to-image pipeline with ``from_pipe`` (same
modules, no reload). Inpainting uses the diffusers inpainting pipeline: with an inpainting UNet
(9 input channels) it is the real thing; with a plain UNet (4 channels) that pipeline does masked
img2img (it re-noises the original latents outside the mask at every step). Either way the decoded
result is blended back with the mask, feathered *inwards* by ``mask_blur`` pixels, so every pixel
outside the mask keeps its exact original value. The studio's own pixel-space models (no VAE) edit
in their own call: SDEdit for img2img, RePaint-style re-imposition of the known pixels for inpaint
and outpaint (``studio.engines.pipelines.pixel_edit``), with the same blend back. Previews,
cancelling, prompt weights and errors are the text-to-image ones (``generate._generate``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from studio.core.errors import ModelError, SpecError
from studio.core.i18n import _
from studio.core.image_io import binary, open_mask, open_rgb, require_painted
from studio.core.outpaint import Extension
from studio.core.progress import CancelToken, Reporter
from studio.core.results import ImageResult
from studio.core.specs.base import MAX_SIDE
from studio.core.specs.image import ImageSpec
from studio.core.i18n import _
from studio.engines.context import EngineContext
from studio.core.models.identify import INPAINT_CHANNELS
from studio.engines.diffusion import control, generate
from studio.engines.diffusion.loader import load_pipeline, model_hash, resolve, unquantized
from studio.engines.diffusion.memory import modes_for_job

FILLS = ("edge", "noise")
MAX_MASK_BLUR = 256


# -- pixels (pure PIL/numpy, unit-testable without a model) ---------------------------------------
def feather(mask: Image.Image, radius: int) -> Image.Image:
    """The binary mask softened inwards by ``radius`` px: 0 everywhere outside the mask, 255 deep inside."""
    hard = binary(mask)
    if radius <= 0:
        return hard
    blurred = hard.filter(ImageFilter.GaussianBlur(radius / 3))  # σ = r/3: the ramp is ~r px wide
    # A blurred edge sits at ~128: map 128..255 → 0..255 so the soft ramp lies inside the mask only.
    inner = blurred.point(lambda v: max(0, min(255, (v - 128) * 2 + 1)) if v > 128 else 0, "L")
    return ImageChops.multiply(inner, hard)


def blend_back(original: Image.Image, result: Image.Image, mask: Image.Image, radius: int) -> Image.Image:
    """``result`` inside the (feathered) mask, ``original`` — exactly — outside it."""
    if result.size != original.size:
        result = result.resize(original.size, Image.LANCZOS)
    return Image.composite(result.convert("RGB"), original, feather(mask, radius))


def extend(image: Image.Image, mask: Image.Image | None, ext: Extension, fill: str,
           seed: int) -> tuple[Image.Image, Image.Image]:
    """The image on a larger canvas (new area filled) and the mask of what to paint (new area + ``mask``)."""
    arr = np.asarray(image.convert("RGB"))
    pad = ((ext.top, ext.bottom), (ext.left, ext.right), (0, 0))
    out = np.pad(arr, pad, mode="edge")
    new_area = np.ones(out.shape[:2], dtype=bool)
    h, w = arr.shape[:2]
    new_area[ext.top:ext.top + h, ext.left:ext.left + w] = False
    if fill == "noise":
        rng = np.random.default_rng(seed)
        noise = rng.normal(arr.reshape(-1, 3).mean(0), 64.0, size=out.shape)
        out = np.where(new_area[..., None], noise.clip(0, 255), out)
    canvas = Image.fromarray(out.astype(np.uint8), "RGB")
    painted = Image.fromarray((new_area * 255).astype(np.uint8), "L")
    if mask is not None:
        painted.paste(ImageChops.lighter(painted.crop(ext.original_box(w, h)), binary(mask)), ext.original_box(w, h))
    return canvas, painted


def _multiple_of_8(n: float) -> int:
    return max(8, int(round(n / 8)) * 8)


def crop_box(bbox: tuple[int, int, int, int], size: tuple[int, int], padding: int,
             aspect: float = 1.0) -> tuple[int, int, int, int]:
    """A box around ``bbox`` with ``padding``, widened towards ``aspect`` (w/h), kept inside ``size``."""
    W, H = size
    x0, y0, x1, y1 = bbox[0] - padding, bbox[1] - padding, bbox[2] + padding, bbox[3] + padding
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = min(W, int(round(h * aspect))) - w
        x0, x1 = x0 - grow // 2, x1 + grow - grow // 2
    else:
        grow = min(H, int(round(w / aspect))) - h
        y0, y1 = y0 - grow // 2, y1 + grow - grow // 2
    w, h = min(W, x1 - x0), min(H, y1 - y0)
    x0 = max(0, min(x0, W - w))
    y0 = max(0, min(y0, H - h))
    return x0, y0, x0 + w, y0 + h


def model_resolution(pipe: Any) -> int:
    """The side the model was trained at (UNet sample size × VAE factor), e.g. 512 for SD 1.x."""
    unet = getattr(pipe, "unet", None)
    sample = getattr(getattr(unet, "config", None), "sample_size", 64) or 64
    sample = int(sample[0] if isinstance(sample, (tuple, list)) else sample)
    return sample if _pixel_space(pipe) else sample * int(getattr(pipe, "vae_scale_factor", 8) or 8)


def _pixel_space(pipe: Any) -> bool:
    """The studio's own pixel-space pipelines: they edit in their own call (SDEdit / RePaint-style)."""
    from studio.engines.pipelines.studio_pipeline import StudioPixelPipeline
    from studio.engines.pipelines.unconditional import StudioDDPMPipeline

    return isinstance(pipe, (StudioPixelPipeline, StudioDDPMPipeline))


def _proc_size(w: int, h: int, longest: int | None = None) -> tuple[int, int]:
    """Processing size: multiples of 8 (the VAE's factor), longest side scaled to ``longest`` if given."""
    scale = (longest / max(w, h)) if longest else 1.0
    return _multiple_of_8(w * scale), _multiple_of_8(h * scale)


# -- the job ---------------------------------------------------------------------------------------
def check(spec: ImageSpec) -> Extension:
    """Validate the edit fields (SpecError with one sentence); returns the outpaint extension."""
    ext = Extension(*spec.outpaint) if spec.outpaint else Extension()
    if spec.outpaint_fill not in FILLS:
        raise SpecError(_("Unknown outpaint fill {fill!r}; choose one of: {fills}.").format(
            fill=spec.outpaint_fill, fills=', '.join(FILLS)))
    if not 0 <= spec.mask_blur <= MAX_MASK_BLUR:
        raise SpecError(_("Mask blur must be between 0 and {limit} pixels (got {blur}).").format(
            limit=MAX_MASK_BLUR, blur=spec.mask_blur))
    if not 0 <= spec.masked_padding <= 1024:
        raise SpecError(_("Masked-area padding must be between 0 and 1024 pixels (got {padding}).").format(
            padding=spec.masked_padding))
    if not spec.init_image:
        raise SpecError(_("A mask needs an image to edit (the init image)."))
    if 0 < spec.strength and int(spec.steps * spec.strength) < 1:
        raise SpecError(_("With {steps} steps a strength of {strength:g} runs no step; "
                          "raise the strength or the steps.").format(steps=spec.steps, strength=spec.strength))
    return ext


def operation(spec: ImageSpec) -> str:
    """"outpaint", "inpaint" or "img2img" (shown in the history and the version strip)."""
    if spec.outpaint and any(spec.outpaint):
        return "outpaint"
    return "inpaint" if spec.mask else "img2img"


def run_edit(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext,
             warnings: list[str] | None = None) -> ImageResult:
    """Edit ``spec.init_image`` as the spec says; the result is a new PNG with the spec in its metadata."""
    started = time.monotonic()
    warnings = list(warnings or [])
    ext = check(spec)
    image = open_rgb(spec.init_image)
    mask = open_mask(spec.mask, image.size) if spec.mask else None
    if not ext.empty:
        new_w, new_h = ext.new_size(*image.size)
        if max(new_w, new_h) > MAX_SIDE:
            raise SpecError(_("The outpainted image would be {width}×{height}; the limit is {limit}×{limit}.").format(
                width=new_w, height=new_h, limit=MAX_SIDE))
        image, mask = extend(image, mask, ext, spec.outpaint_fill, spec.seed)
    op = operation(spec)
    if mask is not None:
        bbox = require_painted(mask)
    if cancel.cancelled:
        return ImageResult(cancelled=True, seed=spec.seed)
    entry = resolve(ctx, spec.model)

    def warn(message: str) -> None:
        warnings.append(message)
        reporter.log(message)

    units = control.prepare_units(ctx, spec, image.size, entry, warn, "img2img" if op == "img2img" else "inpaint"
                                  ) if spec.controls else []
    if spec.ip_image:
        control.open_ip_image(spec.ip_image)
    applied: list = []
    ip_entry = None
    if spec.strength == 0:
        result = image.copy()  # nothing to denoise: the input, bit for bit (no VAE round trip)
    else:
        reporter.progress(0, 0, _("loading model"))  # its own phase: the window says "loading model…"
        pipe, facts = unquantized(ctx, entry, *load_pipeline(ctx, entry), "off")  # edits: speed mode off
        if cancel.cancelled:
            return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
        if mask is None and facts["channels"] == INPAINT_CHANNELS:  # an inpainting UNet repaints the whole image
            mask, bbox = Image.new("L", image.size, 255), (0, 0, *image.size)
        nets = control.controlnets(ctx, units, pipe, facts, entry.title) if units else None
        # Edits are made with speed mode off: a mode an earlier image job left on the shared pipeline (a feature
        # cache, fused projections) would change the edit without its PNG saying so.
        if (spec.backend or ctx.settings.backend) != "pytorch":
            warn(_("OpenVINO is not used: {reason}; this image is made with PyTorch.").format(
                reason=_("canvas edits (img2img, inpaint) run on PyTorch")))
        if spec.decoder == "fast":  # the canvas image is re-encoded and blended: the full VAE keeps it exact
            warn(_("Fast decode is for new images; this edit is decoded with the model's full VAE."))
        with generate.pipeline_for_job(ctx, pipe, facts, spec.loras) as applied, \
                control.ip_adapter(ctx, spec, pipe, facts, entry) as (ip_args, ip_entry), \
                modes_for_job(pipe, "none", "off", ctx.device, ctx.paths.cache, facts):
            unsuited = generate.sampler_warning(spec.scheduler, entry, [e for e, _w in applied])
            if unsuited:
                warn(unsuited)
            guide = Guide(units, nets, ip_args)
            if mask is None:
                out = _img2img(spec, reporter, cancel, ctx, entry, pipe, facts, warn, image, guide)
            else:
                out = _inpaint(spec, reporter, cancel, ctx, entry, pipe, facts, warn, image, mask, bbox, guide)
        if isinstance(out, ImageResult):
            return out
        result = out
    hash_ = model_hash(ctx, entry)
    path = generate.output_path(ctx, spec.seed)
    saved = spec.replace(model=spec.model or entry.name, width=_multiple_of_8(result.width),
                         height=_multiple_of_8(result.height), decoder="", backend="")  # edits: full VAE, PyTorch
    generate.save_png(result, path, saved, entry.name, hash_, generate.lora_hashes(applied),
                      control_names=generate.unit_names(ctx, spec, units, ip_entry))
    return ImageResult(outputs=(str(path),), seed=spec.seed, model=entry.name, model_hash=hash_,
                       warnings=tuple(warnings or ()), seconds=round(time.monotonic() - started, 3),
                       width=result.width, height=result.height, steps=spec.steps, scheduler=spec.scheduler,
                       operation=op, strength=spec.strength, source=str(spec.init_image))


@dataclass
class Guide:
    """What guides an edit besides the prompt: ControlNet units (maps at the full image's size) and their
    networks, and the image prompt's pipeline arguments."""

    units: list = field(default_factory=list)
    nets: Any = None
    ip_args: dict = field(default_factory=dict)

    def args(self, box: tuple[int, int, int, int], size: tuple[int, int]) -> dict[str, Any]:
        """Pipeline arguments for the region ``box`` of the image processed at ``size``."""
        if not self.units:
            return dict(self.ip_args)
        units = []
        for p in self.units:
            region = p.image if tuple(box) == (0, 0, *p.image.size) else p.image.crop(box)
            units.append(control.Prepared(p.unit, p.entry, region if region.size == size
                                          else region.resize(size, Image.LANCZOS)))
        return {**self.ip_args, **control.control_kwargs(units, "inpaint")}


def _derive(pipe: Any, inpaint: bool, guide: Guide | None = None) -> Any:
    """The img2img or inpainting pipeline on the same modules as ``pipe`` (no weights loaded or copied),
    with the guide's ControlNets when it has units.

    Pixel-space pipelines take ``image``/``mask_image``/``strength`` themselves.
    """
    if _pixel_space(pipe):
        if guide is not None and (guide.units or guide.ip_args):
            raise ModelError(_("The studio's own pixel-space models cannot take ControlNet units or image prompts; "
                               "use an SD 1.x or SDXL model."))
        return pipe
    if guide is not None and guide.nets is not None:
        return control.derive(pipe, "inpaint" if inpaint else "img2img", guide.nets)
    import diffusers
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

    from studio.core.models.families import FAMILIES, PIPELINE_FAMILY

    auto = AutoPipelineForInpainting if inpaint else AutoPipelineForImage2Image
    fam = FAMILIES.get(PIPELINE_FAMILY.get(type(pipe).__name__, ""))
    if fam is not None:  # the capability table names the editing pipeline of each 2024–26 family
        name = fam.inpaint if inpaint else fam.img2img
        auto = getattr(diffusers, name, None) if name and name != "auto" else (auto if name == "auto" else None)
    try:
        if auto is None:
            raise ValueError(type(pipe).__name__)
        derived = auto.from_pipe(pipe)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        message = (_("{pipeline} models cannot inpaint; use a Stable Diffusion style model or one of the studio's "
                     "own.") if inpaint else
                   _("{pipeline} models cannot edit images (img2img); use a Stable Diffusion style model or one of "
                     "the studio's own."))
        raise ModelError(message.format(pipeline=type(pipe).__name__)) from exc
    if hasattr(derived, "set_progress_bar_config"):
        derived.set_progress_bar_config(disable=True)
    return derived


def _needs_mask(pipe: Any) -> bool:
    """Whether ``pipe`` is an inpainting pipeline (not one of the studio's own, which take an optional mask)."""
    if _pixel_space(pipe):
        return False
    return "mask_image" in (generate._accepted(pipe) or ())


def _img2img(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext, entry: Any,
             pipe: Any, facts: dict[str, Any], warn, image: Image.Image, guide: Guide) -> Image.Image | ImageResult:
    pw, ph = _proc_size(*image.size)
    src = image if (pw, ph) == image.size else image.resize((pw, ph), Image.LANCZOS)
    run_spec = spec.replace(width=pw, height=ph)
    derived = _derive(pipe, False, guide)
    extra = {"image": src, "strength": spec.strength, **guide.args((0, 0, *image.size), (pw, ph))}
    if _needs_mask(derived):  # a family whose img2img is its inpainting pipeline (FLUX.2 klein): paint it all
        extra["mask_image"] = Image.new("L", (pw, ph), 255)
    out = generate._generate(run_spec, reporter, cancel, ctx, entry, derived, facts, warn, extra=extra)
    if isinstance(out, ImageResult):
        return out
    result = out[0].convert("RGB")
    return result if result.size == image.size else result.resize(image.size, Image.LANCZOS)


def _inpaint(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext, entry: Any,
             pipe: Any, facts: dict[str, Any], warn, image: Image.Image, mask: Image.Image,
             bbox: tuple[int, int, int, int], guide: Guide) -> Image.Image | ImageResult:
    if spec.masked_only:
        box = crop_box(bbox, image.size, spec.masked_padding)
        region, region_mask = image.crop(box), mask.crop(box)
        pw, ph = _proc_size(region.width, region.height, model_resolution(pipe))
    else:
        box, region, region_mask = (0, 0, *image.size), image, mask
        pw, ph = _proc_size(*image.size)
    src = region if (pw, ph) == region.size else region.resize((pw, ph), Image.LANCZOS)
    src_mask = binary(region_mask if (pw, ph) == region.size else region_mask.resize((pw, ph), Image.BILINEAR))
    run_spec = spec.replace(width=pw, height=ph)
    out = generate._generate(run_spec, reporter, cancel, ctx, entry, _derive(pipe, True, guide), facts, warn,
                             extra={"image": src, "mask_image": src_mask, "strength": spec.strength,
                                    **guide.args(box, (pw, ph))})
    if isinstance(out, ImageResult):
        return out
    patched = blend_back(region, out[0], region_mask, spec.mask_blur)
    result = image.copy()
    result.paste(patched, box[:2])
    return result
