"""Typed job results: what each engine returns, one frozen dataclass per job kind.

Results cross the seam between the engines and the window (and, with a remote engine, a network
connection), so they are plain JSON: :func:`result_to_dict` writes one, :func:`result_from_dict`
reads it back, checking every field's type (a peer that sends a wrong type gets a ValueError, not a
half-built object). The same dict is what the queue and the history store.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Union

from studio.core.specs.text import ClassifySpec, FillMaskSpec, TextSpec
from studio.core.specs.files import ConvertSpec, DownloadSpec, ExportSpec
from studio.core.specs.training import DatasetSpec, EvaluateSpec, TrainSpec, VaeSpec
from studio.core.specs.image import DescribeSpec, GanSpec, GridSpec, GuidedSpec, ImageSpec, UpscaleSpec


@dataclass(frozen=True)
class JobResult:
    """What every job returns: files written, text produced, whether it was cancelled."""

    kind: ClassVar[str] = ""
    outputs: tuple[str, ...] = ()
    text: str = ""
    cancelled: bool = False
    model: str = ""
    """The model the job used (its library name)."""
    seconds: float = 0.0

    def seed_for(self, index: int) -> int | None:
        """The seed that made output ``index`` (None when the result does not know)."""
        return None

    def made_by(self, index: int) -> "GridCell | None":
        """The image sub-job (its ImageSpec as a dict, its model and CLIP score) that made output ``index``;
        None when the job made it itself. The history records such an output with the sub-job's parameters."""
        return None


@dataclass(frozen=True)
class ImageResult(JobResult):
    """Text-to-image, img2img, inpaint or outpaint."""

    kind: ClassVar[str] = ImageSpec.kind
    seed: int = 0
    model_hash: str = ""
    width: int = 0
    height: int = 0
    steps: int = 0
    scheduler: str = ""
    preview: str = ""
    """How the live previews were made ("taesd", "latent", ...)."""
    warnings: tuple[str, ...] = ()
    native: str = ""
    """With an upscale: the image before it (kept beside the result)."""
    upscaler: str = ""
    native_width: int = 0
    native_height: int = 0
    operation: str = ""
    """For canvas edits: img2img, inpaint or outpaint ('' for text-to-image)."""
    strength: float = 0.0
    source: str = ""
    clip_score: float | None = None
    """How well the image matches the prompt (CLIP), when scored."""
    clip: str = ""
    """The CLIP model that scored it."""
    memory_mode: str = ""
    """The memory mode the image was made in (after ``auto`` and any out-of-memory retry)."""
    speed_mode: str = ""
    backend: str = ""
    """What ran the UNet: "pytorch", "openvino" (int8 weights) or "openvino_fp32" ("" before backends existed)."""
    step_seconds: float = 0.0
    """Wall time of one denoising step as measured (loading, decoding, upscaling and scoring left out):
    what ``studio.core.estimate`` expects the model's next image to take; 0 when not measured."""
    device: str = ""
    """The device it ran on ("cpu", "cuda", ...)."""
    decoder: str = ""
    """"fast" when a tiny decoder (TAESD…) decoded the final image (lower quality); "" for the model's VAE."""

    def seed_for(self, index: int) -> int | None:
        return self.seed


@dataclass(frozen=True)
class TextResult(JobResult):
    """A completion or a chat answer (the text itself is ``text``)."""

    kind: ClassVar[str] = TextSpec.kind
    seed: int | None = 0
    """None for greedy text (no seed plays a part)."""
    prompt_tokens: int = 0
    new_tokens: int = 0
    context_length: int = 0
    tokens_used: int = 0
    tokens_per_s: float = 0.0
    first_token_s: float | None = None
    finish: str = ""
    """Why generation stopped: "length", "stop", "eos", "cancelled" or "repetition" (a loop was cut)."""
    dropped_messages: int = 0
    runner: str = ""
    """What ran the model: "llama.cpp" (GGUF files) or "transformers"."""
    token_ids: tuple[int, ...] = ()
    """The generated token ids (llama.cpp runs; for checks against llama.cpp itself)."""
    precision: str = ""
    """What the model computed in: "float32", "bfloat16", "int8 dynamic" ("" when not known)."""

    def seed_for(self, index: int) -> int | None:
        return self.seed


