"""ControlNet units and image prompts of an image job: checks, A1111 infotext words, family matching.

A unit (``specs.ControlUnit``) names a ControlNet, a control image, a weight, the fraction of the steps
it guides (start/end) and a preprocessor that turns the image into the control map. The PNG records
every unit as A1111's ControlNet extension does (``ControlNet 0: "Module: canny, Model: …, Weight: 1,
Guidance Start: 0, Guidance End: 1"``); an IP-Adapter image prompt is one more such unit whose module
is ``ip-adapter``, as A1111 writes it. Pure Python.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.specs.checks import check_range

if TYPE_CHECKING:
    from studio.core.models.registry import ModelEntry
    from studio.core.specs.image import ControlUnit, ImageSpec

PREPROCESSORS = ("none", "canny", "lineart", "scribble", "depth")
"""none: the image is the control map as given; canny: Canny edges (scikit-image); lineart: soft
dark-on-light lines → white lines on black; scribble: strokes (drawn on the canvas or a sketch) → white
on black; depth: a depth map from an installed transformers depth-estimation model."""
PREPROCESSOR_LABELS = {"none": N_("none (image as given)"), "canny": N_("Canny edges"),
                       "lineart": N_("line art / soft edges"), "scribble": N_("scribble"),
                       "depth": N_("depth (installed depth model)")}
CANVAS_PREPROCESSORS = ("none", "canny", "lineart", "scribble")
"""Those the window can show before generating without a model (depth needs one: computed by the job)."""
MAX_UNITS = 8
IP_MODULE = "ip-adapter"
"""The A1111 module word of an image-prompt unit (A1111 writes e.g. ip-adapter_clip_sd15)."""
_FIELD = re.compile(r"^ControlNet (\d+)$")


def check_unit(i: int, unit: "ControlUnit") -> None:
    """SpecError (one line) for a unit no job could run with (its image is checked by the engine)."""
    if not isinstance(unit.model, str) or not unit.model.strip():
        raise SpecError(_("ControlNet unit {n} names no ControlNet model.").format(n=i + 1))
    if not isinstance(unit.image, str):
        raise SpecError(_("ControlNet unit {n}: the control image must be a file name.").format(n=i + 1))
    if unit.preprocess not in PREPROCESSORS:
        raise SpecError(_("ControlNet unit {n}: unknown preprocessor {name!r}; choose one of: {choices}.").format(
            n=i + 1, name=unit.preprocess, choices=", ".join(PREPROCESSORS)))
    check_range(N_("ControlNet weight"), unit.weight, 0.0, 2.0)
    check_range(N_("ControlNet start"), unit.start, 0.0, 1.0)
    check_range(N_("ControlNet end"), unit.end, 0.0, 1.0)
    if unit.start >= unit.end:
        raise SpecError(_("ControlNet unit {n}: its start ({start:g}) must come before its end ({end:g}).").format(
            n=i + 1, start=unit.start, end=unit.end))


def check_controls(spec: "ImageSpec") -> None:
    """The control units and the image prompt of ``spec`` (SpecError, one line)."""
    from studio.core.specs.image import ControlUnit

    if not isinstance(spec.controls, tuple) or not all(isinstance(u, ControlUnit) for u in spec.controls):
        raise SpecError(_("The ControlNet units of the job are malformed."))
    if len(spec.controls) > MAX_UNITS:
        raise SpecError(_("At most {n} ControlNet units (got {count}).").format(n=MAX_UNITS, count=len(spec.controls)))
    for i, unit in enumerate(spec.controls):
        check_unit(i, unit)
    check_range(N_("Image prompt weight"), spec.ip_weight, 0.0, 2.0)
    if not isinstance(spec.ip_adapter, str):
        raise SpecError(_("The IP-Adapter must be named by text."))


def unit_words(unit: "ControlUnit", model: str, model_hash: str = "") -> str:
    """One unit in A1111's ControlNet words (the value of ``ControlNet N``)."""
    name = f"{model} [{model_hash}]" if model_hash else model
    return (f"Module: {unit.preprocess}, Model: {name}, Weight: {unit.weight:g}, "
            f"Guidance Start: {unit.start:g}, Guidance End: {unit.end:g}")


