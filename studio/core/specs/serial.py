"""Specs to and from JSON: the ``kind`` → spec class table, typed and checked on the way in.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

from studio.core.specs.checks import non_finite_path

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.specs.base import Spec
from studio.core.specs.files import ConvertSpec, DownloadSpec, ExportSpec
from studio.core.specs.image import ControlUnit, DescribeSpec, GanSpec, GridSpec, GuidedSpec, ImageSpec, UpscaleSpec
from studio.core.specs.text import ClassifySpec, FillMaskSpec, TextSpec
from studio.core.specs.training import DatasetSpec, EvaluateSpec, TrainSpec, VaeSpec

SPEC_TYPES: dict[str, type[Spec]] = {t.kind: t for t in (ImageSpec, TextSpec, UpscaleSpec, TrainSpec, GanSpec,
                                                          DownloadSpec, ConvertSpec, VaeSpec, DatasetSpec,
                                                          EvaluateSpec, GuidedSpec, GridSpec, FillMaskSpec, ClassifySpec,
                                                          DescribeSpec, ExportSpec)}


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