@dataclass(frozen=True)
class UpscaleResult(JobResult):
    kind: ClassVar[str] = UpscaleSpec.kind
    scale: int = 0
    precision: str = ""
    size: tuple[int, int] = (0, 0)
    source: str = ""
    tiles: int = 0


@dataclass(frozen=True)
class TrainResult(JobResult):
    """A finished training writes ``folder`` (the model); a cancelled one keeps ``checkpoint``."""

    kind: ClassVar[str] = TrainSpec.kind
    folder: str = ""
    checkpoint: str = ""
    steps: int = 0
    steps_per_s: float = 0.0


@dataclass(frozen=True)
class FacesResult(JobResult):
    """GAN images: a grid (or one image) of ``seeds``, or a latent walk of ``frames`` frames."""

    kind: ClassVar[str] = GanSpec.kind
    seeds: tuple[int, ...] = ()
    size: int = 0
    count: int = 0
    frames: int = 0

    def seed_for(self, index: int) -> int | None:
        return self.seeds[index] if index < len(self.seeds) else None


@dataclass(frozen=True)
class VaeResult(JobResult):
    """A VAE reconstruction (``latent``: the code as JSON) or an interpolation of ``frames`` frames."""

    kind: ClassVar[str] = VaeSpec.kind
    size: int = 0
    latent: str = ""
    mean_abs_error: float = 0.0
    frames: int = 0


@dataclass(frozen=True)
class DatasetResult(JobResult):
    """A generated dataset: ``images`` captioned images in ``folder``."""

    kind: ClassVar[str] = DatasetSpec.kind
    images: int = 0
    folder: str = ""


@dataclass(frozen=True)
class ConvertResult(JobResult):
    """A pickle converted to safetensors: the files written are the outputs."""

    kind: ClassVar[str] = ConvertSpec.kind


@dataclass(frozen=True)
class ExportResult(JobResult):
    """A diffusers folder written as one checkpoint: the file is the output."""

    kind: ClassVar[str] = ExportSpec.kind


@dataclass(frozen=True)
class GuidedResult(JobResult):
    """A latent optimised towards a prompt: its CLIP score before and after."""

    kind: ClassVar[str] = GuidedSpec.kind
    seed: int = 0
    clip: str = ""
    clip_score: float | None = None
    start_score: float = 0.0
    steps: int = 0

    def seed_for(self, index: int) -> int | None:
        return self.seed


@dataclass(frozen=True)
class GridCell:
    """One image a job made through the image engine as a sub-job (a grid's cell, an evaluation's generated
    image): the ImageSpec it ran (as its dict), its image, CLIP score, model and the CLIP that scored it."""

    spec: dict[str, Any] = dataclasses.field(default_factory=dict)
    output: str = ""
    clip_score: float | None = None
    seconds: float | None = None
    model: str = ""
    """The model the sub-job used (its library name)."""
    clip: str = ""
    """The CLIP that gave ``clip_score``."""


def _cell_for(cells: tuple[GridCell, ...], outputs: tuple[str, ...], index: int) -> GridCell | None:
    """The cell whose image is ``outputs[index]`` (matched by file, so the order of outputs does not matter)."""
    if not 0 <= index < len(outputs):
        return None
    return next((c for c in cells if c.output and c.output == outputs[index]), None)


@dataclass(frozen=True)
class GridResult(JobResult):
    """A comparison grid (``grid``) of ``cells``; ``best`` is the best-scored cell's image."""

    kind: ClassVar[str] = GridSpec.kind
    grid: str = ""
    cells: tuple[GridCell, ...] = ()
    best: str = ""
    mean_clip_score: float | None = None

    def made_by(self, index: int) -> GridCell | None:
        return _cell_for(self.cells, self.outputs, index)


@dataclass(frozen=True)
class EvaluateResult(JobResult):
    """An evaluation's figures (``studio.core`` EvaluationReport as its JSON object); with a model and prompts,
    the images it ``generated`` first (each also among the outputs)."""

    kind: ClassVar[str] = EvaluateSpec.kind
    report: dict[str, Any] = dataclasses.field(default_factory=dict)
    generated: tuple[GridCell, ...] = ()

    def made_by(self, index: int) -> GridCell | None:
        return _cell_for(self.generated, self.outputs, index)


@dataclass(frozen=True)
class PlannedFile:
    """One file of a download plan, as the hub lists it."""

    name: str = ""
    size: int | None = None
    sha256: str | None = None
    git_sha1: str | None = None


