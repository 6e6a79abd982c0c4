"""The content filter where every job passes: :func:`guard` checks a spec before its engine runs and
watches the text it streams. Pure Python (the engine host and the CLI both call it via ``run_spec``)."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from studio.core.content_filter import (ContentBlocked, ContentFilter, Match, blocked_message, flagged_message,
                                        screen, spec_texts, stopped_message)
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.specs.base import Spec
from studio.core.specs.text import TextSpec

log = logging.getLogger(__name__)


def check_before(spec: Spec, reporter: Reporter, ctx: Any) -> None:
    """ContentBlocked when the policy is "block" and ``spec``'s texts break a rule; in "warn" mode the
    user was asked when submitting, so a hit only goes to the job's log."""
    policy = ctx.settings.content_filter
    hit = screen(spec, policy, ctx.paths) or (classifier_hit(spec, ctx) if policy != "off" else None)
    if hit is None:
        return
    log.warning("content filter (%s): %s job matched category %r of list %s", policy, spec.kind, hit.category,
                hit.source)
    if policy == "block":
        raise ContentBlocked(blocked_message(hit))
    reporter.log(flagged_message(hit))


class LinkedCancel(CancelToken):
    """Cancelled when its parent is, or when the filter stops the stream itself."""

    def __init__(self, parent: CancelToken) -> None:
        super().__init__()
        self._parent = parent

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or self._parent.cancelled

    def raise_if_cancelled(self) -> None:
        if self._parent.cancelled:
            self._event.set()
        super().raise_if_cancelled()


class StreamGuard:
    """A reporter that passes everything on, but checks the streamed text so far at each chunk.

    In "block" mode a chunk that completes a rule is held back and the stream stops (``hit`` says
    why); in "warn" mode the job's log gets one line and the stream goes on.
    """

    def __init__(self, inner: Reporter, cancel: CancelToken, filt: ContentFilter, policy: str) -> None:
        self.inner, self.filter, self.policy = inner, filt, policy
        self.cancel = LinkedCancel(cancel)
        self.hit: Match | None = None
        self._text: list[str] = []

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.inner.progress(done, total, message)

    def wants_preview(self) -> bool:
        return self.inner.wants_preview()

    def preview(self, image: Any) -> None:
        self.inner.preview(image)

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        self.inner.metrics(step, values)

    def log(self, message: str) -> None:
        self.inner.log(message)

    def text(self, chunk: str) -> None:
        if self.hit is not None and self.policy == "block":
            return
        self._text.append(chunk)
        if self.hit is None:
            hit = self.filter.check("".join(self._text), classify=False)  # the classifier learnt prompts
            if hit is not None:
                self.hit = hit
                log.warning("content filter (%s): generated text matched category %r of list %s", self.policy,
                            hit.category, hit.source)
                if self.policy == "block":
                    self.cancel.cancel()
                    return
                self.inner.log(flagged_message(hit))
        self.inner.text(chunk)


def classifier_hit(spec: Spec, ctx: Any) -> Match | None:
    """The settings' text classifier on ``spec``'s texts: the first harmful label at or above the threshold."""
    settings = ctx.settings
    texts = [t for t in spec_texts(spec) if t.strip()]
    if not (settings.content_filter_classifier and settings.content_filter_classifier_labels and texts):
        return None
    from studio.engines.understand.models import load_classifier
    from studio.engines.understand.run import predict

    clf = load_classifier(settings.content_filter_classifier, ctx)
    harmful = set(settings.content_filter_classifier_labels)
    for probs in predict(clf, texts):
        for label, p in zip(clf.labels, probs):
            if label in harmful and p >= settings.content_filter_classifier_threshold:
                return Match(_("classifier: {label}").format(label=label), "classifier")
    return None


def run_guarded(spec: Spec, reporter: Reporter, cancel: CancelToken, ctx: Any, engine) -> Any:
    """Run ``engine`` on ``spec`` under the content filter (see the module's doc)."""
    check_before(spec, reporter, ctx)
    policy = ctx.settings.content_filter
    if policy == "off" or not isinstance(spec, TextSpec):
        return engine(spec, reporter, cancel, ctx)
    guard = StreamGuard(reporter, cancel, ContentFilter.load(ctx.paths), policy)
    result = engine(spec, guard, guard.cancel, ctx)
    if guard.hit is not None and policy == "block":
        raise ContentBlocked(stopped_message(guard.hit))
    return result
