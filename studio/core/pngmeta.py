"""PNG outputs with their parameters: an A1111-style ``parameters`` chunk plus the full spec as JSON.

The ``parameters`` text is what AUTOMATIC1111, Forge, Civitai and others read ("infotext");
the ``aigc_studio`` chunk holds the exact job spec so the image alone reproduces itself.
Pillow is imported inside functions only (the core stays light at import).
"""
from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Mapping, Sequence

from studio import APP_NAME, __version__
from studio.core.atomic import atomic_open
from studio.core.specs.control import from_infotext as controls_from_infotext
from studio.core.specs.control import infotext_fields as control_fields
from studio.core.errors import SpecError
from studio.core.specs.prompt_loras import extract, hashes_field, with_tags
from studio.core.i18n import _
from studio.core.png_chunks import read_text_chunks
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_from_json, spec_to_json

if TYPE_CHECKING:
    from studio.core.models.match import ModelRef

PARAMETERS_KEY = "parameters"
SCORE_FIELD, SCORE_CLIP_FIELD = "CLIP score", "CLIP"
"""Infotext fields of the CLIP score (100 × cosine of image and prompt) and of the CLIP that gave it."""
SPEC_KEY = "aigc_studio"


@dataclass(frozen=True)
class ClipScore:
    """How well an image matches its prompt according to one CLIP (100 × max(cosine, 0))."""

    score: float
    clip: str

# Studio scheduler → (A1111 sampler name, A1111 schedule type or "").
A1111_SAMPLERS: dict[str, tuple[str, str]] = {
    "euler": ("Euler", ""), "euler_a": ("Euler a", ""), "dpmpp_2m": ("DPM++ 2M", ""),
    "dpmpp_2m_karras": ("DPM++ 2M", "Karras"), "ddim": ("DDIM", ""), "unipc": ("UniPC", ""),
    "pndm": ("PLMS", ""), "lms": ("LMS", ""), "heun": ("Heun", ""), "ddpm": ("DDPM", ""),
    "lcm": ("LCM", ""), "tcd": ("TCD", ""),
}
A1111_SPACINGS = {"trailing": "SGM Uniform", "linspace": "Uniform", "leading": "DDIM"}
"""Timestep spacing → A1111's schedule type of the same placement (SGM Uniform is how A1111 and Forge sample
Turbo/Lightning models; its DDIM schedule is diffusers' leading spacing)."""
TINY_DECODER_PREFIX = "tae"
"""A ``VAE`` field naming a tiny decoder (taesd, taesdxl, taesd3, taef1): the image was fast-decoded."""
_KEY = re.compile(r"\w[\w \-/]*")
MAX_INFOTEXT_CHARS = 64 * 1024
"""Parameters text beyond this is not parsed (a real one is a few KB): one clear line instead."""


