"""FID/KID on a schedule during training (params ``fid_every``, ``fid_samples``, ``fid_clip``).

Every ``fid_every`` steps the family's quality samples (the same fixed-seed images its sample grid
shows) are embedded with CLIP and compared with ``fid_samples`` training images (embedded once);
``fid`` and ``kid`` go out through the reporter's metrics stream, so the training plot draws them
beside the loss. Without a usable CLIP the run logs why once and trains on without them.
"""
from __future__ import annotations

from typing import Any

import torch

from studio.core.errors import ModelError
from studio.core.i18n import _

DEFAULT_SAMPLES = 256


class QualityProbe:
    """Computes FID/KID of a trainer's samples against its training data, with the reference cached."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer
        params = trainer.params
        self.every = int(params.get("fid_every", 0) or 0)
        self.samples = int(params.get("fid_samples", DEFAULT_SAMPLES) or DEFAULT_SAMPLES)
        self.clip_name = str(params.get("fid_clip", "") or "")
        self._clip: Any = None
        self._reference: torch.Tensor | None = None
        self._off = self.every <= 0

    def due(self, step: int, total: int) -> bool:
        return not self._off and (step % self.every == 0 or step == total)

    def _stop(self, reason: str) -> None:
        self._off = True
        self.trainer.reporter.log(_("No FID/KID during this training: {reason}").format(reason=reason))

    def measure(self) -> dict[str, float] | None:
        """{"fid", "kid"} for the trainer's current samples; None when the family or the studio cannot."""
        from studio.engines.common.clip_model import load_clip
        from studio.engines.common import metrics

        t = self.trainer
        fake = t.quality_samples()
        if fake is None:
            self._stop(_("the {family} family has no samples to measure.").format(family=t.family))
            return None
        if self._clip is None:
            try:
                self._clip = load_clip(t.ctx, self.clip_name)
            except ModelError as exc:
                self._stop(str(exc))
                return None
        with torch.no_grad():
            if self._reference is None:
                g = torch.Generator().manual_seed(t.spec.seed)
                n = min(self.samples, len(t.ds))
                idx = torch.randperm(len(t.ds), generator=g)[:n]
                feats = []
                for chunk in idx.split(64):
                    x, _caps = t.ds.batch(chunk, g)
                    feats.append(self._clip.image_features(x.float()).cpu())
                self._reference = torch.cat(feats)
            fake_feats = torch.cat([self._clip.image_features(c.float()).cpu() for c in fake.split(64)])
        if fake_feats.shape[0] < 2 or self._reference.shape[0] < 2:
            self._stop(_("FID and KID need at least two images on each side."))
            return None
        return {"fid": metrics.fid(fake_feats, self._reference), "kid": metrics.kid(fake_feats, self._reference)}
