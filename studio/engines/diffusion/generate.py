"""The image engine: ``run(ImageSpec, reporter, cancel, ctx) -> ImageResult`` (text-to-image)."""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import inspect
import logging
import secrets
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

import torch

from studio.core.errors import JobCancelled, ModelError, StudioError
from studio.core.models.caps import entry_ignores
from studio.core.models.families import FAMILIES
from studio.core.models.few_step import sampler_warning
from studio.core.i18n import _
from studio.core.specs.memory_modes import OPENVINO_PRECISION, next_lower
from studio.core.pngmeta import ClipScore, write_image_png
from studio.core.progress import CancelToken, Reporter
from studio.core.specs.prompt_weights import is_plain
from studio.core.results import ImageResult
from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ImageSpec
from studio.core.models.vocabulary import model_prompt, vocabulary_of
from studio.engines.common.clip_scoring import check_chosen, chosen_clip, score_image
from studio.engines.context import EngineContext
from studio.engines.common.image_guard import check_image
from studio.core.launch import launch_tag
from studio.core.models.identify import INPAINT_CHANNELS
from studio.engines.diffusion import control, embeddings, openvino_unet
from studio.engines.diffusion.memory import choose_mode, modes_for_job, on_accelerator
from studio.engines.diffusion.loader import load_pipeline, model_hash, resolve, unquantized
from studio.engines.oom import free_memory, injected_error, injected_ooms, is_oom
from studio.engines.diffusion.previews import TAESD_FOLDERS, Previewer, X0Tap, find_taesd, load_taesd
from studio.engines.pipelines.schedulers import make_scheduler
from studio.engines.upscale.run import canonical_name, upscale_image

log = logging.getLogger(__name__)


def output_path(ctx: EngineContext, seed: int, now: _dt.datetime | None = None) -> Path:
    """A new, unique PNG path: ``outputs/<YYYY-MM-DD>/<HHMMSS>-<seed>-<random>.png`` (under a launch
    ``…-<seed>-p<rank>-<random>.png``: processes never write each other's files)."""
    now = now or _dt.datetime.now()
    tag = f"{launch_tag()}-" if launch_tag() else ""
    return ctx.outputs / now.strftime("%Y-%m-%d") / f"{now:%H%M%S}-{seed}-{tag}{secrets.token_hex(3)}.png"


def tiny_decoder(ctx: EngineContext, facts: dict[str, Any], reporter: Reporter) -> tuple[Any, str]:
    """(the installed TAESD-style decoder for the model's latent space, its folder name), or (None, "").

    Shared by the step previews and fast decode; loaded once per device and dtype (the model cache)."""
    if facts.get("channels") == 3 or facts.get("family") not in TAESD_FOLDERS:
        return None, ""
    folders = [ctx.paths.models] + [Path(p).expanduser() for p in ctx.settings.model_dirs]
    found = find_taesd(folders, facts["family"])
    if found is None:
        return None, ""
    dtype = facts.get("dtype", torch.float32)
    try:
        return ctx.cache.get_or_load(("taesd", str(found), ctx.device, str(dtype)),
                                     lambda: load_taesd(found, ctx.device, dtype)), found.name
    except ModelError as exc:  # an unsafe or broken TAESD: never loaded, and the user is told why
        log.warning("TAESD at %s refused: %s", found, exc)
        reporter.log(str(exc))
    except (OSError, ValueError, RuntimeError) as exc:  # optional: fall back, say why in the log
        log.warning("TAESD at %s unusable (%s)", found, exc)
    return None, ""


def _previewer(ctx: EngineContext, facts: dict[str, Any], spec: ImageSpec, reporter: Reporter) -> Previewer:
    taesd = None
    if ctx.settings.taesd_previews and facts["channels"] == 4 and facts["family"] in ("sd", "sdxl"):
        taesd = tiny_decoder(ctx, facts, reporter)[0]
    return Previewer(facts["family"], facts["channels"], (spec.width, spec.height), taesd)