@dataclass(frozen=True)
class DownloadPlanInfo:
    """What a check found: the exact commit and the files the user is asked to agree to."""

    repo_id: str = ""
    revision: str = ""
    requested_revision: str = ""
    files: tuple[PlannedFile, ...] = ()
    total_size: int = 0


@dataclass(frozen=True)
class VerifiedFile:
    """How one downloaded file was checked: method "sha256", "git_blob" or "none"."""

    name: str = ""
    size: int | None = None
    method: str = ""
    expected: str = ""
    sha256: str | None = None


@dataclass(frozen=True)
class DownloadResult(JobResult):
    """A check (``plan``, nothing downloaded) or a download (``path`` and how each file was verified)."""

    kind: ClassVar[str] = DownloadSpec.kind
    plan: DownloadPlanInfo | None = None
    path: str = ""
    source: str = ""
    revision: str = ""
    requested_revision: str = ""
    verified: tuple[VerifiedFile, ...] = ()


@dataclass(frozen=True)
class MaskToken:
    token: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class FillMaskResult(JobResult):
    """The top-k tokens (most likely first) for each [MASK] of the text, in order."""

    kind: ClassVar[str] = FillMaskSpec.kind
    predictions: tuple[tuple[MaskToken, ...], ...] = ()


@dataclass(frozen=True)
class Prediction:
    """One classified text: its label and the probability of every label."""

    text: str = ""
    label: str = ""
    probabilities: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class ClassifyResult(JobResult):
    """Texts classified (``predictions``), or a file's ``rows`` written to ``outputs[0]`` (``counts`` per label)."""

    kind: ClassVar[str] = ClassifySpec.kind
    labels: tuple[str, ...] = ()
    predictions: tuple[Prediction, ...] = ()
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    rows: int = 0


@dataclass(frozen=True)
class RankedPhrase:
    bank: str
    """subjects, colours, styles or media."""
    phrase: str
    similarity: float


@dataclass(frozen=True)
class DescribeResult(JobResult):
    """The described prompt is ``text``; the caption it started from and the best phrases of each bank."""

    kind: ClassVar[str] = DescribeSpec.kind
    clip: str = ""
    caption: str = ""
    captioner: str = ""
    ranked: tuple[RankedPhrase, ...] = ()
    similarity: float = 0.0
    """The CLIP's cosine similarity between the image and the described prompt."""


RESULT_TYPES: dict[str, type[JobResult]] = {t.kind: t for t in (ImageResult, TextResult, UpscaleResult, TrainResult,
                                                                 FacesResult, DownloadResult, VaeResult, DatasetResult,
                                                                 ConvertResult, GuidedResult, GridResult,
                                                                 EvaluateResult, FillMaskResult, ClassifyResult,
                                                                 DescribeResult, ExportResult)}


def result_to_dict(result: JobResult) -> dict[str, Any]:
    """A JSON-ready dict of ``result`` with its ``kind``."""
    return {"kind": result.kind, **dataclasses.asdict(result)}


def result_from_dict(kind: str, data: Mapping[str, Any]) -> JobResult:
    """The typed result of a job of ``kind`` from ``data`` (unknown keys are ignored, so older rows load).

    Raises ValueError when a field has the wrong type.
    """
    if not isinstance(data, Mapping):
        raise ValueError("a job result must be a JSON object")
    return _build(RESULT_TYPES.get(kind, JobResult), data)


def _build(cls: type, data: Mapping[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: _value(hints[f.name], data[f.name], prefix + f.name)
              for f in dataclasses.fields(cls) if f.name in data}
    return cls(**kwargs)


def _value(tp: Any, value: Any, name: str) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], value, name)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{name}: expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], v, name) for v in value)
        if len(value) != len(args):
            raise ValueError(f"{name}: expected {len(args)} values, got {len(value)}")
        return tuple(_value(a, v, name) for a, v in zip(args, value))
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            raise ValueError(f"{name}: expected an object, got {type(value).__name__}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ValueError(f"{name}: expected an object, got {type(value).__name__}")
        return _build(tp, value, name + ".")
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp in (int, str, bool) and isinstance(value, tp) and (tp is bool or not isinstance(value, bool)):
        return value
    raise ValueError(f"{name}: expected {getattr(tp, '__name__', tp)}, got {type(value).__name__}")
