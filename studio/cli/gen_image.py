"""`generate image`: text-to-image headless; prints the path of each PNG written."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from studio.cli import control_args
from studio.core.atomic import atomic_open, check_output_file, check_output_folder, refuse_non_regular
from studio.core.errors import SpecError
from studio.core.estimate import long_job_warning, measured_speed
from studio.core.i18n import _
from studio.core.specs.memory_modes import BACKENDS, MEMORY_MODES, SPEED_MODES
from studio.core.prompt_history import PromptHistory
from studio.core.specs.base import MAX_SEED, random_seed
from studio.core.specs.samplers import SCHEDULER_LABELS, SCHEDULERS, TIMESTEP_SPACINGS
from studio.core.specs.image import ImageSpec

if TYPE_CHECKING:
    from studio.cli.submit import JobContext


# Option defaults: with --from-png, an option left at its default keeps the PNG's value.
# None: the model's recommendation (studio.core.models.recommended), else the ImageSpec default.
_DEFAULTS = dict(prompt="", negative="", model="", seed=None, steps=None, guidance=None, width=None, height=None,
                 scheduler=None, timestep_spacing=None)
_SPEC_FIELDS = dict(prompt="prompt", negative="negative_prompt", model="model", seed="seed", steps="steps",
                    guidance="guidance", width="width", height="height", scheduler="scheduler",
                    timestep_spacing="timestep_spacing")


def register(kinds) -> None:
    p = kinds.add_parser("image", help=_("generate an image from a prompt"),
                         description=_("Generate images with a local diffusion model and print the PNG paths."))
    d = _DEFAULTS
    p.add_argument("--prompt", default=d["prompt"], help=_("what to draw; (word:1.2) weights work as in A1111"))
    p.add_argument("--negative", default=d["negative"], help=_("what to avoid"))
    p.add_argument("--model", default=d["model"],
                   help=_("model name (see `models list`) or folder; default: the default model"))
    p.add_argument("--seed", type=int, default=d["seed"],
                   help=_("seed (default: random); batch images use seed+1, +2, ..."))
    # Unset flags follow what the model recommends (studio.core.models.recommended), as the window does.
    p.add_argument("--steps", type=int, default=d["steps"],
                   help=_("denoising steps (default: the model's recommendation, else 20)"))
    p.add_argument("--guidance", type=float, default=d["guidance"], help=_("CFG scale (default: the model's, else 7.5)"))
    p.add_argument("--width", type=int, default=d["width"], help=_("default: the model's own size, else 512"))
    p.add_argument("--height", type=int, default=d["height"], help=_("default: the model's own size, else 512"))
    p.add_argument("--scheduler", default=d["scheduler"], choices=SCHEDULERS,
                   help=_("sampler (default: the model's or a few-step LoRA's recommendation, else euler); lcm and "
                          "tcd are for LCM/TCD/DMD2/Hyper-SD models and LoRAs"))
    p.add_argument("--timestep-spacing", default=d["timestep_spacing"], choices=[s for s in TIMESTEP_SPACINGS if s],
                   help=_("where the steps fall: trailing for Turbo/Lightning-style models (default: the model's "
                          "recommendation, else its own scheduler config; flow-matching models such as SD3, FLUX.1 "
                          "and Z-Image have none)"))
    p.add_argument("--fast-decode", action="store_true",
                   help=_("decode the final image with the tiny TAESD decoder installed for the model's latent space: "
                          "much faster, lower quality (default: the settings' choice)"))
    p.add_argument("--expand", action="store_true",
                   help=_("first let the default text model expand --prompt into a detailed prompt (shown on stderr)"))
    p.add_argument("--from-png", default="", metavar="PNG",
                   help=_("reuse the parameters a PNG carries (ours or A1111's); options given here override them"))
    p.add_argument("--lora", action="append", type=_lora_arg, default=[], metavar="NAME[:WEIGHT]",
                   help=_("apply this LoRA (see `models list`) at WEIGHT (default 1); repeatable. "
                        "<lora:NAME:WEIGHT> in the prompt does the same, as in A1111"))
    p.add_argument("--clip", default="", metavar="NAME",
                   help=_("CLIP that scores the image against the prompt ('none': no score; default: the model's "
                        "paired CLIP, else the settings' choice)"))
    p.add_argument("--out", default="", help=_("also write the PNG here (a file, or an existing folder)"))
    p.add_argument("--batch", type=int, default=1, help=_("how many images (default 1)"))
    p.add_argument("--upscale", default=None, metavar="NAME",
                   help=_("upscale the result with this upscaler (e.g. animevideov3-x4, x4plus; see `models list`); "
                        "the native image is kept beside it as *-native.png (default: the model's "
                        "recommendation; 'none' for none)"))
    p.add_argument("--memory-mode", default="", choices=("",) + MEMORY_MODES, metavar="MODE",
                   help=_("how the job spends device memory: {modes} (none: all on the "
                          "device; vae: VAE tiling + slicing; offload: model CPU offload; sequential: layer by "
                          "layer, least memory, slowest; default: the settings' choice)").format(modes=", ".join(MEMORY_MODES)))
    p.add_argument("--speed-mode", default="", choices=("",) + SPEED_MODES, metavar="MODE",
                   help=_("speed mode: {modes} (off and channels_last keep the image; "
                          "fused_qkv, compile and cache change it slightly; cache reuses a UNet's deep features between "
                          "steps, DeepCache-style: faster; int8: torchao quantisation, CUDA only; default: the settings' "
                          "choice)").format(modes=", ".join(SPEED_MODES)))
    p.add_argument("--backend", default="", choices=("",) + BACKENDS, metavar="BACKEND",
                   help=_("what runs the UNet: {backends} (openvino: exported once to OpenVINO with int8 weights, "
                          "CPU only, SD 1.x/2.x/SDXL, needs requirements/openvino.txt; openvino_fp32: the same in "
                          "float32; anything else falls back to pytorch with one line; default: the settings' "
                          "choice)").format(backends=", ".join(BACKENDS)))
    edit = p.add_argument_group(_("editing an image (img2img, inpaint, outpaint)"))
    edit.add_argument("--init", default="", metavar="IMAGE", help=_("start from this image (its size is used)"))
    edit.add_argument("--mask", default="", metavar="MASK", help=_("repaint only the white part (same size as IMAGE)"))
    edit.add_argument("--strength", type=float, default=None,
                      help=_("how much to change, 0..1 (default 0.75; 1.0 for outpaint); 0 returns IMAGE"))
    edit.add_argument("--outpaint", default="", metavar="L,T,R,B", help=_("extend by these pixels (multiples of 8)"))
    edit.add_argument("--fill", default="edge", choices=("edge", "noise"), help=_("how the outpainted area starts"))
    edit.add_argument("--mask-blur", type=int, default=4, help=_("feather radius of the mask in pixels"))
    edit.add_argument("--masked-only", action="store_true",
                      help=_("inpaint a crop around the mask at the model's resolution (sharp small edits)"))
    control_args.register(p)
    p.set_defaults(func=main)


def _lora_arg(text: str) -> tuple[str, float]:
    """NAME or NAME:WEIGHT (the name may itself contain ':' only when a weight follows)."""
    from studio.core.specs.prompt_loras import parse_tag

    name, sep, weight = text.rpartition(":")
    if not sep:
        name, weight = text, "1"
    try:
        return parse_tag(f"{name}:{weight}")
    except SpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _base_spec(args: argparse.Namespace, seed: int) -> ImageSpec:
    """The spec the flags ask for; each flag left out takes the model's recommended value (one line if the
    model is missing, or the sampler does not suit it)."""
    from studio.core.models.caps import scheduler_refusal
    from studio.core.paths import StudioPaths
    from studio.core.models.recommended import recommended_image_spec
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import load_settings

    paths = StudioPaths.from_env()
    registry = ModelRegistry(paths, load_settings(paths.settings_file))
    entry = registry.resolve(args.model, task="image")
    given = {"steps": args.steps, "guidance": args.guidance, "width": args.width, "height": args.height,
             "scheduler": args.scheduler, "timestep_spacing": args.timestep_spacing}
    upscale = args.upscale.strip() if args.upscale is not None else None
    if upscale is not None:
        given["upscale"] = "" if upscale.lower() == "none" else upscale
    if args.init:
        given["upscale"] = ""  # edits keep the canvas image's size
    loras = _lora_entries(registry, args)
    spec = recommended_image_spec(entry, args.prompt, seed, loras=loras,
                                  **{k: v for k, v in given.items() if v is not None})
    refusal = scheduler_refusal(entry, spec.scheduler) or _spacing_refusal(entry, args.timestep_spacing)
    if refusal:
        raise SpecError(refusal)
    _say_recommended(entry, loras, given)
    _say_ignored(entry, args)
    return spec.replace(negative_prompt=args.negative, model=args.model or entry.name)


def _spacing_refusal(entry, spacing: str | None) -> str:
    """Why ``--timestep-spacing`` cannot be given for ``entry`` ("" when it can): a flow-matching family's
    own scheduler has no timestep spacing, so the flag would silently change nothing."""
    from studio.core.models.caps import entry_ignores
    from studio.core.models.few_step import display_name

    if not spacing or "timestep_spacing" not in entry_ignores(entry):
        return ""
    return _("{model} is a flow-matching model: its own scheduler has no timestep spacing; leave out "
             "--timestep-spacing.").format(model=display_name(entry))


def _say_ignored(entry, args: argparse.Namespace) -> None:
    """One line on stderr for each option given that the model's family takes no notice of (FLUX.1 has no
    negative prompt; SANA-Sprint's guidance is distilled into it): the image is made, without it."""
    from studio.core.models.caps import entry_ignores
    from studio.core.models.few_step import display_name

    ignored = entry_ignores(entry)
    for name, option, given in (("negative_prompt", "--negative", bool(args.negative)),
                                ("guidance", "--guidance", args.guidance is not None)):
        if given and name in ignored:
            print(_("{model} takes no notice of {option}: it is ignored.").format(
                model=display_name(entry), option=option), file=sys.stderr, flush=True)