def fast_decoder(ctx: EngineContext, spec: ImageSpec, facts: dict[str, Any], reporter: Reporter,
                 warn) -> tuple[Any, str]:
    """The tiny decoder a job's final image is decoded with ((None, "") for the model's VAE).

    Fast decode is the job's ``decoder`` ("fast"/"full"), else the settings' ``fast_decode``; asked of a model
    whose latent space has no tiny decoder installed, one line says so and the VAE decodes."""
    if (spec.decoder or ("fast" if ctx.settings.fast_decode else "full")) != "fast":
        return None, ""
    tiny, name = tiny_decoder(ctx, facts, reporter)
    if tiny is None:
        wanted = TAESD_FOLDERS.get(str(facts.get("family")), ())
        warn(_("Fast decode: no tiny decoder is installed for this model's latent space ({family}); the full VAE "
               "decodes the image. Put {folder} (diffusers AutoencoderTiny, safetensors) in the models folder.")
             .format(family=facts.get("family") or "?",
                     folder=" / ".join(wanted) if wanted else _("a matching TAESD")))
    return tiny, name


@contextlib.contextmanager
def decoded_by(pipe: Any, vae: Any) -> Iterator[None]:
    """The pipeline decodes with ``vae`` (a TAESD) for this job only: each pipeline's own latent scaling and
    post-processing still apply, as diffusers documents for AutoencoderTiny."""
    if vae is None or not hasattr(pipe, "vae"):
        yield
        return
    own = pipe.vae
    pipe.vae = vae
    try:
        yield
    finally:
        pipe.vae = own


# The pipeline argument that carries each prompt-editor input (see model_caps.IGNORED_INPUTS).
_INPUT_ARGS = {"prompt": "prompt", "negative_prompt": "negative_prompt", "guidance": "guidance_scale",
               "size": "width"}


def ignored_inputs(pipe: Any) -> frozenset[str]:
    """The ImageSpec inputs ``pipe`` takes no argument for (an unconditional DDPM: prompt, CFG, size)."""
    accepted = _accepted(pipe)
    if accepted is None:
        return frozenset()
    return frozenset(name for name, arg in _INPUT_ARGS.items() if arg not in accepted)


def as_used(spec: ImageSpec, unused: frozenset[str], image: Any) -> tuple[ImageSpec, ImageSpec]:
    """``spec`` as the model actually ran it, for the PNG: (job spec, spec the infotext describes).

    A prompt the model ignored is dropped from both; the size it drew at (not the size asked for)
    goes into the infotext only, since the job spec must stay a valid request to repeat the image.
    """
    changes: dict[str, Any] = {}
    if "prompt" in unused:
        changes["prompt"] = ""
    if "negative_prompt" in unused:
        changes["negative_prompt"] = ""
    if "timestep_spacing" in unused:  # a flow-matching scheduler has none: the PNG claims no schedule type
        changes["timestep_spacing"] = ""
    job = spec.replace(**changes) if changes else spec
    shown = job.replace(width=image.width, height=image.height) if "size" in unused else job
    return job, shown