def _quote(value: Any) -> str:
    text = str(value)
    if any(c in text for c in ',:"\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


def _fmt_number(x: float) -> str:
    return f"{x:g}"


def infotext(spec: ImageSpec, model_name: str = "", model_hash: str = "",
             lora_hashes: Sequence[tuple[str, str]] = (), score: "ClipScore | None" = None,
             unused: Collection[str] = (), vae: str = "",
             control_names: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The A1111 ``parameters`` text for ``spec``: prompt, ``Negative prompt:`` line, then ``Key: value, ...``.

    LoRAs are written as A1111 writes them: ``<lora:name:w>`` tags in the prompt and, when their
    hashes are known, a ``Lora hashes`` field (``lora_hashes``: (name, short hash) pairs).
    ``unused``: inputs the model ignored (see ``model_caps.IGNORED_INPUTS``); they are not claimed.
    ``vae``: the tiny decoder that decoded the image (fast decode), as A1111 names a VAE.
    ``control_names``: the (name, short hash) each ControlNet/IP-Adapter unit's model is recorded with.
    """
    sampler, schedule = A1111_SAMPLERS.get(spec.scheduler, (spec.scheduler, ""))
    schedule = schedule or A1111_SPACINGS.get(spec.timestep_spacing, "")
    fields: list[tuple[str, Any]] = [("Steps", spec.steps), ("Sampler", sampler)]
    if schedule:
        fields.append(("Schedule type", schedule))
    if "guidance" not in unused:
        fields.append(("CFG scale", _fmt_number(spec.guidance)))
    fields += [("Seed", spec.seed), ("Size", f"{spec.width}x{spec.height}")]
    if model_hash:
        fields.append(("Model hash", model_hash))
    if model_name:
        fields.append(("Model", model_name))
    if spec.init_image:
        fields.append(("Denoising strength", _fmt_number(spec.strength)))
    if lora_hashes and hashes_field(lora_hashes):
        fields.append(("Lora hashes", hashes_field(lora_hashes)))
    if vae:
        fields.append(("VAE", vae))
    if spec.upscale:  # the saved image is larger than Size: it was upscaled after generating
        fields.append(("Upscaler", spec.upscale))
    if spec.memory_mode:
        fields.append(("Memory mode", spec.memory_mode))
    if spec.speed_mode:
        fields.append(("Speed mode", spec.speed_mode))
    if spec.backend and spec.backend != "pytorch":
        fields.append(("Backend", spec.backend))
    fields += control_fields(spec, control_names)
    if score is not None:
        fields += [(SCORE_FIELD, f"{score.score:.2f}"), (SCORE_CLIP_FIELD, score.clip)]
    fields.append(("Version", f"{APP_NAME} {__version__}"))
    lines = [with_tags(spec.prompt, spec.loras)]
    if spec.negative_prompt:
        lines.append(f"Negative prompt: {spec.negative_prompt}")
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in fields))
    return "\n".join(lines)


def _closing_quotes(line: str) -> list[int]:
    """Indexes of every unescaped ``"`` in ``line`` (one pass: a quote after an odd run of backslashes
    is escaped)."""
    out: list[int] = []
    backslashes = 0
    for i, c in enumerate(line):
        if c == '"' and backslashes % 2 == 0:
            out.append(i)
        backslashes = backslashes + 1 if c == "\\" else 0
    return out


def parse_fields(line: str) -> list[tuple[str, str]]:
    """``Key: value, Key: "quoted, value"`` pairs of an infotext line, in one left-to-right pass.

    Linear in the line's length (A1111's regex is quadratic: a crafted 200 KB line took minutes).
    A piece without a valid ``Key:`` is skipped up to the next comma.
    """
    out: list[tuple[str, str]] = []
    quotes = _closing_quotes(line) if '"' in line else []
    i, n = 0, len(line)
    while i < n:
        comma = line.find(",", i)
        colon = line.find(":", i, n if comma < 0 else comma)  # only within this piece: linear overall
        if colon < 0:  # no key in this piece
            if comma < 0:
                break
            i = comma + 1
            continue
        key = line[i:colon].strip()
        j = colon + 1
        while j < n and line[j] in " \t":
            j += 1
        end = -1
        if j < n and line[j] == '"':
            k = bisect.bisect_right(quotes, j)  # the first unescaped quote after the opening one
            end = quotes[k] + 1 if k < len(quotes) else -1
        if end >= 0 and (end == n or line[end] == ","):
            value = line[j:end]
        else:
            end = line.find(",", j)
            end = n if end < 0 else end
            value = line[j:end]
        if key and _KEY.fullmatch(key):
            out.append((key, value))
        i = end + 1
    return out


def parse_infotext(text: str) -> tuple[str, str, dict[str, str]]:
    """(prompt, negative prompt, {key: value}) from A1111 ``parameters`` text."""
    if len(text) > MAX_INFOTEXT_CHARS:
        raise SpecError(_("The parameters text is {size} KB long, more than the {limit} KB read.").format(
            size=len(text) // 1024, limit=MAX_INFOTEXT_CHARS // 1024))
    lines = text.strip().split("\n")
    params: dict[str, str] = {}
    last = lines[-1] if lines else ""
    found = parse_fields(last)
    if len(found) >= 3:  # the last line is the key: value line (A1111 uses the same test)
        lines = lines[:-1]
        for key, value in found:
            value = value.strip()
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                try:
                    value = json.loads(value)
                except (ValueError, RecursionError):
                    value = value[1:-1]
                value = value if isinstance(value, str) else str(value)
            params[key.strip()] = value
    prompt_lines: list[str] = []
    negative_lines: list[str] = []
    target = prompt_lines
    for line in lines:
        if line.startswith("Negative prompt:"):
            target = negative_lines
            line = line[len("Negative prompt:"):].strip()
        target.append(line)
    return "\n".join(prompt_lines).strip(), "\n".join(negative_lines).strip(), params


def _scheduler_from_a1111(sampler: str, schedule: str) -> str:
    s = sampler.strip()
    if s.endswith(" Karras"):  # older A1111 wrote 'DPM++ 2M Karras' as one sampler name
        s, schedule = s[: -len(" Karras")], "Karras"
    for name, (label, sched) in A1111_SAMPLERS.items():
        if label.lower() == s.lower() and sched == (schedule if schedule == "Karras" else ""):
            return name
    for name, (label, _) in A1111_SAMPLERS.items():
        if label.lower() == s.lower():
            return name
    return "euler"


def spec_from_infotext(text: str) -> ImageSpec:
    """An ImageSpec from A1111 ``parameters`` text; values it cannot read keep their defaults."""
    prompt, negative, p = parse_infotext(text)
    try:
        prompt, loras = extract(prompt)
    except SpecError:  # a tag we cannot read stays in the prompt, where the editor shows it
        loras = ()
    kwargs: dict[str, Any] = {"prompt": prompt, "negative_prompt": negative, "loras": loras}

    def num(key: str, cast):
        try:
            value = cast(p[key])
        except (KeyError, ValueError, OverflowError):
            return None
        return value if math.isfinite(value) else None  # "CFG scale: nan" keeps the default

    for key, field, cast in (("Steps", "steps", int), ("CFG scale", "guidance", float), ("Seed", "seed", int),
                             ("Denoising strength", "strength", float)):
        v = num(key, cast)
        if v is not None:
            kwargs[field] = v
    m = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", p.get("Size", ""))
    if m:
        kwargs["width"], kwargs["height"] = int(m.group(1)), int(m.group(2))
    if "Sampler" in p:
        kwargs["scheduler"] = _scheduler_from_a1111(p["Sampler"], p.get("Schedule type", ""))
    spacing = {v.lower(): k for k, v in A1111_SPACINGS.items()}.get(p.get("Schedule type", "").strip().lower(), "")
    if spacing and kwargs.get("scheduler") != "dpmpp_2m_karras":
        kwargs["timestep_spacing"] = spacing
    if p.get("VAE", "").strip().lower().startswith(TINY_DECODER_PREFIX):
        kwargs["decoder"] = "fast"
    if p.get("Model"):
        kwargs["model"] = p["Model"]
    if p.get("Upscaler"):
        kwargs["upscale"] = p["Upscaler"]
    kwargs.update(controls_from_infotext(p))
    return ImageSpec(**kwargs)


def write_png(image: Any, path: Path, parameters: str, spec_json: str = "") -> Path:
    """Save a PIL image as PNG at ``path`` atomically with the two text chunks. Returns ``path``."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(PARAMETERS_KEY, parameters)  # Pillow writes iTXt when the text is not Latin-1
    if spec_json:
        info.add_text(SPEC_KEY, spec_json)
    path = Path(path)
    with atomic_open(path, "wb") as fh:
        image.save(fh, format="PNG", pnginfo=info)
    return path


