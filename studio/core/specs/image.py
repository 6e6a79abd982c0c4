"""Image job specs: generation (with ControlNet units), upscaling, GAN and CLIP-guided images,
comparison grids and image → prompt.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.specs import prompt_loras
from studio.core.specs.base import MAX_SEED, MAX_SIDE, MAX_STEPS, MIN_SIDE, Spec, shorten
from studio.core.specs.checks import (MAX_PROMPT_CHARS, check_finite, check_prompt_weights, check_range,
                                      check_upscaler_name, truncate_prompt)
from studio.core.specs.memory_modes import backend_problem, memory_mode_problem, speed_mode_problem
from studio.core.specs.samplers import DECODERS, SCHEDULERS, TIMESTEP_SPACINGS


@dataclass(frozen=True)
class ControlUnit:
    """One ControlNet unit of an image job (see ``studio.core.specs.control``)."""

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
    backend: str = ""
    """"" : the settings' backend; else one of ``memory_modes.BACKENDS`` (what runs the UNet). The infotext records
    the backend the image actually ran on."""
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
        from studio.core.specs.control import check_controls

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
                        self.speed_mode and speed_mode_problem(self.speed_mode),
                        self.backend and backend_problem(self.backend)):
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
        return shorten(self.full_title(), 60)

    def full_title(self) -> str:
        return self.prompt.strip().replace("\n", " ") or _("(empty prompt)")


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
    candidates: int = 512
    """Latents drawn from the seed before optimising (the seed's own first): the one the CLIP ranks best
    starts the guidance, so it begins from an image the model really draws (CLIP reranking, as DALL·E did).
    1 starts from the seed's latent alone."""
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
        check_range(N_("Starts searched"), self.candidates, 1, 8192)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        check_range(N_("Scale"), self.scale, 1, 8)
        check_range(N_("Size"), self.size, 16, 1024)
        if self.size % 8:
            raise SpecError(_("Size must be a multiple of 8 (got {size}).").format(size=self.size))
        warnings: list[str] = []
        truncate_prompt(self.prompt, _("The prompt"), warnings)
        return warnings

    def title(self, limit: int | None = 50) -> str:
        return _("Guided: {text}").format(text=shorten(self.prompt.strip().replace("\n", " "), limit))

    def full_title(self) -> str:
        return self.title(None)


@dataclass(frozen=True)
class GridSpec(Spec):
    """A scored comparison grid: one image per cell of up to two axes over a base image spec
    (``studio.core.specs.grid``), drawn as one labelled PNG with each cell's CLIP score under it."""

    kind: ClassVar[str] = "grid"
    base: Mapping[str, Any] = field(default_factory=dict)
    """The ImageSpec fields every cell starts from."""
    x: str = ""
    """The x axis, e.g. "steps=4,8,16"."""
    y: str = ""
    """The y axis ("" for a single row), e.g. "cfg=2,4" or "prompt=a red shoe|a blue shoe"."""

    def base_spec(self) -> ImageSpec:
        from studio.core.specs.serial import spec_from_dict  # serial imports this module

        data = {k: v for k, v in self.base.items() if k != "kind"}
        spec = spec_from_dict({**data, "kind": ImageSpec.kind})
        assert isinstance(spec, ImageSpec)
        return spec

    def axes(self) -> tuple:
        from studio.core.specs.grid import parse_axis

        return tuple(parse_axis(a) for a in (self.x, self.y) if a.strip())

    def cells(self) -> list[ImageSpec]:
        from studio.core.specs.grid import cells

        axes = self.axes()
        return cells(self.base_spec(), axes[0], axes[1] if len(axes) > 1 else None)

    def validate(self) -> list[str]:
        from studio.core.specs.grid import check_axes

        if not self.x.strip():
            raise SpecError(_("Give the grid an x axis, e.g. steps=4,8,16."))
        check_axes(self.axes())
        self.cells()
        return []

    def title(self) -> str:
        axes = f"{self.x} × {self.y}" if self.y else self.x
        return _("Grid {axes}").format(axes=axes)


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
