"""Training, dataset and evaluation job specs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from studio.core.specs.checks import check_finite, check_range, truncate_prompt

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.names import check_model_name
from studio.core.specs.base import MAX_SEED, MAX_STEPS, Spec


@dataclass(frozen=True)
class TrainSpec(Spec):
    """Train a model from scratch or fine-tune one (family: see ``studio.core.models.training_families``)."""

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
        from studio.core.models.training_families import check_params

        check_params(self.family, self.params or {})  # a misspelt option is an error, never ignored
        return []

    def title(self) -> str:
        return _("Train {family} → {name}").format(family=self.family, name=self.out)


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
