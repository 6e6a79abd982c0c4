"""ControlNet units and IP-Adapter image prompts for the image engine (diffusers pipelines).

ControlNets guide the UNet families (SD 1.x/2.x/SDXL: every operation) and the transformer families the
capability table gives ControlNet pipelines (SD 3/3.5, FLUX.1, Z-Image, Qwen-Image: the operations
diffusers has a pipeline for); IP-Adapters the UNet families.

A job's units are read first (images opened, preprocessed and sized to the image being made: one line
when a size changes), their ControlNets loaded through the model cache and checked against the
model's UNet (same cross-attention width and SDXL's added embeddings, else one line), and the job's
pipeline derived from the cached one with ``from_pipe`` (no weights copied): the diffusers ControlNet
pipeline for txt2img, img2img or inpaint, with a MultiControlNet when units stack. An IP-Adapter is
loaded into the cached pipeline for the job (its image encoder through the cache) and unloaded after.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from PIL import Image

from studio.core.specs.control import control_families, family_refusal
from studio.core.errors import ModelError, SpecError, StudioError
from studio.core.i18n import N_, _
from studio.core.image_io import open_checked, to_rgb
from studio.core.models.families import FAMILY_LABELS
from studio.core.paths import resources_dir
from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.engines.context import EngineContext
from studio.engines.diffusion import preprocess

log = logging.getLogger(__name__)

CONTROL_TYPES = ("controlnet",)
DEPTH_TYPES = ("depth_estimator",)


@dataclass
class Prepared:
    """One unit ready to run: its ControlNet entry and the control map at the job's size."""

    unit: ControlUnit
    entry: ModelEntry
    image: Image.Image


def open_control_image(path: str, n: int) -> Image.Image:
    """The unit's image (RGBA kept when transparent, for scribble layers); SpecError naming the unit."""
    if not path:
        raise SpecError(_("ControlNet unit {n} has no control image; choose one.").format(n=n))
    try:
        im = open_checked(Path(path).expanduser())
    except StudioError as exc:
        raise SpecError(_("ControlNet unit {n}: {problem}").format(n=n, problem=exc)) from exc
    try:
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            return im.convert("RGBA")
        return to_rgb(im)
    finally:
        im.close()


def resolve_controlnet(ctx: EngineContext, name: str, n: int) -> ModelEntry:
    """The installed ControlNet ``name`` (or its folder/file); ModelError (one line) otherwise."""
    entry = _find(ctx, name, CONTROL_TYPES)
    if entry.type != "controlnet":
        raise ModelError(_("ControlNet unit {n}: {model!r} is not a ControlNet ({type}).").format(
            n=n, model=entry.name, type=entry.type))
    if not entry.usable:
        raise ModelError(_("ControlNet unit {n}: {model!r} cannot be used: {reason}").format(
            n=n, model=entry.name, reason=entry.reason))
    return entry


def _find(ctx: EngineContext, name: str, types: tuple[str, ...]) -> ModelEntry:
    usable = [e for e in ctx.registry.find(name, types) if e.usable] or ctx.registry.find(name, types)
    return usable[0] if usable else ctx.registry.resolve(name, task="addon")


def refuse_family(model: ModelEntry, op: str = "txt2img") -> None:
    """ModelError (one line) when the capability table says the model's family takes no ControlNet, or none
    for ``op`` ("txt2img", "img2img", "inpaint")."""
    from studio.core.models.families import FAMILIES, PIPELINE_TYPES, caps_of

    if model.type not in PIPELINE_TYPES or model.family not in FAMILIES:
        return
    caps = caps_of(model)
    if not caps.controlnet:
        raise ModelError(_("{model} cannot take ControlNet units yet: choose a model of one of these families: "
                           "{families}.").format(model=model.title, families=control_families()))
    if op not in caps.control_ops:
        raise ModelError(_("{family} ControlNets guide only {ops} (diffusers has no ControlNet pipeline for {op}): "
                           "remove the units for this edit.").format(
            family=FAMILIES[model.family].label, ops=", ".join(_(OP_WORDS[o]) for o in caps.control_ops),
            op=_(OP_WORDS.get(op, op))))