def _lora_entries(registry, args: argparse.Namespace) -> list:
    """The installed LoRAs the job names (--lora and <lora:…> tags); one not found is left to the job to refuse."""
    from studio.core.specs.prompt_loras import extract

    try:
        tagged = extract(args.prompt)[1]
    except SpecError:
        tagged = ()
    found = []
    names = [name for name, _weight in [*args.lora, *tagged]]
    loras = [e for e in registry.scan() if e.type == "lora"] if names else []
    for name in names:
        matches = [e for e in loras if e.name == name] or [e for e in loras if e.matches(name)]
        if matches:
            found.append(next((e for e in matches if e.usable), matches[0]))
    return found


def _say_recommended(entry, loras: list, given: dict) -> None:
    """One line on stderr when a few-step model or LoRA chose the sampling settings left unset."""
    from studio.core.models.few_step import display_name, few_step_kind, recommendation

    source, rec = recommendation(loras)
    source = source or (entry if few_step_kind(entry) else None)
    rec = rec or dict((entry.details or {}).get("recommended") or {})
    if source is None or all(given.get(k) is not None for k in ("steps", "guidance", "scheduler")):
        return
    print(_("Using the settings {model} recommends: steps {steps}, CFG {guidance:g}, {sampler}{spacing}.").format(
        model=display_name(source), steps=rec.get("steps"), guidance=float(rec.get("guidance", 0)),
        sampler=SCHEDULER_LABELS.get(str(rec.get("scheduler")), rec.get("scheduler")),
        spacing=_(", trailing timesteps") if rec.get("timestep_spacing") == "trailing" else ""),
        file=sys.stderr, flush=True)