def ip_words(model: str, weight: float) -> str:
    """The image prompt in A1111's words (A1111 records an IP-Adapter as a ControlNet unit)."""
    return f"Module: {IP_MODULE}, Model: {model}, Weight: {weight:g}, Guidance Start: 0, Guidance End: 1"


def infotext_fields(spec: "ImageSpec", model_names: Mapping[str, tuple[str, str]] | None = None
                    ) -> list[tuple[str, str]]:
    """``ControlNet N`` fields for every unit, then the image prompt (``model_names``: the name and short
    hash the PNG gives each unit's model, keyed by what the spec says)."""
    names = model_names or {}
    out = []
    for unit in spec.controls:
        name, hash_ = names.get(unit.model, (display_name(unit.model), ""))
        out.append((f"ControlNet {len(out)}", unit_words(unit, name, hash_)))
    if spec.ip_image:
        name, _hash = names.get(spec.ip_adapter, (display_name(spec.ip_adapter) or IP_MODULE, ""))
        out.append((f"ControlNet {len(out)}", ip_words(name, spec.ip_weight)))
    return out


def display_name(model: str) -> str:
    """A model as the PNG names it: its name, or the last part of a path."""
    return re.split(r"[\\/]", model.rstrip("/\\"))[-1] if model else ""


def _module(word: str) -> str:
    w = word.strip().lower()
    if w.startswith(IP_MODULE):
        return IP_MODULE
    for name, prefixes in (("canny", ("canny",)), ("lineart", ("lineart", "softedge", "hed", "pidinet")),
                           ("scribble", ("scribble", "invert")), ("depth", ("depth",))):
        if w.startswith(prefixes):
            return name
    return "none"


def from_infotext(params: Mapping[str, str]) -> dict[str, Any]:
    """ImageSpec fields (``controls``, ``ip_adapter``, ``ip_weight``) from ``ControlNet N`` fields. The
    infotext holds no control image: units come back with ``image`` "" (the studio's JSON chunk has them)."""
    from studio.core.pngmeta import parse_fields
    from studio.core.specs.image import ControlUnit

    units: list[tuple[int, ControlUnit]] = []
    out: dict[str, Any] = {}
    for key, value in params.items():
        m = _FIELD.match(key)
        if not m:
            continue
        words = {k.strip(): v.strip() for k, v in parse_fields(value)}
        model = re.sub(r"\s*\[[0-9a-fA-F]+\]\s*$", "", words.get("Model", "")).strip()
        if not model or model.lower() == "none":
            continue
        try:
            weight = float(words.get("Weight", 1))
            start = float(words.get("Guidance Start", 0))
            end = float(words.get("Guidance End", 1))
        except ValueError:
            continue
        module = _module(words.get("Module", "none"))
        if module == IP_MODULE:
            out.update(ip_adapter=model, ip_weight=weight)
            continue
        units.append((int(m.group(1)), ControlUnit(model=model, image="", weight=weight, start=start, end=end,
                                                   preprocess=module)))
    if units:
        out["controls"] = tuple(u for _i, u in sorted(units, key=lambda t: t[0]))[:MAX_UNITS]
    return out


def control_families() -> str:
    """The families that take ControlNet units, as the capability table labels them ("SD 1.x, SD 2.x, …")."""
    from studio.core.models.families import FAMILIES

    return ", ".join(dict.fromkeys(f.label for f in FAMILIES.values() if f.controlnet and f.key != "sd"))


def family_group(key: str) -> str:
    """The group of families that share ControlNets (the capability table's; "" when not known)."""
    from studio.core.models.families import family

    fam = family(key)
    return fam.controlnet if fam is not None else ""


def family_refusal(model: "ModelEntry | None", control: "ModelEntry | None") -> str:
    """Why ``control`` (a ControlNet or IP-Adapter entry) cannot guide ``model`` ("" when it can or when
    either is not known; the engine then compares the networks themselves)."""
    if model is None or control is None:
        return ""
    a, b = family_group(model.family), family_group(control.family)
    if not a or not b or a == b:
        return ""
    from studio.core.models.families import FAMILY_LABELS

    return _("{control} is made for {control_family}, and {model} is {model_family}: choose a ControlNet of the "
             "model's family.").format(control=control.title, control_family=FAMILY_LABELS.get(control.family,
                                                                                              control.family),
                                        model=model.title, model_family=FAMILY_LABELS.get(model.family, model.family))