def write_image_png(image: Any, path: Path, spec: ImageSpec, model_name: str = "", model_hash: str = "",
                    lora_hashes: Sequence[tuple[str, str]] = (), score: "ClipScore | None" = None,
                    unused: Collection[str] = (), shown: ImageSpec | None = None, vae: str = "",
                    control_names: Mapping[str, tuple[str, str]] | None = None) -> Path:
    """:func:`write_png` with the infotext (of ``shown`` when given) and the JSON of ``spec``."""
    text = infotext(shown or spec, model_name, model_hash, lora_hashes, score, unused, vae, control_names)
    return write_png(image, path, text, spec_to_json(spec))


def read_png_score(path: Path) -> ClipScore | None:
    """The CLIP score a PNG carries in its ``parameters`` text (None when it has none)."""
    try:
        chunks = read_png_text(Path(path))
    except OSError:
        return None
    _, _, params = parse_infotext(chunks.get(PARAMETERS_KEY, ""))
    try:
        return ClipScore(score=float(params[SCORE_FIELD]), clip=params.get(SCORE_CLIP_FIELD, ""))
    except (KeyError, ValueError):
        return None


def read_png_text(path: Path) -> Mapping[str, str]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt) as a dict; SpecError past the size limits."""
    return read_text_chunks(Path(path))


def _usable(spec: ImageSpec) -> ImageSpec:
    spec.validate()  # SpecError for values no job could run with (they would fail later, less clearly)
    return spec


def read_png_parameters(path: Path) -> ImageSpec:
    """The ImageSpec that made the PNG at ``path``: our JSON chunk, else an A1111 ``parameters`` chunk.

    Every failure (not a PNG, oversized or bomb text, unreadable values) is one SpecError line.
    """
    name = Path(path).name
    chunks = read_png_text(Path(path))
    problem = ""
    if SPEC_KEY in chunks:
        try:
            spec = spec_from_json(chunks[SPEC_KEY])
            if isinstance(spec, ImageSpec):
                return _usable(spec)
        except SpecError as exc:  # fall back to the A1111 text, if any
            problem = str(exc)
    if PARAMETERS_KEY in chunks:
        try:
            return _usable(spec_from_infotext(chunks[PARAMETERS_KEY]))
        except SpecError as exc:
            problem = str(exc)
    if problem:
        raise SpecError(_("{name}: its parameters cannot be used: {problem}").format(name=name, problem=problem))
    raise SpecError(_("{name} carries no generation parameters.").format(name=name))



def read_png_model_ref(path: Path) -> "ModelRef":
    """How the PNG names its model (``Model`` and ``Model hash`` of its parameters); empty when it does not."""
    from studio.core.models.match import ModelRef

    try:
        text = read_png_text(Path(path)).get(PARAMETERS_KEY, "")
        _prompt, _negative, params = parse_infotext(text) if text else ("", "", {})
    except (SpecError, OSError):
        return ModelRef()
    return ModelRef(name=params.get("Model", "").strip(), hash=params.get("Model hash", "").strip())
