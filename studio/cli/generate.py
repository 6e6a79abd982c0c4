"""`generate image|text|faces`: the generation command groups, each in its own module."""
from __future__ import annotations

import importlib

from studio.core.i18n import _


def register(sub) -> None:
    parser = sub.add_parser("generate", help=_("generate an image or text headless"))
    kinds = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    for name in ("gen_image", "gen_text", "gen_faces", "gen_vae", "gen_guided", "gen_grid"):
        try:
            importlib.import_module(f"studio.cli.{name}").register(kinds)
        except ModuleNotFoundError as exc:
            if exc.name != f"studio.cli.{name}":
                raise
    for command in kinds.choices.values():
        command.add_argument("--allow-flagged", action="store_true",
                             help=_("run even when the content filter (policy warn) flags the prompt"))