def _installed_model(png: Path, name: str) -> str:
    """The installed model a PNG was made with: the one with its model hash (AutoV2), else its name;
    ModelError (one line) when neither is installed."""
    from studio.core.errors import ModelError
    from studio.core.models.caps import DIFFUSION_TYPES
    from studio.core.models.match import ModelRef, find_installed, missing_message
    from studio.core.paths import StudioPaths
    from studio.core.pngmeta import read_png_model_ref
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import load_settings

    if Path(name).is_absolute() and Path(name).exists():
        return name
    ref = read_png_model_ref(png)
    ref = ref if ref.name or ref.hash else ModelRef(name=name)
    paths = StudioPaths.from_env()
    entries = [e for e in ModelRegistry(paths, load_settings(paths.settings_file)).scan_with_hashes()
               if e.type in DIFFUSION_TYPES]
    found = find_installed(ref, entries)
    if found is None:
        raise ModelError(missing_message(ref))
    return found.name


def _expand(prompt: str, ctx, seed: int, allow_flagged: bool) -> str:
    """``prompt`` expanded by the default text model; its progress and streamed text go to stderr (stdout
    carries only the PNG paths), then the prompt used."""
    from studio.cli.submit import run_job
    from studio.core.progress import ConsoleReporter
    from studio.core.prompt_expansion import clean_expansion, expansion_spec

    print(_("Expanding the prompt with the default text model…"), file=sys.stderr, flush=True)
    # The expansion job carries the user's prompt: the content filter screens it before anything is expanded.
    result = run_job(expansion_spec(prompt, seed=seed), ctx, reporter=ConsoleReporter(text_stream=sys.stderr),
                     record=False, allow_flagged=allow_flagged)
    expanded = clean_expansion(result.text) or " ".join(prompt.split())
    print("\n" + _("prompt: {prompt}").format(prompt=expanded), file=sys.stderr, flush=True)
    return expanded


