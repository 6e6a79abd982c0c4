"""A remote engine: its address, its access token, and what a request to it may carry (pure Python).

``main.py engine serve`` runs an engine host on a TCP port (loopback by default) that a studio on
another machine uses through the same frames as a local host (:mod:`studio.core.protocol.frames`).
A client must send the server's token (made once, kept in the server's studio home); requests name
models by name, never by the client's paths, and carry their input images inline; results come back
over the connection and the client stores them. Nothing a remote peer sends chooses a path.
"""
from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Mapping

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.paths import StudioPaths

DEFAULT_PORT = 7861
TOKEN_FILE = "engine-token"
"""In the studio home of the machine that serves."""
REMOTE_KINDS = ("image", "text", "upscale", "gan")
"""Job kinds a remote engine runs (training, downloads and conversions read and write local folders)."""
INPUT_FIELDS: Mapping[str, tuple[str, ...]] = {"image": ("init_image", "mask", "ip_image"), "upscale": ("image",)}
"""Spec fields that name an input file: the file travels inline, the field gets a server-side path."""
NESTED_INPUTS: Mapping[str, tuple[tuple[str, str], ...]] = {"image": (("controls", "image"),)}
"""Fields of a spec's typed records that name an input file (each ControlNet unit's control image)."""
MAX_INPUTS = 16
MAX_INPUT_BYTES = 64 << 20
OUTPUT_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".webp")


class RemoteEngineError(StudioError):
    """A remote-engine address, token or request that cannot be used (one line for the user)."""


def input_keys(spec: Mapping[str, object]) -> list[str]:
    """Every input-file key a spec dict has ("init_image", "controls.0.image"…), set or not."""
    kind = str(spec.get("kind", ""))
    keys = list(INPUT_FIELDS.get(kind, ()))
    for field, inner in NESTED_INPUTS.get(kind, ()):
        records = spec.get(field)
        for i in range(len(records) if isinstance(records, (list, tuple)) else 0):
            keys.append(f"{field}.{i}.{inner}")
    return keys


def get_input(spec: Mapping[str, object], key: str) -> object:
    """The value at ``key`` (see :func:`input_keys`)."""
    field, _sep, rest = key.partition(".")
    if not rest:
        return spec.get(field)
    index, _sep, inner = rest.partition(".")
    record = spec[field][int(index)]
    return record.get(inner) if isinstance(record, Mapping) else None


def set_input(spec: dict[str, object], key: str, value: object) -> None:
    """Set ``key`` in the spec dict (records are copied, never changed in place)."""
    field, _sep, rest = key.partition(".")
    if not rest:
        spec[field] = value
        return
    index, _sep, inner = rest.partition(".")
    records = [dict(r) if isinstance(r, Mapping) else r for r in spec[field]]
    if isinstance(records[int(index)], dict):
        records[int(index)][inner] = value
    spec[field] = records


def parse_address(text: str, listen: bool = False) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as (host, port); RemoteEngineError when it is not one.

    ``listen`` allows port 0 (the system picks a free port).
    """
    m = re.fullmatch(r"\s*(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.\-]+)):(\d{1,5})\s*", text or "")
    if m is None:
        raise RemoteEngineError(_("{address!r} is not an engine address: write host:port, e.g. 127.0.0.1:{port}.")
                                .format(address=text, port=DEFAULT_PORT))
    host, port = m.group(1) or m.group(2), int(m.group(3))
    if not (0 if listen else 1) <= port <= 65535:
        raise RemoteEngineError(_("Port {port} is out of range (1 to 65535).").format(port=port))
    return host, port


def token_path(paths: StudioPaths) -> Path:
    return paths.root / TOKEN_FILE


def load_token(paths: StudioPaths) -> str:
    """This machine's engine token, made (random, readable by its owner only) on first use."""
    path = token_path(paths)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if len(token) < 16:
        token = secrets.token_urlsafe(32)
        atomic_write_text(path, token + "\n")
        os.chmod(path, 0o600)
    return token


def token_matches(given: object, expected: str) -> bool:
    """Constant-time comparison (a wrong guess tells nothing about the right token)."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def model_name_problem(value: object) -> str | None:
    """Why ``value`` cannot name a model on a remote engine (None when it can): a name, never a path."""
    if not isinstance(value, str):
        return _("A model must be named by text.")
    if value and ("/" in value or "\\" in value or value.startswith((".", "~")) or ":" in value[:3]):
        return _("A remote engine takes model names, not paths ({value!r}).").format(value=value[:80])
    return None


def as_model_name(value: str) -> str:
    """What the client sends for a model: its name (a local path becomes its folder or file name)."""
    if not value or model_name_problem(value) is None:
        return value
    return Path(value.rstrip("/\\")).name


def safe_output_name(name: str) -> str:
    """A plain file name from a peer's output name (letters, digits, . _ -), with an image suffix."""
    base = Path(name).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in OUTPUT_SUFFIXES:
        suffix = ".png"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem or "remote").strip("-")[:80] or "remote"
    return stem + suffix