def refuse_ip(model: ModelEntry) -> None:
    """ModelError (one line) when the model's family takes no IP-Adapter image prompt."""
    from studio.core.models.families import FAMILIES, PIPELINE_TYPES, caps_of

    if model.type in PIPELINE_TYPES and model.family in FAMILIES and not caps_of(model).ip_adapter:
        raise ModelError(_("{model} cannot take an image prompt yet: choose an SD 1.x or SDXL model.").format(
            model=model.title))


OP_WORDS = {"txt2img": N_("new images"), "img2img": N_("img2img"), "inpaint": N_("inpaint")}


def prepare_units(ctx: EngineContext, spec: ImageSpec, size: tuple[int, int], model: ModelEntry,
                  warn, op: str = "txt2img") -> list[Prepared]:
    """Every unit's ControlNet entry and control map at ``size`` (refusals before any model loads)."""
    refuse_family(model, op)
    out: list[Prepared] = []
    for i, unit in enumerate(spec.controls):
        n = i + 1
        entry = resolve_controlnet(ctx, unit.model, n)
        refusal = family_refusal(model, entry)
        if refusal:
            raise ModelError(refusal)
        image = open_control_image(unit.image, n)
        if unit.preprocess == "depth":
            control = depth_map(ctx, image.convert("RGB"), n)
        else:
            control = preprocess.apply(unit.preprocess, image)
        if control.size != size:
            warn(_("The control image of unit {n} is {w}×{h}; it is resized to {width}×{height}.").format(
                n=n, w=control.width, h=control.height, width=size[0], height=size[1]))
            control = control.resize(size, Image.LANCZOS)
        out.append(Prepared(unit, entry, control))
    return out


def depth_map(ctx: EngineContext, image: Image.Image, n: int) -> Image.Image:
    """A depth map from the first installed transformers depth-estimation model (near = white)."""
    found = [e for e in ctx.registry.scan() if e.type in DEPTH_TYPES and e.usable]
    if not found:
        raise ModelError(_("ControlNet unit {n}: the depth preprocessor needs a depth model (a transformers "
                           "depth-estimation folder such as Depth Anything) in your models; none is installed.").format(
            n=n))
    entry = found[0]

    def load() -> Any:
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation

        return (AutoImageProcessor.from_pretrained(entry.path, local_files_only=True),
                AutoModelForDepthEstimation.from_pretrained(entry.path, local_files_only=True).eval())

    import numpy as np
    import torch

    processor, model = ctx.cache.get_or_load(("depth", entry.path), load)
    with torch.inference_mode():
        depth = model(**processor(images=image, return_tensors="pt")).predicted_depth[0].float().numpy()
    depth = (depth - depth.min()) / max(float(depth.max() - depth.min()), 1e-6)
    return Image.fromarray((depth * 255).astype(np.uint8), "L").resize(image.size, Image.BICUBIC).convert("RGB")


# -- ControlNet models -----------------------------------------------------------------------------
def _single_file_config(ctx: EngineContext, entry: ModelEntry) -> Path:
    """The config folder a single-file ControlNet is built from: a ``<stem>.config`` folder beside it, else
    one derived from the family's UNet config shipped with the studio (a ControlNet copies its UNet's
    encoder, as diffusers' ``ControlNetModel.from_unet`` does)."""
    if entry.details.get("config") and (Path(str(entry.details["config"])) / "config.json").is_file():
        return Path(str(entry.details["config"]))
    family = {"sd": "sd1", "sd1": "sd1", "sd2": "sd2", "sdxl": "sdxl"}.get(entry.family)
    if family is None:
        raise ModelError(_("{file}: the studio cannot tell which model family this ControlNet is for; add a "
                           "'<name>.config' folder with its config.json beside it.").format(file=Path(entry.path).name))
    import inspect
    import json

    from diffusers import ControlNetModel

    unet = json.loads((resources_dir() / "configs" / family / "unet" / "config.json").read_text(encoding="utf-8"))
    accepted = inspect.signature(ControlNetModel.__init__).parameters
    config = {k: v for k, v in unet.items() if k in accepted and k not in ("in_channels",)}
    folder = ctx.paths.cache / "controlnet-configs" / family
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"_class_name": "ControlNetModel", **config}), encoding="utf-8")
    return folder