def _measured_speed(ctx, spec: ImageSpec):
    """How fast the spec's model ran here last time (from the history), for the long-job estimate."""
    from studio.cli.common import open_gallery
    from studio.core.errors import ModelError

    try:
        model = ctx.registry.resolve(spec.model, task="image").name
    except ModelError:
        return None  # the job says so itself
    gallery = open_gallery(ctx.paths)
    try:
        return measured_speed(gallery, model, ctx.device_for(spec.kind))
    finally:
        gallery.close()


def _warn_outside_vocabulary(ctx, spec: ImageSpec) -> None:
    """A note on stderr when the prompt asks for what the model has not learnt (e.g. black for Studio Fashion)."""
    from studio.core.errors import ModelError
    from studio.core.models.vocabulary import prompt_warning, vocabulary_of

    try:
        entry = ctx.registry.resolve(spec.model, task="image")
    except ModelError:
        return  # the job says so itself
    note = prompt_warning(vocabulary_of(entry), spec.prompt, str(entry.details.get("title") or entry.name))
    if note:
        print(_("note: {message}").format(message=note), file=sys.stderr, flush=True)


def _edit_fields(args: argparse.Namespace) -> dict:
    """ImageSpec fields for --init/--mask/--outpaint (width/height: the result's size, multiples of 8)."""
    if not args.init:
        if args.mask or args.outpaint:
            raise SpecError(_("--mask and --outpaint need --init IMAGE."))
        return {}
    if args.upscale and args.upscale.strip().lower() != "none":
        raise SpecError(_("--upscale is for new images; upscale an edited image with `upscale IMAGE`."))
    from studio.core.image_io import open_rgb
    from studio.core.outpaint import parse_extension

    ext = parse_extension(args.outpaint or "0")
    w, h = ext.new_size(*open_rgb(args.init).size)  # unreadable/huge images fail here, with one line
    strength = args.strength if args.strength is not None else (1.0 if not ext.empty else 0.75)
    return dict(init_image=str(Path(args.init).expanduser().resolve()),
                mask=str(Path(args.mask).expanduser().resolve()) if args.mask else None,
                strength=strength, outpaint=ext.as_tuple(), outpaint_fill=args.fill, mask_blur=args.mask_blur,
                masked_only=args.masked_only, width=max(8, -(-w // 8) * 8), height=max(8, -(-h // 8) * 8))


def _out_target(out: str, produced: Path, index: int, batch: int) -> Path:
    target = Path(out).expanduser()
    if target.is_dir() or out.endswith(("/", "\\")):
        return target / produced.name
    if batch > 1:
        return target.with_name(f"{target.stem}-{index + 1}{target.suffix or '.png'}")
    return target


def _check_out(out: str, batch: int) -> None:
    """Refuse an --out the PNGs cannot go to (a device, a missing folder, /proc...) before any work."""
    target = Path(out).expanduser()
    if not target.is_dir():  # a folder is fine; a device or FIFO is refused, not written beside
        refuse_non_regular(target)  # a batch must not become /dev/null-1.png, /dev/null-2.png beside a device
    if target.is_dir() or out.endswith(("/", "\\")):
        check_output_folder(target)
        return
    for i in range(batch):
        check_output_file(_out_target(out, Path("image.png"), i, batch))


def _copy(src: Path, dst: Path) -> None:
    with src.open("rb") as fin, atomic_open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)


def main(args: argparse.Namespace) -> int:
    from studio.cli.submit import job_context

    if not 1 <= args.batch <= 1000:
        raise SpecError(_("--batch must be between 1 and 1000 (got {batch}).").format(batch=args.batch))
    if args.from_png:
        from studio.core.pngmeta import read_png_parameters

        base = read_png_parameters(Path(args.from_png)).replace(init_image=None, mask=None)
        if not args.model and base.model:
            base = base.replace(model=_installed_model(Path(args.from_png), base.model))
        base = base.replace(**{_SPEC_FIELDS[k]: getattr(args, k) for k, d in _DEFAULTS.items()
                               if getattr(args, k) != d})
        seed = base.seed
        if args.upscale is not None:
            base = base.replace(upscale="" if args.upscale.strip().lower() == "none" else args.upscale.strip())
        if args.lora:
            base = base.replace(loras=tuple(args.lora))
        if args.clip.strip():
            base = base.replace(clip=args.clip.strip())
    else:
        seed = random_seed() if args.seed is None else args.seed
        base = _base_spec(args, seed).replace(loras=tuple(args.lora), clip=args.clip.strip())
    base = base.replace(**_edit_fields(args), **control_args.fields(args))
    if args.memory_mode:
        base = base.replace(memory_mode=args.memory_mode)
    if args.speed_mode:
        base = base.replace(speed_mode=args.speed_mode)
    if args.backend:
        base = base.replace(backend=args.backend)
    if args.fast_decode:
        base = base.replace(decoder="fast")
    base.validate()  # bad sizes etc. fail here, before torch is even imported
    if args.out:
        _check_out(args.out, args.batch)
    if args.expand:
        from studio.core.prompt_expansion import expansion_spec

        expansion_spec(base.prompt)  # an empty prompt fails here, before any model loads
    with job_context() as ctx:  # one engine: the model loads once for the whole batch
        return _run_batch(args, ctx, base, seed)


def _run_batch(args: argparse.Namespace, ctx: "JobContext", base: ImageSpec, seed: int) -> int:
    """Run the batch of ``base`` (seeds from ``seed``) on the command's engine; print each image's path."""
    from studio.cli.submit import run_job

    warning = long_job_warning(base, ctx.device_for(base.kind), _measured_speed(ctx, base))
    if warning:  # said before the work starts; Ctrl+C cancels
        print(_("warning: {warning}").format(warning=warning), file=sys.stderr, flush=True)
    if args.expand:
        base = base.replace(prompt=_expand(base.prompt, ctx, seed, args.allow_flagged))
        base.validate()
    _warn_outside_vocabulary(ctx, base)
    from studio.core.specs.wildcards import expand_spec

    specs = [expand_spec(base.replace(seed=(seed + i) % (MAX_SEED + 1)), ctx.paths.wildcards)
             for i in range(args.batch)]  # a missing or recursive wildcard fails here, before any image
    PromptHistory.open(ctx.paths).add(base.prompt)
    for i, spec in enumerate(specs):
        if spec.prompt != base.prompt:
            print(_("prompt {n}: {prompt}").format(n=i + 1, prompt=spec.prompt), file=sys.stderr)
        result = run_job(spec, ctx, allow_flagged=args.allow_flagged)
        if result.cancelled:
            print(_("cancelled"), file=sys.stderr)
            return 130
        for path in result.outputs:
            if args.out:
                target = _out_target(args.out, Path(path), i, args.batch)
                _copy(Path(path), target)
                print(target)
            else:
                print(path)
            sys.stdout.flush()
    return 0
