"""PNG outputs with their parameters: an A1111-style ``parameters`` chunk plus the full spec as JSON.

The ``parameters`` text is what AUTOMATIC1111, Forge, Civitai and others read ("infotext");
the ``aigc_studio`` chunk holds the exact job spec so the image alone reproduces itself.
Pillow is imported inside functions only (the core stays light at import).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from studio import APP_NAME, __version__
from studio.core.atomic import atomic_open
from studio.core.errors import SpecError
from studio.core.prompt_loras import extract, hashes_field, with_tags
from studio.core.specs import ImageSpec, spec_from_json, spec_to_json

PARAMETERS_KEY = "parameters"
SPEC_KEY = "aigc_studio"

# Studio scheduler → (A1111 sampler name, A1111 schedule type or "").
A1111_SAMPLERS: dict[str, tuple[str, str]] = {
    "euler": ("Euler", ""), "euler_a": ("Euler a", ""), "dpmpp_2m": ("DPM++ 2M", ""),
    "dpmpp_2m_karras": ("DPM++ 2M", "Karras"), "ddim": ("DDIM", ""), "unipc": ("UniPC", ""),
    "pndm": ("PLMS", ""), "lms": ("LMS", ""), "heun": ("Heun", ""), "ddpm": ("DDPM", ""),
}
_PARAM = re.compile(r'\s*([\w][\w \-/]*):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


def _quote(value: Any) -> str:
    text = str(value)
    if any(c in text for c in ',:"\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


def _fmt_number(x: float) -> str:
    return f"{x:g}"


def infotext(spec: ImageSpec, model_name: str = "", model_hash: str = "",
             lora_hashes: Sequence[tuple[str, str]] = ()) -> str:
    """The A1111 ``parameters`` text for ``spec``: prompt, ``Negative prompt:`` line, then ``Key: value, ...``.

    LoRAs are written as A1111 writes them: ``<lora:name:w>`` tags in the prompt and, when their
    hashes are known, a ``Lora hashes`` field (``lora_hashes``: (name, short hash) pairs).
    """
    sampler, schedule = A1111_SAMPLERS.get(spec.scheduler, (spec.scheduler, ""))
    fields: list[tuple[str, Any]] = [("Steps", spec.steps), ("Sampler", sampler)]
    if schedule:
        fields.append(("Schedule type", schedule))
    fields += [("CFG scale", _fmt_number(spec.guidance)), ("Seed", spec.seed), ("Size", f"{spec.width}x{spec.height}")]
    if model_hash:
        fields.append(("Model hash", model_hash))
    if model_name:
        fields.append(("Model", model_name))
    if spec.init_image:
        fields.append(("Denoising strength", _fmt_number(spec.strength)))
    if lora_hashes and hashes_field(lora_hashes):
        fields.append(("Lora hashes", hashes_field(lora_hashes)))
    if spec.upscale:  # the saved image is larger than Size: it was upscaled after generating
        fields.append(("Upscaler", spec.upscale))
    fields.append(("Version", f"{APP_NAME} {__version__}"))
    lines = [with_tags(spec.prompt, spec.loras)]
    if spec.negative_prompt:
        lines.append(f"Negative prompt: {spec.negative_prompt}")
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in fields))
    return "\n".join(lines)


def parse_infotext(text: str) -> tuple[str, str, dict[str, str]]:
    """(prompt, negative prompt, {key: value}) from A1111 ``parameters`` text."""
    lines = text.strip().split("\n")
    params: dict[str, str] = {}
    last = lines[-1] if lines else ""
    found = _PARAM.findall(last)
    if len(found) >= 3:  # the last line is the key: value line (A1111 uses the same test)
        lines = lines[:-1]
        for key, value in found:
            value = value.strip()
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                try:
                    value = json.loads(value)
                except ValueError:
                    value = value[1:-1]
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
            return cast(p[key])
        except (KeyError, ValueError):
            return None

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
    if p.get("Model"):
        kwargs["model"] = p["Model"]
    if p.get("Upscaler"):
        kwargs["upscale"] = p["Upscaler"]
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
                    lora_hashes: Sequence[tuple[str, str]] = ()) -> Path:
    """:func:`write_png` with the infotext and JSON of ``spec``."""
    return write_png(image, path, infotext(spec, model_name, model_hash, lora_hashes), spec_to_json(spec))


def read_png_text(path: Path) -> Mapping[str, str]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt) as a dict."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        text = dict(getattr(im, "text", {}) or {})
        for k, v in im.info.items():
            if isinstance(v, str):
                text.setdefault(k, v)
    return text


def read_png_parameters(path: Path) -> ImageSpec:
    """The ImageSpec that made the PNG at ``path``: our JSON chunk, else an A1111 ``parameters`` chunk."""
    try:
        chunks = read_png_text(Path(path))
    except OSError as exc:
        raise SpecError(f"Cannot read {Path(path).name}: not a readable image ({exc}).") from exc
    if SPEC_KEY in chunks:
        try:
            spec = spec_from_json(chunks[SPEC_KEY])
        except (ValueError, TypeError, SpecError):
            spec = None
        if isinstance(spec, ImageSpec):
            return spec
    if PARAMETERS_KEY in chunks:
        return spec_from_infotext(chunks[PARAMETERS_KEY])
    raise SpecError(f"{Path(path).name} carries no generation parameters.")

