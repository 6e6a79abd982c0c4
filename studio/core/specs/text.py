"""Text job specs: generation (chat, completion), masked-word filling and classification.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from studio.core.specs.checks import check_finite, check_range

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.specs.base import MAX_SEED, SAMPLING_REPETITION_PENALTY, Spec, shorten


@dataclass(frozen=True)
class TextSpec(Spec):
    """LLM completion or chat. ``messages`` is a tuple of (role, content) for chat mode."""

    kind: ClassVar[str] = "text"
    prompt: str = ""
    model: str = ""
    system: str = ""
    messages: tuple[tuple[str, str], ...] = ()
    chat: bool = False
    max_new_tokens: int = 256
    temperature: float = 0.7
    top_k: int = 50
    top_p: float = 0.95
    min_p: float = 0.0
    repetition_penalty: float | None = None
    """None (the default): SAMPLING_REPETITION_PENALTY when sampling, none when greedy (temperature 0)."""
    seed: int = 0
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        """Temperature 0: always the likeliest token (no seed, same text every time)."""
        return self.temperature <= 0.0

    def effective_repetition_penalty(self) -> float:
        """The penalty the engine applies: the user's, else 1.1 when sampling and 1 (none) when greedy."""
        if self.repetition_penalty is not None:
            return float(self.repetition_penalty)
        return 1.0 if self.greedy else SAMPLING_REPETITION_PENALTY

    def validate(self) -> list[str]:
        check_finite(self)
        check_range(N_("Max new tokens"), self.max_new_tokens, 1, 32768)
        check_range(N_("Temperature"), self.temperature, 0.0, 5.0)
        check_range(N_("Top-p"), self.top_p, 0.0, 1.0)
        check_range(N_("Min-p"), self.min_p, 0.0, 1.0)
        check_range(N_("Top-k"), self.top_k, 0, 100000)
        if self.repetition_penalty is not None:
            check_range(N_("Repetition penalty"), self.repetition_penalty, 0.5, 3.0)
        check_range(N_("Seed"), self.seed, 0, MAX_SEED)
        return []

    def title(self, limit: int | None = 50) -> str:
        src = self.messages[-1][1] if self.messages else self.prompt
        p = shorten(src.strip().replace("\n", " ") or _("(empty prompt)"), limit)
        return (_("Chat: {text}") if self.chat else _("Text: {text}")).format(text=p)

    def full_title(self) -> str:
        return self.title(None)


@dataclass(frozen=True)
class FillMaskSpec(Spec):
    """Fill each [MASK] of ``text`` with a masked LM (the top-k tokens with probabilities)."""
    kind: ClassVar[str] = "fill_mask"
    model: str = ""
    text: str = ""
    top_k: int = 5

    def validate(self) -> list[str]:
        if not self.model:
            raise SpecError(_("Choose a masked-language model (one trained with the mlm family)."))
        if "[MASK]" not in self.text:
            raise SpecError(_("Put [MASK] where the model should fill in a word."))
        check_range(N_("top-k"), self.top_k, 1, 100)
        return []

    def title(self, limit: int | None = 50) -> str:
        return _("Fill mask: {text}").format(text=shorten(self.text.strip().replace("\n", " "), limit))

    def full_title(self) -> str:
        return self.title(None)


@dataclass(frozen=True)
class ClassifySpec(Spec):
    """Classify ``texts``, or a CSV/JSONL ``file`` into ``out`` (+ ``prediction``, one probability column per label)."""
    kind: ClassVar[str] = "classify"
    model: str = ""
    texts: tuple[str, ...] = ()
    file: str = ""
    out: str = ""

    def validate(self) -> list[str]:
        if not self.model:
            raise SpecError(_("Choose a text classifier (one trained with the classifier family)."))
        if not self.texts and not self.file:
            raise SpecError(_("Give a text or a CSV/JSONL file to classify."))
        if self.file and not self.out:
            raise SpecError(_("Say where the predictions go (--out)."))
        return []

    def title(self) -> str:
        if self.file:
            return _("Classify {file}").format(file=self.file.replace("\\", "/").rsplit("/", 1)[-1])
        return _("Classify {n} text(s)").format(n=len(self.texts))