def controlnet_class(entry: ModelEntry) -> Any:
    """The diffusers class of ``entry``'s ControlNet: from its folder's config, else its family's (the
    capability table's); ModelError for a class the studio does not run."""
    import diffusers

    from studio.core.models.families import FAMILIES

    path = Path(entry.path)
    name = str(entry.details.get("class", "")) if path.is_dir() else ""
    fam = FAMILIES.get(entry.family)
    runs = {f.controlnet_class for f in FAMILIES.values() if f.controlnet}
    name = name or (fam.controlnet_class if fam is not None and fam.controlnet else "ControlNetModel")
    if name not in runs:
        raise ModelError(_("{model} is a {cls}, which the studio does not run yet.").format(model=entry.title,
                                                                                         cls=name))
    return getattr(diffusers, name)


def _transformer_single_file(cls: Any, ctx: EngineContext, entry: ModelEntry, dtype: Any) -> Any:
    """A transformer family's ControlNet kept as one file in diffusers' keys, built from the config folder
    beside it (``<stem>.config``): such files carry no architecture of their own."""
    import torch
    from safetensors.torch import load_file

    config = Path(str(entry.details.get("config", "")))
    if not entry.details.get("config") or not (config / "config.json").is_file():
        raise ModelError(_("{file}: a {cls} kept as a single file needs its config.json: keep the ControlNet's "
                           "folder as downloaded, or put its config.json in a '<name>.config' folder beside the "
                           "file.").format(file=Path(entry.path).name, cls=cls.__name__))
    model = cls.from_config(cls.load_config(str(config)))
    missing, unexpected = model.load_state_dict(load_file(entry.path), strict=False)
    if missing or unexpected:
        raise ModelError(_("{file} does not match its config ({n} weights missing, {m} unexpected).").format(
            file=Path(entry.path).name, n=len(missing), m=len(unexpected)))
    return model.to(dtype) if isinstance(dtype, torch.dtype) else model


def load_controlnet(ctx: EngineContext, entry: ModelEntry, dtype: Any) -> Any:
    """The ControlNet of ``entry`` (its family's class) on the job's device (cached)."""
    def load() -> Any:
        from diffusers import ControlNetModel

        path = Path(entry.path)
        try:
            cls = controlnet_class(entry)
            if path.is_dir():
                model = cls.from_pretrained(str(path), local_files_only=True, use_safetensors=True,
                                            torch_dtype=dtype)
            else:
                if path.suffix.lower() != ".safetensors":
                    raise ModelError(_("{file} is not a .safetensors file; convert it to safetensors first.").format(
                        file=path.name))
                if cls is not ControlNetModel:
                    model = _transformer_single_file(cls, ctx, entry, dtype)
                else:
                    model = ControlNetModel.from_single_file(str(path), config=str(_single_file_config(ctx, entry)),
                                                             local_files_only=True, torch_dtype=dtype)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - loaders raise many types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(_("Cannot load the ControlNet {model}: {error}").format(
                model=entry.name, error=first[:200])) from exc
        return model.to(ctx.device).eval()

    return ctx.cache.get_or_load(("controlnet", str(Path(entry.path).resolve()), ctx.device, str(dtype)), load)


def _family_word(cross: Any, sdxl: bool) -> str:
    if sdxl:
        return FAMILY_LABELS["sdxl"]
    return {768: FAMILY_LABELS["sd1"], 1024: FAMILY_LABELS["sd2"]}.get(cross, _("width {n}").format(n=cross))


# Widths a transformer family's ControlNet shares with the transformer it guides.
_SHARED_DIMS = ("in_channels", "joint_attention_dim", "attention_head_dim", "num_attention_heads", "dim", "n_heads")


def check_fits(model_name: str, unet: Any, control_name: str, controlnet: Any) -> None:
    """ModelError (one line) when the ControlNet was made for another family than the model's UNet (or for
    another size of the model's transformer)."""
    u, c = unet.config, controlnet.config
    if "cross_attention_dim" not in u:  # a transformer: same family already checked, compare the widths
        for key in _SHARED_DIMS:
            if key in u and key in c and u[key] != c[key]:
                raise ModelError(_("{control} does not fit {model}: its {key} is {a}, the model's {b}; choose a "
                                   "ControlNet made for this model.").format(control=control_name, model=model_name,
                                                                             key=key, a=c[key], b=u[key]))
        return
    u_xl, c_xl = u.get("addition_embed_type") == "text_time", c.get("addition_embed_type") == "text_time"
    if u.get("cross_attention_dim") != c.get("cross_attention_dim") or u_xl != c_xl:
        raise ModelError(_("{control} is made for {control_family}, and {model} is {model_family}: choose a "
                           "ControlNet of the model's family.").format(
            control=control_name, control_family=_family_word(c.get("cross_attention_dim"), c_xl),
            model=model_name, model_family=_family_word(u.get("cross_attention_dim"), u_xl)))


