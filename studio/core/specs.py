"""Job specs: frozen, JSON-serialisable descriptions of one unit of work.

A spec says *what* to do; engines in ``studio.engines`` do it. Every spec has a ``kind``
(used to route it to its engine and to (de)serialise it) and a ``validate()`` that raises
``SpecError`` with a user-facing message, or returns warnings for values it adjusted.
"""
from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from studio.core import prompt_loras
from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.memory_modes import memory_mode_problem, speed_mode_problem
from studio.core.names import check_model_name
from studio.core.samplers import DECODERS, SCHEDULER_LABELS, SCHEDULERS, TIMESTEP_SPACINGS  # noqa: F401 (re-exported)
from studio.core.spec_checks import (MAX_PROMPT_CHARS, check_finite, check_prompt_weights, check_range,
                                      check_upscaler_name, non_finite_path, truncate_prompt)

MIN_SIDE, MAX_SIDE = 64, 2048
MAX_STEPS = 500
MAX_SEED = 2**32 - 1
"""A ``(word:w)`` weight beyond this (nested brackets multiply) only ever makes a black image."""
SAMPLING_REPETITION_PENALTY = 1.1
"""The repetition penalty when sampling and the user has not chosen one (greedy decoding gets none)."""
NO_CLIP = "none"
"""``ImageSpec.clip`` value that turns CLIP scoring off."""

def random_seed() -> int:
    return random.SystemRandom().randint(0, MAX_SEED)


@dataclass(frozen=True)
class Spec:
    """Base of all specs."""

    kind: ClassVar[str] = ""

    def validate(self) -> list[str]:
        """Raise SpecError on invalid values; return warnings (empty when all is fine)."""
        return []

    def title(self) -> str:
        """A short label for queue and history rows."""
        return self.kind

    def replace(self, **changes: Any) -> "Spec":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ControlUnit:
    """One ControlNet unit of an image job (see ``studio.core.control``)."""

    model: str = ""
    """An installed ControlNet's name, or its folder/file."""
    image: str = ""
    """The control image as given (a file); ``preprocess`` turns it into the control map."""
    weight: float = 1.0
    start: float = 0.0
    """Fraction of the steps at which the unit starts guiding (diffusers' control_guidance_start)."""
    end: float = 1.0
    preprocess: str = "none"
    """One of ``control.PREPROCESSORS``."""


