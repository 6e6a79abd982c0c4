"""The training loop every family shares.

A subclass builds its models and optimizer in ``setup()``, does one optimisation step in
``train_step(step)`` and writes the finished model in ``save_artifact(folder)``. The base class
runs the loop: progress with steps/s (the reporter derives the ETA), loss metrics, sample grids
with fixed noise, atomic checkpoints every N steps, resume, and cooperative cancel that keeps a
checkpoint.

Reproducibility: each step draws its randomness from generators seeded by (seed, step), and the
checkpoint holds weights, optimizer, LR schedule and global RNG states, so a resumed run gives the
same weights as an uninterrupted one (exactly, on the CPU).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.model_swap import check_target, new_work_folder, swap_in
from studio.core.names import check_model_name
from studio.core.progress import CancelToken, Reporter
from studio.core.results import TrainResult
from studio.core.specs import TrainSpec, spec_to_dict
from studio.engines.training.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint

MODEL_CARD_FILE = "studio_model.json"


def step_seed(seed: int, step: int, stream: int = 0) -> int:
    """A distinct 63-bit seed per (run seed, step, stream)."""
    return (seed * 1_000_003 + step * 7_919 + stream * 104_729 + 12_345) % (2**63 - 1)


class Trainer:
    """Base of all family trainers (see module doc)."""

    family: str = ""
    model_type: str = ""  # studio_model.json "type": gan, vae, ddpm, studio_pipeline
    defaults: Mapping[str, Any] = {}
    """The family's hyper-parameters and their values when ``spec.params`` does not give them."""

    def __init__(self, spec: TrainSpec, reporter: Reporter, cancel: CancelToken, ctx: Any,
                 device: str | None = None, out_dir: Path | None = None) -> None:
        self.spec = spec
        self.params: Mapping[str, Any] = dict(spec.params or {})
        self.reporter = reporter
        self.cancel = cancel
        self.ctx = ctx
        self.device = torch.device(device or self.params.get("device") or getattr(ctx, "device", "cpu") or "cpu")
        self.work_dir = Path(ctx.paths.training) / spec.out
        # The model's place comes from its checked name; only tools in this repo pass another folder.
        self.custom_out_dir = Path(out_dir) if out_dir is not None else None
        self.out_dir = self.custom_out_dir if self.custom_out_dir is not None else Path(ctx.paths.models) / check_model_name(spec.out)
        self.step = 0
        self.modules: dict[str, torch.nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.lr_schedulers: dict[str, Any] = {}
        self.log_every = int(self.params.get("log_every", 10))
        use_amp = self.params.get("amp", self.device.type == "cuda")
        self.amp_dtype = torch.bfloat16 if (use_amp and self.device.type == "cuda") else None
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

    def p(self, key: str) -> Any:
        """Hyper-parameter ``key``: from ``spec.params``, else the family's default (KeyError if unknown)."""
        return self.params.get(key, self.defaults[key])

    # ---- what a family provides -------------------------------------------------------------
    def setup(self) -> None:
        """Build models, optimizers and LR schedulers (fill self.modules / optimizers / lr_schedulers)."""
        raise NotImplementedError

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        """One optimisation step; returns detached scalar losses (kept on the device until logged)."""
        raise NotImplementedError

    def sample(self):
        """A PIL grid from fixed noise/prompts (for the live preview); None when not supported."""
        return None

    def quality_samples(self) -> torch.Tensor | None:
        """Images in [-1, 1] (N, C, H, W) that FID/KID measure (``fid_every``); None: not for this family."""
        return None

    def save_artifact(self, folder: Path) -> None:
        """Write the finished model into ``folder`` (empty, will be renamed into place)."""
        raise NotImplementedError

    def stop_early(self) -> bool:
        """True when the family has seen enough (e.g. validation stopped improving): the run ends now."""
        return False

    def model_card(self) -> dict[str, Any]:
        return {"type": self.model_type, "name": self.spec.out, "family": self.family,
                "trained_steps": self.step, "dataset": self.spec.data, "license": "user-trained"}

    # ---- randomness ---------------------------------------------------------------------------
    def cpu_generator(self, step: int, stream: int = 0) -> torch.Generator:
        return torch.Generator().manual_seed(step_seed(self.spec.seed, step, stream))

    def device_generator(self, step: int, stream: int = 1) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(step_seed(self.spec.seed, step, stream))

    # ---- checkpoints --------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.work_dir / CHECKPOINT_NAME

    def state(self) -> dict[str, Any]:
        st: dict[str, Any] = {
            "step": self.step, "family": self.family, "spec": json.dumps(spec_to_dict(self.spec), default=str),
            "modules": {k: m.state_dict() for k, m in self.modules.items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "lr_schedulers": {k: s.state_dict() for k, s in self.lr_schedulers.items()},
            "rng_cpu": torch.get_rng_state(),
        }
        if self.device.type == "cuda":
            st["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        return st

    def save_checkpoint(self) -> Path:
        path = save_checkpoint(self.checkpoint_path, self.state())
        self.reporter.log(f"Checkpoint saved at step {self.step}: {path}")
        return path

    def load_state(self, st: Mapping[str, Any]) -> None:
        if st.get("family") != self.family:
            raise StudioError(f"The checkpoint is for a {st.get('family')} model, not {self.family}.")
        for k, m in self.modules.items():
            m.load_state_dict(st["modules"][k])
        for k, o in self.optimizers.items():
            o.load_state_dict(st["optimizers"][k])
        for k, s in self.lr_schedulers.items():
            s.load_state_dict(st["lr_schedulers"][k])
        torch.set_rng_state(st["rng_cpu"])
        if self.device.type == "cuda" and "rng_cuda" in st:
            torch.cuda.set_rng_state(st["rng_cuda"], self.device)
        self.step = int(st["step"])

    def _keep_earlier_checkpoint(self) -> Path:
        """A new run of a name whose earlier run left a checkpoint: rename that checkpoint (never
        overwrite another run's progress) to ``checkpoint-step<N>-<time>.safetensors`` beside it."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.checkpoint_path.with_name(f"{self.checkpoint_path.stem}-earlier-{stamp}{self.checkpoint_path.suffix}")
        n = 1
        while kept.exists():
            n += 1
            kept = kept.with_name(f"{self.checkpoint_path.stem}-earlier-{stamp}-{n}{self.checkpoint_path.suffix}")
        self.checkpoint_path.rename(kept)
        self.reporter.log(_("A new run of {name}: the earlier run's checkpoint was kept as {kept}.").format(
            name=self.spec.out, kept=kept.name))
        return kept

    def resume_path(self) -> Path | None:
        r = self.spec.resume
        if not r:
            return None
        if r in ("last", "auto"):
            return self.checkpoint_path if self.checkpoint_path.is_file() else None
        p = Path(r).expanduser()
        if not p.exists():
            p = Path(self.ctx.paths.training) / r
        return p

    # ---- the loop -----------------------------------------------------------------------------
    def targets(self) -> list[Path]:
        """Where the finished model will go (checked before training: an existing model needs overwrite)."""
        return [self.out_dir]

    def fit(self) -> TrainResult:
        """Train to ``spec.steps``; returns the artifact folder (or the checkpoint when cancelled)."""
        for target in self.targets():
            check_target(target, self.spec.overwrite)
        torch.manual_seed(self.spec.seed)
        self.setup()
        resume = self.resume_path()
        if resume is not None:
            self.load_state(load_checkpoint(resume))
            self.reporter.log(f"Resumed from {resume} at step {self.step}.")
        elif self.checkpoint_path.is_file():
            self._keep_earlier_checkpoint()
        total = self.spec.steps
        sums: dict[str, torch.Tensor] = {}
        count = 0
        t0, s0 = time.perf_counter(), self.step
        rate = 0.0
        from studio.engines.training.quality import QualityProbe

        quality = QualityProbe(self)
        while self.step < total and not self.stop_early():
            if self.cancel.cancelled:
                path = self.save_checkpoint()
                return TrainResult(cancelled=True, outputs=(str(path),), checkpoint=str(path), steps=self.step)
            losses = self.train_step(self.step)
            self.step += 1
            for k, v in losses.items():
                sums[k] = sums[k] + v.detach() if k in sums else v.detach().clone()
            count += 1
            elapsed = time.perf_counter() - t0
            rate = (self.step - s0) / elapsed if elapsed > 0 else 0.0
            self.reporter.progress(self.step, total, f"{rate:.2f} steps/s")
            if count >= self.log_every or self.step == total:
                values = {k: float(v) / count for k, v in sums.items()}
                values["steps_per_s"] = rate
                self.reporter.metrics(self.step, values)
                sums, count = {}, 0
            if quality.due(self.step, total):
                measured = quality.measure()
                if measured:
                    self.reporter.metrics(self.step, measured)
                self.reporter.progress(self.step, total, f"{rate:.2f} steps/s")
            every = self.spec.sample_every
            if every and (self.step % every == 0 or self.step == total):
                self._samples(f"{rate:.2f} steps/s")
            if self.spec.checkpoint_every and self.step % self.spec.checkpoint_every == 0 and self.step < total:
                self.save_checkpoint()
        ckpt = self.save_checkpoint()
        folder = self.write_artifact()
        return TrainResult(outputs=(str(folder),), model=self.spec.out, folder=str(folder), checkpoint=str(ckpt), steps=self.step,
                           steps_per_s=round(rate, 3))

    def _samples(self, rate: str = "") -> None:
        """Show (and with params save_samples, save under the run's samples/ folder) a sample grid."""
        show, save = self.reporter.wants_preview(), bool(self.params.get("save_samples"))
        if not (show or save):
            return
        grid = self.sample()
        # Back from the grid's own progress phase to the training step (the grid belongs to this step).
        self.reporter.progress(self.step, self.spec.steps, rate)
        if grid is None or self.cancel.cancelled:  # a grid cut short is noise: not shown
            return
        if show:
            self.reporter.preview(grid)
        if save:
            folder = self.work_dir / "samples"
            folder.mkdir(parents=True, exist_ok=True)
            grid.save(folder / f"step-{self.step:07d}.png")

    def sample_callback(self, steps: int) -> Callable[..., dict[str, Any]]:
        """A pipeline step callback for sample grids: the grid is its own progress phase ("sample grid
        n/steps", not a training step stuck at its end), and cancelling stops it at the next step."""
        def on_step(pipe: Any, i: int, _t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
            self.reporter.progress(i + 1, steps, "sample grid")
            if self.cancel.cancelled:
                pipe._interrupt = True  # diffusers' cooperative stop, checked before the next step
            return kwargs
        return on_step

    def write_artifact(self) -> Path:
        """Save into a fresh hidden folder beside the target, then swap it in (never a half-written model)."""
        tmp = new_work_folder(self.out_dir)
        self.save_artifact(tmp)
        atomic_write_text(tmp / MODEL_CARD_FILE, json.dumps(self.model_card(), indent=2) + "\n")
        return self.placed(swap_in(tmp, self.out_dir, self.spec.overwrite), self.out_dir)

    def placed(self, path: Path, intended: Path) -> Path:
        """``path``, after telling the user when a name taken meanwhile sent the model elsewhere."""
        if path != intended:
            self.reporter.log(_("A model named {name!r} appeared during training; this one was saved as "
                                "{other!r}.").format(name=intended.name, other=path.name))
        return path
