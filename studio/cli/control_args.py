"""`generate image` options for ControlNet units and the IP-Adapter image prompt."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.core.specs.control import PREPROCESSORS
from studio.core.errors import SpecError
from studio.core.i18n import _


def register(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group(_("structure control (ControlNet) and image prompts (IP-Adapter)"))
    group.add_argument("--control", action="append", type=_control_arg, default=[], metavar="NAME:IMAGE:WEIGHT",
                       help=_("a ControlNet unit: NAME an installed ControlNet (see `models list`) or its folder, "
                              "IMAGE the control image used as given, WEIGHT 0..2 (default 1); repeatable, units "
                              "stack"))
    group.add_argument("--control-preprocess", action="append", default=[], choices=PREPROCESSORS,
                       help=_("how each unit's IMAGE becomes its control map, per unit in order (default none: "
                              "the image is the map)"))
    group.add_argument("--control-start", action="append", type=float, default=[], metavar="FRACTION",
                       help=_("when each unit starts guiding, as a fraction of the steps, per unit in order "
                              "(default 0)"))
    group.add_argument("--control-end", action="append", type=float, default=[], metavar="FRACTION",
                       help=_("when each unit stops guiding, per unit in order (default 1)"))
    group.add_argument("--ip-adapter", default=None, type=_ip_arg, metavar="IMAGE:WEIGHT",
                       help=_("an image prompt: IMAGE guides the picture through the installed IP-Adapter at WEIGHT "
                              "0..2 (default 0.6)"))
    group.add_argument("--ip-adapter-model", default="", metavar="NAME",
                       help=_("which IP-Adapter (default: the one installed for the model's family)"))


def _weight(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{what}: {weight!r} is not a weight (a number such as 0.8).").format(
            what=what, weight=text)) from None


def _control_arg(text: str) -> tuple[str, str, float]:
    """NAME:IMAGE[:WEIGHT] (IMAGE may hold ':' when a weight follows)."""
    name, sep, rest = text.partition(":")
    if not sep or not name.strip() or not rest.strip():
        raise argparse.ArgumentTypeError(_("--control takes NAME:IMAGE:WEIGHT (got {value!r}).").format(value=text))
    image, sep, weight = rest.rpartition(":")
    if not sep or not _is_number(weight):
        image, weight = rest, "1"
    return name.strip(), image, _weight(weight, "--control")


def _ip_arg(text: str) -> tuple[str, float]:
    image, sep, weight = text.rpartition(":")
    if not sep or not _is_number(weight):
        return text, 0.6
    return image, _weight(weight, "--ip-adapter")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _image(path: str) -> str:
    """The image as an absolute path; unreadable images fail now, with one line."""
    from studio.core.image_io import open_rgb

    open_rgb(path)
    return str(Path(path).expanduser().resolve())


def fields(args: argparse.Namespace) -> dict[str, Any]:
    """ImageSpec fields (``controls``, ``ip_*``) the options ask for ({} when none is given)."""
    from studio.core.specs.image import ControlUnit

    out: dict[str, Any] = {}
    n = len(args.control)
    for flag, values in (("--control-preprocess", args.control_preprocess), ("--control-start", args.control_start),
                         ("--control-end", args.control_end)):
        if len(values) > n:
            raise SpecError(_("{flag} is given {count} times for {n} --control unit(s).").format(
                flag=flag, count=len(values), n=n))
    if n:
        units = []
        for i, (name, image, weight) in enumerate(args.control):
            try:
                path = _image(image)
            except Exception as exc:  # noqa: BLE001 - StudioError: one line naming the unit
                raise SpecError(_("ControlNet unit {n}: {problem}").format(n=i + 1, problem=exc)) from exc
            units.append(ControlUnit(model=name, image=path, weight=weight,
                                     preprocess=_nth(args.control_preprocess, i, "none"),
                                     start=_nth(args.control_start, i, 0.0), end=_nth(args.control_end, i, 1.0)))
        out["controls"] = tuple(units)
    if args.ip_adapter:
        image, weight = args.ip_adapter
        try:
            out.update(ip_image=_image(image), ip_weight=weight)
        except Exception as exc:  # noqa: BLE001
            raise SpecError(_("The image prompt: {problem}").format(problem=exc)) from exc
    if args.ip_adapter_model:
        out["ip_adapter"] = args.ip_adapter_model
    return out


def _nth(values: list, i: int, default: Any) -> Any:
    return values[i] if i < len(values) else default