def controlnets(ctx: EngineContext, units: list[Prepared], pipe: Any, facts: dict[str, Any],
                model_name: str) -> Any:
    """The ControlNet (one unit) or the stack of them (several units), each checked against the denoiser."""
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    if denoiser is None:
        raise ModelError(_("{pipeline} models cannot take ControlNet units.").format(pipeline=type(pipe).__name__))
    nets = []
    for p in units:
        net = load_controlnet(ctx, p.entry, facts.get("dtype"))
        check_fits(model_name, denoiser, p.entry.title, net)
        nets.append(net)
    if len(nets) == 1:
        return nets[0]
    import diffusers

    multi = {"QwenImageControlNetModel": "QwenImageMultiControlNetModel"}.get(type(nets[0]).__name__)
    if type(nets[0]).__name__ == "ZImageControlNetModel":
        raise ModelError(_("Z-Image takes one ControlNet unit at a time; remove the others."))
    return getattr(diffusers, multi)(nets) if multi else nets  # SD, SD3 and FLUX pipelines stack a list


def control_kwargs(units: list[Prepared], op: str, pipe: Any = None, accepted: set[str] | None = None,
                   warn=None) -> dict[str, Any]:
    """The pipeline arguments of the units (the SD txt2img pipelines take the map as ``image``, the others as
    ``control_image``). ``accepted``: the arguments the job's ``pipe`` takes (the engine leaves out the others
    when it calls it); one warning when that drops the units' start and end (Z-Image guides every step)."""
    one = len(units) == 1
    images = [p.image for p in units]
    key = "control_image" if op != "txt2img" or (accepted is not None and "control_image" in accepted) else "image"
    if warn is not None and accepted is not None and "control_guidance_start" not in accepted and any(
            p.unit.start > 0 or p.unit.end < 1 for p in units):
        warn(_("{pipeline} guides every step: the units' start and end are not used.").format(
            pipeline=type(pipe).__name__))
    return {key: images[0] if one else images,
            "controlnet_conditioning_scale": units[0].unit.weight if one else [p.unit.weight for p in units],
            "control_guidance_start": [p.unit.start for p in units],
            "control_guidance_end": [p.unit.end for p in units]}


def derive(pipe: Any, op: str, controlnet: Any = None) -> Any:
    """The txt2img / img2img / inpaint pipeline on ``pipe``'s modules, with ``controlnet`` when given (a
    transformer family's ControlNet pipeline is the capability table's)."""
    import diffusers
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting, AutoPipelineForText2Image

    from studio.core.models.families import FAMILIES, PIPELINE_FAMILY

    auto: Any = {"txt2img": AutoPipelineForText2Image, "img2img": AutoPipelineForImage2Image,
                 "inpaint": AutoPipelineForInpainting}[op]
    fam = FAMILIES.get(PIPELINE_FAMILY.get(type(pipe).__name__, ""))
    if controlnet is not None and fam is not None and fam.controlnet_pipelines:
        auto = getattr(diffusers, fam.controlnet_pipeline(op), None) if fam.controlnet_pipeline(op) else None
    kwargs = {"controlnet": controlnet} if controlnet is not None else {}
    try:
        if auto is None:
            raise ValueError(op)
        derived = auto.from_pipe(pipe, **kwargs)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ModelError(_("{pipeline} models cannot take ControlNet units for {op}.").format(
            pipeline=type(pipe).__name__, op=_(OP_WORDS.get(op, op)))) from exc
    if hasattr(derived, "set_progress_bar_config"):
        derived.set_progress_bar_config(disable=True)
    return derived