@dataclass(frozen=True)
class ImageSpec(Spec):
    """Text-to-image (and, with ``init_image``/``mask``, img2img / inpaint)."""

    kind: ClassVar[str] = "image"
    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    seed: int = 0
    steps: int = 20
    guidance: float = 7.5
    width: int = 512
    height: int = 512
    scheduler: str = "euler"
    timestep_spacing: str = ""
    """"" : the model's own; else one of ``samplers.TIMESTEP_SPACINGS`` (trailing for Turbo/Lightning models)."""
    decoder: str = ""
    """"" : the settings' choice; "full" (the VAE) or "fast" (TAESD, lower quality); see ``samplers.DECODERS``."""
    init_image: str | None = None
    mask: str | None = None
    strength: float = 0.75
    loras: tuple[tuple[str, float], ...] = ()
    # Canvas edits (used with init_image; see studio.engines.diffusion.edit):
    outpaint: tuple[int, int, int, int] = (0, 0, 0, 0)
    """Pixels added left, top, right, bottom (multiples of 8) before inpainting the new area."""
    outpaint_fill: str = "edge"
    """How the new area starts: "edge" (stretched border pixels) or "noise"."""
    mask_blur: int = 4
    """Feather radius in pixels of the blend between the result and the original (inside the mask)."""
    masked_only: bool = False
    """Inpaint only a crop around the mask at the model's resolution, then paste it back."""
    masked_padding: int = 32
    """Context pixels around the mask's box in masked-only mode."""
    upscale: str = ""
    """Upscaler run on the result (text-to-image only; the native image is kept beside it); "" for none."""
    clip: str = ""
    """CLIP that scores the image against its prompt: "" automatic (the model's paired CLIP, else the
    settings' choice), a model name, or NO_CLIP for no score."""
    memory_mode: str = ""
    """"" : the settings' memory mode; else one of ``memory_modes.MEMORY_MODES``. A saved image's spec
    holds the mode it actually ran in."""
    speed_mode: str = ""
    """"" : the settings' speed mode; else one of ``memory_modes.SPEED_MODES``."""
    controls: tuple[ControlUnit, ...] = ()
    """ControlNet units (one or more stack)."""
    ip_image: str | None = None
    """The IP-Adapter's reference image (an image prompt); None for none."""
    ip_weight: float = 0.6
    ip_adapter: str = ""
    """The IP-Adapter model ("": the one installed for the model's family)."""

    def validate(self) -> list[str]:
        check_finite(self)
        warnings: list[str] = []
        from studio.core.control import check_controls

        check_controls(self)
        for name, v in ((N_("Width"), self.width), (N_("Height"), self.height)):
            if not isinstance(v, int):
                raise SpecError(_("{name} must be a whole number of pixels (got {v!r}).").format(name=_(name), v=v))
            if v % 8:
                raise SpecError(_("{name} must be a multiple of 8 (got {v}); try {suggestion}.").format(
                    name=_(name), v=v, suggestion=max(MIN_SIDE, v // 8 * 8)))
            check_range(name, v, MIN_SIDE if self.init_image is None else 8, MAX_SIDE)
        check_range(N_("Steps"), self.steps, 1, MAX_STEPS)
        check_range(N_("Guidance"), self.guidance, 0.0, 50.0)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        check_range(N_("Strength"), self.strength, 0.0, 1.0)
        if self.scheduler not in SCHEDULERS:
            raise SpecError(_("Unknown scheduler {scheduler!r}; choose one of: {choices}.").format(
                scheduler=self.scheduler, choices=', '.join(SCHEDULERS)))
        for label, value, allowed in ((N_("timestep spacing"), self.timestep_spacing, TIMESTEP_SPACINGS),
                                      (N_("decoder"), self.decoder, DECODERS)):
            if value not in allowed:
                raise SpecError(_("Unknown {what} {value!r}; choose one of: {choices}.").format(
                    what=_(label), value=value, choices=", ".join(a for a in allowed if a)))
        truncate_prompt(self.prompt, _("The prompt"), warnings)
        truncate_prompt(self.negative_prompt, _("The negative prompt"), warnings)
        check_upscaler_name(self.upscale)
        for problem in (self.memory_mode and memory_mode_problem(self.memory_mode),
                        self.speed_mode and speed_mode_problem(self.speed_mode)):
            if problem:
                raise SpecError(problem)
        for item in self.loras:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                    and isinstance(item[1], (int, float)) and not isinstance(item[1], bool)):
                raise SpecError(_("A LoRA must be given as (name, weight) (got {item!r}).").format(item=item))
        for name, text in (("prompt", self.prompt), ("negative_prompt", self.negative_prompt)):
            if not isinstance(text, str):
                raise SpecError(_("The {field} must be text (got {value!r}).").format(field=name, value=text))
        prompt_loras.check(self.all_loras())
        for label, text in ((_("the prompt"), self.prompt), (_("the negative prompt"), self.negative_prompt)):
            check_prompt_weights(label, text)
        return warnings

    def all_loras(self) -> tuple[tuple[str, float], ...]:
        """``loras`` and the LoRAs named by ``<lora:name:w>`` tags in the prompt (SpecError for a bad tag)."""
        return prompt_loras.merge(self.loras, prompt_loras.extract(self.prompt)[1])

    def clean(self) -> "ImageSpec":
        """What the engine actually runs: over-long prompts truncated, ``<lora:…>`` tags moved into ``loras``."""
        prompt, tagged = prompt_loras.extract(self.prompt)
        return dataclasses.replace(self, prompt=prompt[:MAX_PROMPT_CHARS],
                                   negative_prompt=self.negative_prompt[:MAX_PROMPT_CHARS],
                                   loras=prompt_loras.merge(self.loras, tagged))

    def title(self) -> str:
        p = self.prompt.strip().replace("\n", " ") or _("(empty prompt)")
        return p if len(p) <= 60 else p[:57] + "..."


@dataclass(frozen=True)
class TextSpec(Spec):
    """LLM completion or chat. ``messages`` is a tuple of (role, content) for chat mode."""

    kind: ClassVar[str] = "text"
    prompt: str = ""
    model: str = ""
    system: str = ""
    messages: tuple[tuple[str, str], ...] = ()
    chat: bool = False
    max_new_tokens: int = 256
    temperature: float = 0.7
    top_k: int = 50
    top_p: float = 0.95
    min_p: float = 0.0
    repetition_penalty: float | None = None
    """None (the default): SAMPLING_REPETITION_PENALTY when sampling, none when greedy (temperature 0)."""
    seed: int = 0
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        """Temperature 0: always the likeliest token (no seed, same text every time)."""
        return self.temperature <= 0.0

    def effective_repetition_penalty(self) -> float:
        """The penalty the engine applies: the user's, else 1.1 when sampling and 1 (none) when greedy."""
        if self.repetition_penalty is not None:
            return float(self.repetition_penalty)
        return 1.0 if self.greedy else SAMPLING_REPETITION_PENALTY

    def validate(self) -> list[str]:
        check_finite(self)
        check_range(N_("Max new tokens"), self.max_new_tokens, 1, 32768)
        check_range(N_("Temperature"), self.temperature, 0.0, 5.0)
        check_range(N_("Top-p"), self.top_p, 0.0, 1.0)
        check_range(N_("Min-p"), self.min_p, 0.0, 1.0)
        check_range(N_("Top-k"), self.top_k, 0, 100000)
        if self.repetition_penalty is not None:
            check_range(N_("Repetition penalty"), self.repetition_penalty, 0.5, 3.0)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        return []

    def title(self) -> str:
        src = self.messages[-1][1] if self.messages else self.prompt
        p = src.strip().replace("\n", " ") or _("(empty prompt)")
        p = p if len(p) <= 50 else p[:47] + "..."
        return (_("Chat: {text}") if self.chat else _("Text: {text}")).format(text=p)


@dataclass(frozen=True)
class UpscaleSpec(Spec):
    """Upscale an image file with an upscaler model."""

    kind: ClassVar[str] = "upscale"
    image: str = ""
    model: str = ""
    tile: int = 256

    def validate(self) -> list[str]:
        check_finite(self)
        if not self.image:
            raise SpecError(_("No image to upscale."))
        check_range(N_("Tile size"), self.tile, 32, 2048)
        return []

    def title(self) -> str:
        return _("Upscale {file}").format(file=self.image.rsplit('/', 1)[-1])


@dataclass(frozen=True)
class TrainSpec(Spec):
    """Train a model from scratch or fine-tune one (family: see ``studio.core.training_families``)."""

    kind: ClassVar[str] = "train"
    family: str = ""
    data: str = ""
    out: str = ""
    steps: int = 1000
    batch: int = 32
    lr: float = 2e-4
    size: int = 32
    base: str = ""
    resume: str = ""
    seed: int = 0
    sample_every: int = 100
    checkpoint_every: int = 500
    params: Mapping[str, Any] = field(default_factory=dict)
    overwrite: bool = False
    """Replace an existing model of this name (only one the studio made; the user was asked)."""

    def validate(self) -> list[str]:
        check_finite(self)
        if not self.family:
            raise SpecError(_("Choose what to train (a training family)."))
        if not self.out:
            raise SpecError(_("Give the trained model a name."))
        check_model_name(self.out, _("The trained model's name"))
        if not isinstance(self.overwrite, bool):
            raise SpecError(_("overwrite must be true or false (got {value!r}).").format(value=self.overwrite))
        check_range(N_("Steps"), self.steps, 1, 10_000_000)
        check_range(N_("Batch size"), self.batch, 1, 4096)
        check_range(_("Learning rate"), self.lr, 0.0, 10.0)
        from studio.core.training_families import check_params

        check_params(self.family, self.params or {})  # a misspelt option is an error, never ignored
        return []

    def title(self) -> str:
        return _("Train {family} → {name}").format(family=self.family, name=self.out)


@dataclass(frozen=True)
class GanSpec(Spec):
    """Images from a GAN generator: one per seed (a grid when several), or a latent walk between two seeds."""

    kind: ClassVar[str] = "gan"
    model: str = ""
    seeds: tuple[int, ...] = (0,)
    columns: int = 0
    """Grid columns; 0 picks a square-ish grid."""
    walk_to_seed: int | None = None
    """When set: a walk from ``seeds[0]`` to this seed (GIF + strip) instead of a grid."""
    frames: int = 24
    scale: int = 1
    """Saved images are enlarged this many times (Lanczos) for viewing; 1 keeps the model's size."""

    def validate(self) -> list[str]:
        check_finite(self)
        if not self.seeds:
            raise SpecError(_("Give at least one seed."))
        if len(self.seeds) > 1024:
            raise SpecError(_("At most 1024 images at once (got {count}).").format(count=len(self.seeds)))
        for s in self.seeds:
            check_range(N_("Seed"), s, 0, MAX_SEED)
        if self.walk_to_seed is not None:
            check_range(N_("Walk target seed"), self.walk_to_seed, 0, MAX_SEED)
            check_range(N_("Frames"), self.frames, 2, 600)
        check_range(N_("Grid columns"), self.columns, 0, 64)
        check_range(N_("Scale"), self.scale, 1, 8)
        return []

    def title(self) -> str:
        if self.walk_to_seed is not None:
            return _("Latent walk {seed} → {to}").format(seed=self.seeds[0], to=self.walk_to_seed)
        if len(self.seeds) == 1:
            return _("GAN seed {seed}").format(seed=self.seeds[0])
        return _("GAN grid of {n} (seed {seed}…)").format(n=len(self.seeds), seed=self.seeds[0])


@dataclass(frozen=True)
class GuidedSpec(Spec):
    """CLIP-guided generation: optimise a GAN's or VAE's latent so CLIP finds the image matches ``prompt``."""

    kind: ClassVar[str] = "guided"
    prompt: str = ""
    model: str = ""
    """A studio GAN or VAE, or a diffusers VAE (AutoencoderKL folder)."""
    clip: str = ""
    """The CLIP that guides ("": the model's paired CLIP, else the first one installed)."""
    seed: int = 0
    steps: int = 60
    lr: float = 0.05
    prior_weight: float = 1.0
    """Penalty on latent values beyond ±2.5 (the latent is also kept at a Gaussian sample's norm): keeps the
    image in the generator's range."""
    size: int = 64
    """Image side for a diffusers VAE (latents are size/8); GANs and studio VAEs draw their own size."""
    scale: int = 4
    """The saved image is enlarged this many times (Lanczos) for viewing."""

    def validate(self) -> list[str]:
        if not self.prompt.strip():
            raise SpecError(_("Write what the image should show: CLIP guidance needs a prompt."))
        check_range(N_("Steps"), self.steps, 1, 2000)
        check_range(N_("Learning rate"), self.lr, 1e-5, 10.0)
        check_range(N_("Prior weight"), self.prior_weight, 0.0, 100.0)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        check_range(N_("Scale"), self.scale, 1, 8)
        check_range(N_("Size"), self.size, 16, 1024)
        if self.size % 8:
            raise SpecError(_("Size must be a multiple of 8 (got {size}).").format(size=self.size))
        warnings: list[str] = []
        truncate_prompt(self.prompt, _("The prompt"), warnings)
        return warnings

    def title(self) -> str:
        p = self.prompt.strip().replace("\n", " ")
        return _("Guided: {text}").format(text=p if len(p) <= 50 else p[:47] + "...")


@dataclass(frozen=True)
class DownloadSpec(Spec):
    """Fetch a model from a Hugging Face repo id (or a direct URL) into the library.

    Two steps, both jobs: ``check_only`` asks the hub what would be downloaded (files, sizes, the
    exact commit) and downloads nothing; the download then names that commit and the files and
    bytes the user agreed to, so the engine refuses if the repo answers with anything else.
    """

    kind: ClassVar[str] = "download"
    source: str = ""
    """org/name on the hub, or an http(s):// URL of one file."""
    revision: str = ""
    """Branch, tag or commit the user asked for ('' = main)."""
    include: tuple[str, ...] = ()
    """Only files matching one of these globs (all when empty)."""
    check_only: bool = False
    commit: str = ""
    """The commit the check resolved (pins the download to what the user saw)."""
    expect_files: tuple[str, ...] = ()
    expect_bytes: int = 0

    def validate(self) -> list[str]:
        check_finite(self)
        src = self.source.strip()
        if not src:
            raise SpecError(_("Enter a Hugging Face repo id (org/name) or an https:// URL."))
        if not src.startswith(("http://", "https://")) and (src.count("/") != 1 or " " in src
                                                            or src.startswith("/") or src.endswith("/")):
            raise SpecError(_("{src!r} is not a repo id: write it as org/name (or give an https:// URL).").format(
                src=src))
        if not self.check_only and not self.expect_files:
            raise SpecError(_("Check the repo first: the download needs the list of files you agreed to."))
        return []

    def title(self) -> str:
        if self.check_only:
            return _("Check {source}").format(source=self.source)
        return _("Download {source} ({n} files, {mb} MB)").format(
            source=self.source, n=len(self.expect_files), mb=f"{self.expect_bytes / 2**20:.1f}")


@dataclass(frozen=True)
class ConvertSpec(Spec):
    """Convert a pickle checkpoint (file or folder of ``.bin``) to safetensors, beside it (safely unpickled)."""

    kind: ClassVar[str] = "convert"
    path: str = ""

    def validate(self) -> list[str]:
        if not self.path.strip():
            raise SpecError(_("Choose the model to convert."))
        return []

    def title(self) -> str:
        return _("Convert {file} to safetensors").format(file=self.path.rstrip('/').rsplit('/', 1)[-1])


@dataclass(frozen=True)
class VaeSpec(Spec):
    """A VAE on your own images: one image is encoded and reconstructed; two are interpolated in latent space."""

    kind: ClassVar[str] = "vae"
    model: str = ""
    images: tuple[str, ...] = ()
    frames: int = 12
    """Images of the interpolation (both ends included)."""
    scale: int = 4
    """Saved images are enlarged this many times for viewing (the model works at 16–128 px)."""

    def validate(self) -> list[str]:
        check_finite(self)
        if not self.model:
            raise SpecError(_("Choose a VAE model."))
        if len(self.images) not in (1, 2):
            raise SpecError(_("Give one image to reconstruct, or two to interpolate between (got {n}).").format(
                n=len(self.images)))
        check_range(N_("Frames"), self.frames, 2, 240)
        check_range(N_("Scale"), self.scale, 1, 8)
        return []

    def title(self) -> str:
        names = [p.replace("\\", "/").rsplit("/", 1)[-1] for p in self.images]
        if len(names) == 2:
            return _("VAE: {files}").format(files=" → ".join(names))
        return _("VAE reconstruct {file}").format(file="".join(names))


@dataclass(frozen=True)
class DatasetSpec(Spec):
    """Data augmentation: ``count`` generated images per prompt (or label) from a model, written as a
    folder of images with same-stem .txt captions that the trainers read (``<home>/datasets/<out>``)."""

    kind: ClassVar[str] = "dataset"
    model: str = ""
    out: str = ""
    prompts: tuple[str, ...] = ()
    """One caption per label; empty for an unconditional model (GAN, VAE, DDPM): captions are the model's name."""
    count: int = 8
    seed: int = 0
    steps: int = 0
    """Sampling steps for diffusion models (0: the model's recommendation, else 20)."""

    def validate(self) -> list[str]:
        check_finite(self)
        if not self.model:
            raise SpecError(_("Choose the model that makes the images."))
        check_model_name(self.out, _("The dataset's name"))
        check_range(N_("Images per prompt"), self.count, 1, 10_000)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        check_range(N_("Steps"), self.steps, 0, MAX_STEPS)
        if len(self.prompts) > 1000 or any(not p.strip() for p in self.prompts):
            raise SpecError(_("Give one non-empty prompt per line (at most 1000)."))
        return []

    def title(self) -> str:
        return _("Dataset {name}: {count} × {prompts} from {model}").format(
            name=self.out, count=self.count, prompts=max(1, len(self.prompts)), model=self.model)


@dataclass(frozen=True)
class EvaluateSpec(Spec):
    """Score a set of images (CLIP score, diversity, FID/KID against a reference) or texts (perplexity under a
    reference language model, distinct-1/2, repetition rate, length). See ``studio.core.evaluation``."""

    kind: ClassVar[str] = "evaluate"
    inputs: tuple[str, ...] = ()
    """Image or text files, or folders of them (empty when ``model`` makes the images)."""
    prompt: str = ""
    """The prompt every image is scored against; "" uses each studio PNG's own prompt."""
    reference: str = ""
    """Images for FID/KID: a folder, a bundled dataset, or a studio-trained model (its training data); "" none."""
    clip: str = ""
    """The CLIP that embeds images ("" the first usable one)."""
    language_model: str = ""
    """The reference LM for perplexity ("" the built-in SmolLM2; "none" skips perplexity)."""
    model: str = ""
    """An image model that first makes the images to evaluate from ``prompts`` (through the image engine, at
    its recommended settings); "" evaluates ``inputs``."""
    prompts: tuple[str, ...] = ()
    """With ``model``: the prompts, ``per_prompt`` images each (seeds ``seed``, ``seed``+1, …)."""
    per_prompt: int = 4
    seed: int = 0

    def generates(self) -> bool:
        """True when the job makes its own images (``model`` + ``prompts``) instead of reading ``inputs``."""
        return bool(self.model)

    def validate(self) -> list[str]:
        check_finite(self)
        if self.generates():
            if self.inputs:
                raise SpecError(_("Evaluate either files or a model's images from prompts, not both."))
            if not self.prompts or len(self.prompts) > 1000 or any(not p.strip() for p in self.prompts):
                raise SpecError(_("Give the prompts to generate from: one non-empty prompt per line (at most 1000)."))
            check_range(N_("Images per prompt"), self.per_prompt, 1, 1000)
            check_range(N_("Seed"), self.seed, 0, MAX_SEED)
            if len(self.prompts) * self.per_prompt > 10_000:
                raise SpecError(_("At most 10000 images at once (got {n}).").format(
                    n=len(self.prompts) * self.per_prompt))
        elif not self.inputs or any(not isinstance(p, str) or not p.strip() for p in self.inputs):
            raise SpecError(_("Nothing to evaluate: give images, texts or a folder of them."))
        truncate_prompt(self.prompt, _("The prompt"), [])
        return []

    def title(self) -> str:
        if self.generates():
            return _("Evaluate {model}: {prompts} prompt(s) × {per_prompt}").format(
                model=self.model, prompts=len(self.prompts), per_prompt=self.per_prompt)
        first = self.inputs[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] if self.inputs else ""
        more = f" +{len(self.inputs) - 1}" if len(self.inputs) > 1 else ""
        return _("Evaluate {first}{more}").format(first=first, more=more)


@dataclass(frozen=True)
class GridSpec(Spec):
    """A scored comparison grid: one image per cell of up to two axes over a base image spec
    (``studio.core.grid``), drawn as one labelled PNG with each cell's CLIP score under it."""

    kind: ClassVar[str] = "grid"
    base: Mapping[str, Any] = field(default_factory=dict)
    """The ImageSpec fields every cell starts from."""
    x: str = ""
    """The x axis, e.g. "steps=4,8,16"."""
    y: str = ""
    """The y axis ("" for a single row), e.g. "cfg=2,4" or "prompt=a red shoe|a blue shoe"."""

    def base_spec(self) -> ImageSpec:
        data = {k: v for k, v in self.base.items() if k != "kind"}
        spec = spec_from_dict({**data, "kind": ImageSpec.kind})
        assert isinstance(spec, ImageSpec)
        return spec

    def axes(self) -> tuple:
        from studio.core.grid import parse_axis

        return tuple(parse_axis(a) for a in (self.x, self.y) if a.strip())

    def cells(self) -> list[ImageSpec]:
        from studio.core.grid import cells

        axes = self.axes()
        return cells(self.base_spec(), axes[0], axes[1] if len(axes) > 1 else None)

    def validate(self) -> list[str]:
        from studio.core.grid import check_axes

        if not self.x.strip():
            raise SpecError(_("Give the grid an x axis, e.g. steps=4,8,16."))
        check_axes(self.axes())
        self.cells()
        return []

    def title(self) -> str:
        axes = f"{self.x} × {self.y}" if self.y else self.x
        return _("Grid {axes}").format(axes=axes)


@dataclass(frozen=True)
class FillMaskSpec(Spec):
    """Fill each [MASK] of ``text`` with a masked LM (the top-k tokens with probabilities)."""
    kind: ClassVar[str] = "fill_mask"
    model: str = ""
    text: str = ""
    top_k: int = 5

    def validate(self) -> list[str]:
        if not self.model:
            raise SpecError(_("Choose a masked-language model (one trained with the mlm family)."))
        if "[MASK]" not in self.text:
            raise SpecError(_("Put [MASK] where the model should fill in a word."))
        check_range(N_("top-k"), self.top_k, 1, 100)
        return []

    def title(self) -> str:
        t = self.text.strip().replace("\n", " ")
        return _("Fill mask: {text}").format(text=t if len(t) <= 50 else t[:47] + "...")


@dataclass(frozen=True)
class ClassifySpec(Spec):
    """Classify ``texts``, or a CSV/JSONL ``file`` into ``out`` (+ ``prediction``, one probability column per label)."""
    kind: ClassVar[str] = "classify"
    model: str = ""
    texts: tuple[str, ...] = ()
    file: str = ""
    out: str = ""

    def validate(self) -> list[str]:
        if not self.model:
            raise SpecError(_("Choose a text classifier (one trained with the classifier family)."))
        if not self.texts and not self.file:
            raise SpecError(_("Give a text or a CSV/JSONL file to classify."))
        if self.file and not self.out:
            raise SpecError(_("Say where the predictions go (--out)."))
        return []

    def title(self) -> str:
        if self.file:
            return _("Classify {file}").format(file=self.file.replace("\\", "/").rsplit("/", 1)[-1])
        return _("Classify {n} text(s)").format(n=len(self.texts))


@dataclass(frozen=True)
class DescribeSpec(Spec):
    """Image → prompt: a CLIP ranks phrase banks against ``image`` (a captioning model's caption first, when
    one is installed) and composes a prompt (``studio.core.describe``)."""
    kind: ClassVar[str] = "describe"
    image: str = ""
    clip: str = ""
    """The CLIP that ranks ("": the first installed, Studio CLIP when nothing else is)."""
    captioner: str = ""
    """"": the first installed captioning model, if any; NO_CLIP ("none"): no caption; else a model name."""

    def validate(self) -> list[str]:
        if not self.image.strip():
            raise SpecError(_("Choose an image to describe."))
        return []

    def title(self) -> str:
        return _("Describe {file}").format(file=self.image.replace("\\", "/").rsplit("/", 1)[-1])


SPEC_TYPES: dict[str, type[Spec]] = {t.kind: t for t in (ImageSpec, TextSpec, UpscaleSpec, TrainSpec, GanSpec,
                                                          DownloadSpec, ConvertSpec, VaeSpec, DatasetSpec,
                                                          EvaluateSpec, GuidedSpec, GridSpec, FillMaskSpec, ClassifySpec,
                                                          DescribeSpec)}


NESTED_TYPES: dict[str, type] = {"controls": ControlUnit}
"""Spec fields holding a tuple of typed records (JSON: a list of objects)."""


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """A JSON-ready dict with the spec's kind and all fields."""
    d = {"kind": spec.kind}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if f.name in NESTED_TYPES and isinstance(v, tuple):
            v = [dataclasses.asdict(u) if dataclasses.is_dataclass(u) else u for u in v]
        d[f.name] = dict(v) if isinstance(v, Mapping) else v
    return d


def _tuplify(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


def spec_from_dict(data: Mapping[str, Any]) -> Spec:
    """Inverse of spec_to_dict. Unknown keys are ignored so older/newer files still load."""
    if not isinstance(data, Mapping):  # e.g. a PNG's metadata chunk from another tool
        raise SpecError(_("Not a job specification (expected a JSON object)."))
    kind = data.get("kind")
    if kind not in SPEC_TYPES:
        raise SpecError(_("Unknown job kind {kind!r}.").format(kind=kind))
    cls = SPEC_TYPES[kind]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for k, v in data.items():
        if k in fields:
            kwargs[k] = _typed_value(kind, fields[k], v)
    return cls(**kwargs)


def _field_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]


def _typed_value(kind: str, f: dataclasses.Field, value: Any) -> Any:
    """``value`` for field ``f`` (lists → tuples); SpecError when its JSON type is not the field's.

    Specs arrive as JSON from outside (a PNG, the queue file, a remote client): a string where a
    number belongs, or NaN, must be one clear line, not a TypeError deep inside an engine.
    """
    where = non_finite_path(value, f.name)
    if where:
        raise SpecError(_("{field} must be a finite number, not NaN or infinity.").format(field=where))
    default = _field_default(f)
    ok = True
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, tuple):
        ok = isinstance(value, (list, tuple))
    elif isinstance(default, Mapping):
        ok = isinstance(value, Mapping)
    elif default is None and value is not None:  # optional fields: a path (str), a seed (int), a penalty (float)
        ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if not ok:
        raise SpecError(_("The {field} of a {kind} job has the wrong type ({value!r:.60}).").format(
            field=f.name, kind=kind, value=value))
    if isinstance(default, Mapping):
        return dict(value)
    if f.name in NESTED_TYPES:
        return tuple(_record(NESTED_TYPES[f.name], kind, f.name, v) for v in value)
    return _tuplify(value)


def _record(cls: type, kind: str, name: str, value: Any) -> Any:
    """One typed record of a nested field (a ControlUnit from its JSON object); SpecError when malformed."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise SpecError(_("The {field} of a {kind} job has the wrong type ({value!r:.60}).").format(
            field=name, kind=kind, value=value))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    return cls(**{k: _typed_value(kind, fields[k], v) for k, v in value.items() if k in fields})


def spec_to_json(spec: Spec) -> str:
    return json.dumps(spec_to_dict(spec), ensure_ascii=False, sort_keys=True)


def spec_from_json(text: str) -> Spec:
    """The spec in ``text``; SpecError (one line) for text that is not a spec's JSON."""
    try:
        data = json.loads(text)
    except RecursionError as exc:  # e.g. 200 000 nested brackets in a crafted PNG
        raise SpecError(_("The job specification is nested too deeply to read.")) from exc
    except (ValueError, TypeError) as exc:
        raise SpecError(_("The job specification is not valid JSON ({reason}).").format(reason=exc)) from exc
    return spec_from_dict(data)
