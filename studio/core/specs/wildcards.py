"""Dynamic prompts: ``{red|blue|green}`` picks one option, ``__colours__`` one line of ``wildcards/colours.txt``
in the studio home (``__styles/warm__`` → ``wildcards/styles/warm.txt``).

Each image's prompt is expanded with its own seed (same seed → same expansion), so a batch of seeds s, s+1,
… shows the variants, and the expanded prompt is what the job, its PNG and the history hold. Options may
nest (``{a {big|small}|b}``) and wildcard lines may use both forms; expansion is bounded: a wildcard that
refers to itself, however indirectly, or a missing file is one clear line (:class:`WildcardError`) and
nothing is queued. ``{word}`` without a ``|`` is left as it is (some prompts use braces for emphasis).

Wildcard files: UTF-8, one option per line; blank lines and lines starting with ``#`` are skipped.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import SpecError
from studio.core.i18n import _

FOLDER = "wildcards"
MAX_DEPTH = 8
"""Wildcards inside wildcards inside … at most this deep."""
MAX_CHOICES = 2000
"""Choices made for one prompt at most (a wildcard that fans out cannot make a prompt without end)."""
MAX_FILE_BYTES = 1 << 20
NAME = r"[A-Za-z0-9][\w\-]*(?:/[A-Za-z0-9][\w\-]*)*"
_WILDCARD = re.compile(rf"__({NAME})__")


class WildcardError(SpecError):
    """A wildcard that cannot be expanded (missing, unreadable, recursive, too large)."""


def has_dynamic(text: str) -> bool:
    """Whether ``text`` holds a wildcard or a ``{a|b}`` choice."""
    return bool(_WILDCARD.search(text)) or _find_choice(text) is not None


def wildcard_file(folder: Path, name: str) -> Path:
    """The file of wildcard ``name`` inside ``folder`` (the name is checked: it never leaves the folder)."""
    if not re.fullmatch(NAME, name) or ".." in name:
        raise WildcardError(_("__{name}__ is not a wildcard name (letters, digits, _ and -, folders with /).")
                            .format(name=name))
    return folder / f"{name}.txt"


def wildcard_names(folder: Path) -> list[str]:
    """The wildcards in ``folder`` (``colours``, ``styles/warm`` …), sorted."""
    if not folder.is_dir():
        return []
    names = []
    for p in folder.rglob("*.txt"):
        name = p.relative_to(folder).with_suffix("").as_posix()
        if re.fullmatch(NAME, name):
            names.append(name)
    return sorted(names)


def read_options(folder: Path, name: str) -> list[str]:
    """The options of wildcard ``name``; WildcardError with one line when there are none to read."""
    path = wildcard_file(folder, name)
    if not path.is_file():
        raise WildcardError(_("No wildcard file for __{name}__: put one option per line in {path}.").format(
            name=name, path=path))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise WildcardError(_("The wildcard file {path} is larger than 1 MB.").format(path=path))
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WildcardError(_("The wildcard file {path} cannot be read ({reason}).").format(path=path, reason=exc)) \
            from exc
    options = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not options:
        raise WildcardError(_("The wildcard file {path} has no options (one per line).").format(path=path))
    return options


@dataclass
class _Expander:
    folder: Path
    rng: random.Random
    cache: dict[str, list[str]]
    choices: int = 0

    def expand(self, text: str, stack: tuple[str, ...]) -> str:
        text = self._choices(text, stack)
        out, pos = [], 0
        for m in _WILDCARD.finditer(text):
            name = m.group(1)
            if name in stack:
                chain = " → ".join(f"__{n}__" for n in (*stack, name))
                raise WildcardError(_("The wildcard __{name}__ refers to itself ({chain}); expansion stopped.")
                                    .format(name=name, chain=chain))
            if len(stack) >= MAX_DEPTH:
                raise WildcardError(_("Wildcards nest more than {depth} deep at __{name}__; expansion stopped.")
                                    .format(depth=MAX_DEPTH, name=name))
            if name not in self.cache:
                self.cache[name] = read_options(self.folder, name)
            out.append(text[pos:m.start()])
            out.append(self.expand(self._pick(self.cache[name]), (*stack, name)))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def _pick(self, options: list[str]) -> str:
        self.choices += 1
        if self.choices > MAX_CHOICES:
            raise WildcardError(_("The prompt's wildcards make more than {n} choices; expansion stopped.")
                                .format(n=MAX_CHOICES))
        return options[self.rng.randrange(len(options))]

    def _choices(self, text: str, stack: tuple[str, ...]) -> str:
        """Every ``{a|b|…}`` replaced by one option (inner choices first, left to right)."""
        while (span := _find_choice(text)) is not None:
            start, end = span
            options = _split_options(text[start + 1:end - 1])
            text = text[:start] + self._pick(options) + text[end:]
        return text


def _find_choice(text: str) -> tuple[int, int] | None:
    """(start, end) of the first innermost ``{…|…}`` group, None when there is none."""
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            start = stack.pop()
            inner = text[start + 1:i]
            if "|" in inner and "{" not in inner:
                return start, i + 1
    return None


def _split_options(inner: str) -> list[str]:
    return [o.strip() for o in inner.split("|")]


def expand_prompt(text: str, seed: int, folder: Path, salt: str = "prompt") -> str:
    """``text`` with its choices and wildcards expanded for ``seed`` (unchanged when it has none)."""
    if not has_dynamic(text):
        return text
    rng = random.Random(f"{salt}:{seed}")
    return _Expander(folder, rng, {}).expand(text, ()).strip()


def expand_spec(spec, folder: Path):
    """An ImageSpec (or any spec with ``prompt``/``negative_prompt`` and ``seed``) with both expanded."""
    prompt = expand_prompt(spec.prompt, spec.seed, folder)
    negative = getattr(spec, "negative_prompt", "")
    changes = {"prompt": prompt}
    if negative:
        changes["negative_prompt"] = expand_prompt(negative, spec.seed, folder, salt="negative")
    if prompt == spec.prompt and changes.get("negative_prompt", negative) == negative:
        return spec
    return spec.replace(**changes)