def control_names(ctx: EngineContext, spec: ImageSpec, units: list[Prepared]) -> dict[str, tuple[str, str]]:
    """How the PNG names each unit's model: (name, short hash when cheaply known)."""
    from studio.engines.diffusion.loader import model_hash

    out = {}
    for p in units:
        out[p.unit.model] = (Path(p.entry.path).stem if Path(p.entry.path).is_file() else p.entry.name,
                             model_hash(ctx, p.entry))
    return out


# -- IP-Adapter ----------------------------------------------------------------------------------------
def resolve_ip_adapter(ctx: EngineContext, name: str, model: ModelEntry) -> ModelEntry:
    """The IP-Adapter named, else the first usable one of the model's family; ModelError (one line)."""
    if name:
        entry = _find(ctx, name, ("ip_adapter",))
        if entry.type != "ip_adapter":
            raise ModelError(_("{model!r} is not an IP-Adapter ({type}).").format(model=entry.name, type=entry.type))
    else:
        found = [e for e in ctx.registry.scan() if e.type == "ip_adapter" and e.usable]
        fitting = [e for e in found if not family_refusal(model, e)]
        if not fitting:
            raise ModelError(_("An image prompt needs an IP-Adapter for {model} (with its image_encoder folder) in "
                               "your models; none is installed.").format(model=model.title))
        entry = fitting[0]
    if not entry.usable:
        raise ModelError(_("{model!r} cannot be used: {reason}").format(model=entry.name, reason=entry.reason))
    refusal = family_refusal(model, entry)
    if refusal:
        raise ModelError(refusal)
    return entry


def open_ip_image(path: str) -> Image.Image:
    try:
        im = open_checked(Path(path).expanduser())
    except StudioError as exc:
        raise SpecError(_("The image prompt: {problem}").format(problem=exc)) from exc
    try:
        return to_rgb(im)
    finally:
        im.close()


@contextlib.contextmanager
def ip_adapter(ctx: EngineContext, spec: ImageSpec, pipe: Any, facts: dict[str, Any],
               model: ModelEntry) -> Iterator[tuple[dict[str, Any], ModelEntry | None]]:
    """The image prompt loaded into ``pipe`` for one job: yields (pipeline arguments, the IP-Adapter entry),
    ({}, None) without one; the adapter is unloaded afterwards, whatever happened (the cached pipeline
    stays plain)."""
    if not spec.ip_image:
        yield {}, None
        return
    image = open_ip_image(spec.ip_image)
    refuse_ip(model)
    entry = resolve_ip_adapter(ctx, spec.ip_adapter, model)
    if not hasattr(pipe, "load_ip_adapter") or getattr(pipe, "unet", None) is None:
        raise ModelError(_("{pipeline} models cannot take an image prompt; use an SD 1.x or SDXL model.").format(
            pipeline=type(pipe).__name__))
    encoder_dir = Path(str(entry.details.get("image_encoder", "")))
    dtype = facts.get("dtype")

    def load_encoder() -> Any:
        from transformers import CLIPVisionModelWithProjection

        return CLIPVisionModelWithProjection.from_pretrained(str(encoder_dir), local_files_only=True,
                                                             dtype=dtype).to(ctx.device).eval()

    encoder = ctx.cache.get_or_load(("image-encoder", str(encoder_dir.resolve()), ctx.device, str(dtype)),
                                    load_encoder)
    from transformers import CLIPImageProcessor

    side = int(encoder.config.image_size)
    own = (getattr(pipe, "image_encoder", None), getattr(pipe, "feature_extractor", None))
    pipe.register_modules(image_encoder=encoder, feature_extractor=CLIPImageProcessor(
        size={"shortest_edge": side}, crop_size={"height": side, "width": side}))
    path = Path(entry.path)
    try:
        try:
            pipe.load_ip_adapter(str(path.parent), subfolder="", weight_name=path.name, image_encoder_folder=None,
                                 local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - loaders raise many types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(_("Cannot load the IP-Adapter {model}: {error}").format(
                model=entry.name, error=first[:200])) from exc
        pipe.set_ip_adapter_scale(spec.ip_weight)
        yield {"ip_adapter_image": image}, entry
    finally:
        try:
            if getattr(pipe.unet, "encoder_hid_proj", None) is not None:
                pipe.unload_ip_adapter()
        finally:  # the pipeline's own encoder and feature extractor (None for most) come back
            pipe.register_modules(image_encoder=own[0], feature_extractor=own[1])