def _accepted(pipe: Any) -> set[str] | None:
    """Keyword arguments the pipeline's __call__ takes (None: it takes **kwargs)."""
    params = inspect.signature(pipe.__call__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return set(params)


def run(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> ImageResult:
    """Generate one image for ``spec``, save it as PNG with its parameters, and return its path."""
    started = time.monotonic()
    warnings = list(spec.validate())  # raises SpecError for bad sizes, steps, scheduler...
    spec = spec.clean()
    if spec.init_image or spec.mask:  # img2img / inpaint / outpaint: the canvas editing path
        from studio.engines.diffusion.edit import run_edit

        # An edit keeps the canvas image's size: "upscale result" is for new images only.
        return run_edit(spec.replace(upscale=""), reporter, cancel, ctx, warnings)
    entry = resolve(ctx, spec.model)

    def warn(message: str) -> None:
        warnings.append(message)
        reporter.log(message)

    # Control images are read, preprocessed and their ControlNets checked before any model loads.
    units = control.prepare_units(ctx, spec, (spec.width, spec.height), entry, warn) if spec.controls else []
    if spec.ip_image:
        control.open_ip_image(spec.ip_image)
    clip_name, clip_explicit = chosen_clip(ctx, spec.clip, entry)
    check_chosen(ctx, spec.clip)  # a CLIP the user named but cannot be used fails now, not after generating
    upscaler = _upscaler(ctx, spec.upscale)  # a missing upscaler fails now, not after generating
    if upscaler is not None:
        spec = spec.replace(upscale=canonical_name(spec.upscale))  # "animevideov3-x4" → its full name
    if cancel.cancelled:
        return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
    reporter.progress(0, 0, _("loading model"))  # its own phase (no steps yet): the window says "loading model…"
    pipe, facts = load_pipeline(ctx, entry)
    if cancel.cancelled:
        return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
    memory = choose_mode(spec.memory_mode or ctx.settings.memory_mode, pipe, ctx.device,
                         spec.width * spec.height, warn)
    speed = spec.speed_mode or ctx.settings.speed_mode
    if speed in ("fused_qkv", "int8") and spec.loras:  # LoRAs patch the plain q/k/v projections these replace
        warn(_("Speed mode {mode} cannot be used with LoRAs; this image is made with speed mode off.").format(
            mode=speed))
        speed = "off"
    if speed != "off" and (units or spec.ip_image):  # its cached features would not see the control
        warn(_("Speed mode {mode} cannot be used with ControlNet or an image prompt; this image is made with speed "
               "mode off.").format(mode=speed))
        speed = "off"
    backend = spec.backend or ctx.settings.backend
    if backend in OPENVINO_PRECISION and speed != "off" and openvino_unet.fallback_reason(
            backend, facts, pipe, ctx.device, spec.loras, units, spec.ip_image, (spec.width, spec.height)) is None:
        warn(_("Speed mode {mode} changes the PyTorch UNet, which OpenVINO replaces; this image is made with speed "
               "mode off.").format(mode=speed))
        speed = "off"
    pipe, facts = unquantized(ctx, entry, pipe, facts, speed)
    try:
        ov_unet, backend = openvino_unet.for_job(ctx, backend, pipe, facts, entry, spec.loras, units, spec.ip_image,
                                                 (spec.width, spec.height), reporter, cancel, warn)
    except JobCancelled:
        return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
    injected = injected_ooms()
    step_times: list[float] = []  # when each denoising step ended: the measured speed estimates use
    retried = False  # one retry per job: a second out-of-memory fails
    tiny, tiny_name = fast_decoder(ctx, spec, facts, reporter, warn)
    with pipeline_for_job(ctx, pipe, facts, spec.loras) as applied, \
            control.ip_adapter(ctx, spec, pipe, facts, entry) as (ip_args, ip_entry):
        unsuited = sampler_warning(spec.scheduler, entry, [e for e, _w in applied])
        if unsuited:  # allowed: the person is told what to expect
            warn(unsuited)
        run_pipe, extra = job_pipeline(ctx, pipe, facts, units, entry, (spec.width, spec.height), warn)
        while True:
            try:
                with modes_for_job(pipe, memory, speed, ctx.device, ctx.paths.cache, facts), \
                        decoded_by(run_pipe, tiny), openvino_unet.unet_replaced(run_pipe, ov_unet):
                    step_times.clear()
                    step_times.append(time.monotonic())
                    result = _generate(spec, reporter, cancel, ctx, entry, run_pipe, facts, warn,
                                       extra={**extra, **ip_args}, fail_oom=injected > 0, step_times=step_times)
                break
            except Exception as exc:  # noqa: BLE001 - only an out-of-memory is retried; the rest re-raised
                if not is_oom(exc):
                    raise
                injected -= 1
                free_memory(ctx.device)
                lower = next_lower(memory, on_accelerator(ctx.device))
                if lower is None or retried:
                    raise StudioError(_("Out of memory in memory mode {mode} ({where}), even after retrying; "
                                        "try a smaller image, another memory mode, or close other programs.")
                                      .format(mode=memory, where=ctx.device)) from exc
                retried = True
                warn(_("Out of memory in memory mode {mode}; memory was freed and the image is retried in "
                       "mode {lower}.").format(mode=memory, lower=lower))
                memory = lower
    if isinstance(result, ImageResult):  # cancelled mid-run
        return result
    image, preview_kind = result
    check_image(image, reporter, ctx)  # the content filter's CLIP concept check, before anything is saved
    score = score_image(ctx, image, model_prompt(vocabulary_of(entry), spec.prompt), clip_name, clip_explicit,
                        reporter)
    hash_ = model_hash(ctx, entry)
    path = output_path(ctx, spec.seed)
    unused = ignored_inputs(pipe) | entry_ignores(entry)  # FLUX.1: no negative prompt; schnell: no CFG either
    saved = spec.replace(model=spec.model or entry.name)
    if tiny is not None and not spec.decoder:  # made with the settings' fast decode: the PNG says so
        saved = saved.replace(decoder="fast")
    spec_saved, spec_shown = as_used(saved, unused, image)
    # The infotext records the modes the image was actually made in; the job spec keeps what was asked.
    spec_shown = spec_shown.replace(memory_mode=memory, speed_mode=speed, backend=backend)
    native_path, native_size, upscaler_name = "", (0, 0), ""
    names = unit_names(ctx, spec, units, ip_entry)
    if upscaler is not None:
        big = _upscale(image, upscaler, spec, reporter, cancel, ctx)
        if big is None:
            return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
        native = path.with_name(f"{path.stem}-native.png")
        save_png(image, native, spec_saved, entry.name, hash_, lora_hashes(applied), score, unused, spec_shown,
                 vae=tiny_name, control_names=names)
        native_path, native_size, upscaler_name = str(native), image.size, upscaler.name
        image = big
    save_png(image, path, spec_saved, entry.name, hash_, lora_hashes(applied), score, unused, spec_shown,
             vae=tiny_name, control_names=names)
    return ImageResult(outputs=(str(path),), seed=spec.seed, model=entry.name, model_hash=hash_,
                       warnings=tuple(warnings), width=image.width, height=image.height, steps=spec.steps,
                       scheduler=spec.scheduler, preview=preview_kind, native=native_path, upscaler=upscaler_name,
                       native_width=native_size[0], native_height=native_size[1],
                       clip_score=None if score is None else score.score, clip="" if score is None else score.clip,
                       memory_mode=memory, speed_mode=speed, seconds=round(time.monotonic() - started, 3),
                       step_seconds=round(step_seconds(step_times), 5), device=ctx.device,
                       decoder="fast" if tiny is not None else "", backend=backend)


def job_pipeline(ctx: EngineContext, pipe: Any, facts: dict[str, Any], units: list, entry: Any,
                 size: tuple[int, int], warn=None) -> tuple[Any, dict[str, Any]]:
    """The pipeline a text-to-image job runs and its extra arguments: ``pipe`` itself, its ControlNet
    variant when the job has units, and an inpainting UNet's own pipeline (the whole blank image is the
    area to paint: a 9-channel UNet needs a mask and a masked image)."""
    extra: dict[str, Any] = {}
    inpainting = facts["channels"] == INPAINT_CHANNELS
    if inpainting:
        from PIL import Image

        extra = {"image": Image.new("RGB", size, (127, 127, 127)), "mask_image": Image.new("L", size, 255),
                 "strength": 1.0}
    op = "inpaint" if inpainting else "txt2img"
    if units:
        nets = control.controlnets(ctx, units, pipe, facts, entry.title)
        derived = control.derive(pipe, op, nets)
        return derived, {**extra, **control.control_kwargs(units, op, derived, _accepted(derived), warn)}
    return (control.derive(pipe, op), extra) if inpainting else (pipe, extra)


def unit_names(ctx: EngineContext, spec: ImageSpec, units: list, ip_entry: Any) -> dict[str, tuple[str, str]]:
    """How the PNG names the job's ControlNets and IP-Adapter (name, short hash)."""
    names = control.control_names(ctx, spec, units)
    if ip_entry is not None:
        names[spec.ip_adapter] = (Path(ip_entry.path).stem, "")
    return names


def step_seconds(times: list[float]) -> float:
    """Seconds per denoising step from [start, end of step 1, end of step 2, …]: from the first step's end
    on when there are several (the first also encodes the prompt); 0 when no step ran."""
    if len(times) < 2:
        return 0.0
    if len(times) == 2:
        return times[1] - times[0]
    return (times[-1] - times[1]) / (len(times) - 2)


@contextlib.contextmanager
def pipeline_for_job(ctx: EngineContext, pipe: Any, facts: dict[str, Any],
                     loras: Iterable[tuple[str, float]]) -> Iterator[list[tuple[Any, float]]]:
    """Hold the cached pipeline for one job, with the job's LoRAs applied and removed afterwards.

    Yields the LoRAs applied, as (registry entry, weight).

    The pipeline is shared by every job on the model: one job at a time sets its scheduler and LoRAs,
    and it must be clean again for the next one, whatever happened in between.
    """
    resolved = [(_resolve_lora(ctx, name), weight) for name, weight in loras]
    with facts["lock"]:
        from studio.engines.models.lora import apply_loras, remove_loras

        try:
            if resolved:
                apply_loras(pipe, resolved)
            yield resolved
        finally:
            if resolved:
                remove_loras(pipe)


def lora_hashes(applied: Iterable[tuple[Any, float]]) -> list[tuple[str, str]]:
    """(name as the prompt names it, A1111's short LoRA hash) for the infotext's ``Lora hashes``."""
    from studio.core.models.hashing import addnet_hash

    out = []
    for entry, _weight in applied:
        try:
            out.append((Path(entry.path).stem, addnet_hash(Path(entry.path))))
        except (OSError, ModelError, ValueError) as exc:  # a missing hash never fails the job
            log.warning("cannot hash LoRA %s: %s", entry.path, exc)
    return out


def save_png(image: Any, path: Path, spec: ImageSpec, model_name: str, hash_: str,
             lora_hashes: Iterable[tuple[str, str]] = (), score: ClipScore | None = None,
             unused: Iterable[str] = (), shown: ImageSpec | None = None, vae: str = "",
             control_names: dict[str, tuple[str, str]] | None = None) -> None:
    """Write the PNG with its metadata atomically; a full disk or unwritable folder is a clear StudioError.

    ``shown``: the spec the infotext describes when it differs from the job spec (see :func:`as_used`).
    ``vae``: the tiny decoder that decoded it ("taesd"…), recorded as A1111's ``VAE`` field."""
    try:
        write_image_png(image, path, spec, model_name=model_name, model_hash=hash_, lora_hashes=list(lora_hashes),
                        score=score, unused=frozenset(unused), shown=shown, vae=vae, control_names=control_names)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise StudioError(_("The disk is full: the image was not saved. Free some space and retry.")) from exc
        raise StudioError(_("Cannot save the image to {path}: {error}").format(
            path=path, error=exc.strerror or exc)) from exc


def _upscaler(ctx: EngineContext, name: str) -> Any:
    """The upscaler entry for ``ImageSpec.upscale`` (built-ins by short name too); None for ""."""
    if not name:
        return None
    entry = ctx.registry.resolve(canonical_name(name), task="upscale")
    if entry.type != "upscaler":
        raise ModelError(_("Model {model!r} is not an upscaler.").format(model=entry.name))
    return entry


def _upscale(image: Any, upscaler: Any, spec: ImageSpec, reporter: Reporter, cancel: CancelToken,
             ctx: EngineContext) -> Any:
    """The generated image run through ``upscaler`` in-process (None when cancelled)."""
    reporter.progress(spec.steps, spec.steps, _("upscaling with {model}").format(model=upscaler.name))
    if cancel.cancelled:
        return None
    return upscale_image(image, ctx, spec.upscale, cancel=cancel)


def _generate(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext, entry: Any,
              pipe: Any, facts: dict[str, Any], warn, extra: dict[str, Any] | None = None,
              fail_oom: bool = False, step_times: list[float] | None = None) -> tuple[Any, str] | ImageResult:
    """Run the pipeline: (PIL image, preview kind), or a cancelled ImageResult.

    ``fail_oom`` (tests): the first step raises torch's own out-of-memory error, as a full GPU would.

    ``extra``: more pipeline arguments (init image, mask, strength for the editing pipelines).
    ``step_times``: each step's end time is appended to it.
    """
    if facts.get("scheduler_config"):
        # A flow-matching family runs a fresh copy of its own scheduler (the SD samplers do not apply to it).
        pipe.scheduler = (type(pipe.scheduler).from_config(facts["scheduler_config"]) if facts.get("flow")
                          else make_scheduler(spec.scheduler, facts["scheduler_config"], spec.timestep_spacing))
        tap: X0Tap | None = X0Tap(pipe.scheduler)
    else:
        tap = None
    every = max(0, int(ctx.settings.preview_every))
    previewer = _previewer(ctx, facts, spec, reporter) if every else None
    steps = spec.steps

    def on_step_end(p: Any, i: int, t: Any, kw: dict[str, Any]) -> dict[str, Any]:
        done = i + 1
        if step_times is not None:
            step_times.append(time.monotonic())
        if fail_oom:
            raise injected_error()
        reporter.progress(done, getattr(p, "num_timesteps", None) or steps)
        if cancel.cancelled:
            p._interrupt = True  # diffusers' cooperative stop; raising also skips the final VAE decode
            raise JobCancelled()
        if previewer is not None and done % every == 0 and "latents" in kw and reporter.wants_preview():
            reporter.preview(previewer.render(kw["latents"], tap.x0 if tap else None))
        return kw

    # A model whose card maps Chinese words onto its vocabulary reads 一只红色的运动鞋 as "a red sneaker";
    # the spec (and the PNG's parameters) keep what the user wrote.
    vocab = vocabulary_of(entry) if isinstance(entry, ModelEntry) else None
    prompt, negative = model_prompt(vocab, spec.prompt), model_prompt(vocab, spec.negative_prompt)
    if prompt != spec.prompt:
        reporter.log(_("{model} reads the prompt as “{prompt}”.").format(model=entry.name, prompt=prompt))
    kwargs: dict[str, Any] = dict(prompt=prompt, negative_prompt=negative,
                                  num_inference_steps=spec.steps, guidance_scale=spec.guidance,
                                  width=spec.width, height=spec.height,
                                  generator=torch.Generator("cpu").manual_seed(spec.seed),
                                  callback_on_step_end=on_step_end, output_type="pil", **(extra or {}))
    family = facts["family"]
    fam = FAMILIES.get(family)
    if fam is not None and fam.cfg_arg != "guidance_scale":  # Qwen-Image: the CFG field is its true CFG
        kwargs[fam.cfg_arg] = kwargs.pop("guidance_scale")
    if fam is not None:
        kwargs.update(fam.extra)
    try:
        with torch.inference_mode():
            if embeddings.supports_weights(pipe, family):
                if embeddings.needs_custom_encoding(pipe, family, prompt, negative):
                    kwargs.update(embeddings.encode(pipe, family, prompt, negative))
                    del kwargs["prompt"], kwargs["negative_prompt"]
            elif not (is_plain(prompt) and is_plain(negative)):
                warn(_("This model does not support prompt weights; the prompt is used as written."))
            accepted = _accepted(pipe)
            if accepted is not None and "intermediate_timesteps" in accepted and kwargs["num_inference_steps"] != 2:
                kwargs["intermediate_timesteps"] = None  # SANA-Sprint's midpoint exists for 2 steps only
            if accepted is not None:
                dropped = sorted(k for k in kwargs if k not in accepted)
                for k in dropped:
                    del kwargs[k]
                if dropped:
                    log.info("%s ignores %s", type(pipe).__name__, ", ".join(dropped))
            # Some pipelines draw from torch's global generator besides the job's (SD3's ControlNet samples
            # the control image's latents): seeded from the job's seed, the image is reproducible.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(spec.seed)
                out = pipe(**kwargs)
    except JobCancelled:
        return ImageResult(cancelled=True, seed=spec.seed, model=entry.name)
    except (StudioError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any pipeline failure becomes one clear job failure
        if is_oom(exc):  # the caller frees memory and retries in a lower memory mode
            raise
        log.exception("image pipeline failed")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        error = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        raise StudioError(_("Image generation failed in {pipeline}: {error}").format(
            pipeline=type(pipe).__name__, error=error)) from exc
    finally:
        if tap is not None:
            pipe.scheduler.__dict__.pop("step", None)
    images = getattr(out, "images", None)
    if not images:
        raise StudioError(_("{pipeline} returned no image.").format(pipeline=type(pipe).__name__))
    return images[0], (previewer.kind if previewer else "")


def _resolve_lora(ctx: EngineContext, name: str) -> Any:
    """The LoRA entry called ``name`` (names of LoRAs in sub-folders contain '/'), else by path."""
    matches = ctx.registry.find(name, ("lora",))
    usable = [e for e in matches if e.usable]
    if usable or matches:
        return (usable or matches)[0]
    return ctx.registry.resolve(name, task="addon")
