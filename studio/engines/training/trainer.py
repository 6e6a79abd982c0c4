"""The training loop every family shares.

A subclass builds its models and optimizer in ``setup()``, does one optimisation step in
``train_step(step)`` and writes the finished model in ``save_artifact(folder)``. The base class
runs the loop: progress with steps/s (the reporter derives the ETA), loss metrics, sample grids
with fixed noise, atomic checkpoints every N steps, resume, and cooperative cancel that keeps a
checkpoint.

Reproducibility: each step draws its randomness from generators seeded by (seed, step), and the
checkpoint holds weights, optimizer, LR schedule and global RNG states, so a resumed run gives the
same weights as an uninterrupted one (exactly, on the CPU).

accelerate: the trainer owns an ``Accelerator`` (``mixed_precision``, ``grad_accum`` from the family
table). Families ``prepare`` their trained models, optimizers and schedulers, run the forward pass
under ``autocast()``, call ``backward(loss)``, ``clip_grad(...)``, then ``opt.step()`` and
``opt.zero_grad()`` (in that order: with accumulation the prepared optimizer skips both until the
last batch of a step). The loop runs ``grad_accum`` batches per step inside ``accelerator.accumulate``,
steps the LR schedules once per optimizer step and calls ``after_step`` (EMA, evaluation). Launched
on N processes (``accelerate launch`` / ``torchrun``), each process draws its own batches (the
process index is folded into the batch seeds), only the main one reports, samples, writes
checkpoints and the model; the others wait for it, and every process logs a digest of its weights.
"""
from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.models.swap import check_target, new_work_folder, swap_in
from studio.core.names import check_model_name
from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.results import TrainResult
from studio.core.specs.training import TrainSpec
from studio.core.specs.serial import spec_to_dict
from studio.core.models.training_families import COMMON_DEFAULTS
from studio.engines.training.accel import (make_accelerator, resolve_mixed_precision, shard_seed,
                                           weights_digest)
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
    autocast_by_default: bool = True
    """mixed_precision "auto" means bf16 autocast on CUDA for this family (False: full precision, as it always ran)."""

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
        self.grad_accum = int(self.p("grad_accum"))
        self.micro = 0  # which of the step's grad_accum batches is running
        self._accelerator: Any = None
        self._prepared: list[torch.nn.Module] = []
        self.console = reporter  # this process's own reporter (the others' self.reporter stays quiet)
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

    def p(self, key: str) -> Any:
        """Hyper-parameter ``key``: from ``spec.params``, else the family's default (KeyError if unknown)."""
        if key in self.params:
            return self.params[key]
        return self.defaults[key] if key in self.defaults else COMMON_DEFAULTS[key]

    # ---- accelerate ---------------------------------------------------------------------------
    @property
    def accelerator(self) -> Any:
        """The run's ``accelerate.Accelerator`` (made on first use; ``fit`` makes it before ``setup``)."""
        if self._accelerator is None:
            amp = self.params.get("amp", None if self.autocast_by_default else False)
            mp = resolve_mixed_precision(str(self.p("mixed_precision")), self.device, amp)
            acc = make_accelerator(self.device, mp, self.grad_accum)
            if acc.num_processes > 1:  # a launch: each process trains on the device it was given
                self.device = acc.device
                if not acc.is_main_process:
                    self.reporter = NullReporter()  # the main process speaks for all
            self._accelerator = acc
        return self._accelerator

    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    @property
    def distributed(self) -> bool:
        return self.accelerator.num_processes > 1

    def prepare(self, *objs: Any) -> Any:
        """``accelerator.prepare``: trained models (wrapped for DDP under a launch), optimizers, schedulers."""
        out = self.accelerator.prepare(*objs)
        items = out if len(objs) > 1 else (out,)
        self._prepared += [o for o in items if isinstance(o, torch.nn.Module)]
        return out

    def autocast(self) -> AbstractContextManager:
        """The run's mixed-precision autocast (does nothing with mixed_precision no)."""
        return self.accelerator.autocast()

    def backward(self, loss: torch.Tensor) -> None:
        self.accelerator.backward(loss)

    def clip_grad(self, params: Any, max_norm: float) -> torch.Tensor | None:
        """Clip the gradients once they are complete (the step's last batch); their norm, else None."""
        if not self.accelerator.sync_gradients:
            return None
        return self.accelerator.clip_grad_norm_(params, max_norm)

    def unwrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The plain model behind a prepared one (for EMA, sampling and saving)."""
        return self.accelerator.unwrap_model(model)

    def after_step(self, step: int) -> None:
        """Once per optimizer step, after it (and the LR schedules): EMA updates, evaluations."""

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
    @property
    def shard(self) -> int:
        """Which batch of the step this is over all processes (0 for a single process without accumulation)."""
        rank = self._accelerator.process_index if self._accelerator is not None else 0
        return rank * self.grad_accum + self.micro

    def cpu_generator(self, step: int, stream: int = 0) -> torch.Generator:
        return torch.Generator().manual_seed(shard_seed(step_seed(self.spec.seed, step, stream), self.shard))

    def device_generator(self, step: int, stream: int = 1) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(
            shard_seed(step_seed(self.spec.seed, step, stream), self.shard))

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
        """Write the checkpoint (the main process only: the others hold the same weights)."""
        if not self.is_main:
            return self.checkpoint_path
        path = save_checkpoint(self.checkpoint_path, self.state())
        self.reporter.log(_("Checkpoint saved at step {step}: {path}").format(step=self.step, path=path))
        return path

    def load_state(self, st: Mapping[str, Any]) -> None:
        if st.get("family") != self.family:
            raise StudioError(_("The checkpoint is for a {found} model, not {family}.").format(
                found=st.get("family"), family=self.family))
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
        acc = self.accelerator  # before setup: a launched process trains on the device it was given
        main = acc.is_main_process
        torch.manual_seed(self.spec.seed)
        self.setup()
        self._announce()
        resume = self.resume_path()
        if resume is not None:
            self.load_state(load_checkpoint(resume))
            self.reporter.log(_("Resumed from {path} at step {step}.").format(path=resume, step=self.step))
        elif main and self.checkpoint_path.is_file():
            self._keep_earlier_checkpoint()
        total = self.spec.steps
        sums: dict[str, torch.Tensor] = {}
        counts: dict[str, int] = {}
        count = 0
        t0, s0 = time.perf_counter(), self.step
        rate = 0.0
        from studio.engines.training.quality import QualityProbe

        quality = QualityProbe(self)
        while self.step < total:
            stop, cancelled = self.stop_early(), self.cancel.cancelled
            if self.distributed:  # every process must leave the loop at the same step
                stop, cancelled = self._any_process(stop, cancelled)
            if stop:
                break
            if cancelled:
                path = self.save_checkpoint()
                acc.wait_for_everyone()
                return TrainResult(cancelled=True, outputs=(str(path),), checkpoint=str(path), steps=self.step)
            for self.micro in range(self.grad_accum):
                with acc.accumulate(*self._prepared):
                    losses = self.train_step(self.step)
                for k, v in losses.items():
                    if v is not None:
                        sums[k] = sums[k] + v.detach() if k in sums else v.detach().clone()
                        counts[k] = counts.get(k, 0) + 1
            self.micro = 0
            for sched in self.lr_schedulers.values():
                sched.step()
            self.after_step(self.step)
            self.step += 1
            count += 1
            elapsed = time.perf_counter() - t0
            rate = (self.step - s0) / elapsed if elapsed > 0 else 0.0
            self.reporter.progress(self.step, total, _("{rate:.2f} steps/s").format(rate=rate))
            if count >= self.log_every or self.step == total:
                values = {k: float(v) / counts[k] for k, v in sums.items()}
                if self.distributed:
                    values = self._mean_over_processes(values)
                values["steps_per_s"] = rate
                self.reporter.metrics(self.step, values)
                sums, counts, count = {}, {}, 0
            if main and quality.due(self.step, total):
                measured = quality.measure()
                if measured:
                    self.reporter.metrics(self.step, measured)
                self.reporter.progress(self.step, total, _("{rate:.2f} steps/s").format(rate=rate))
            every = self.spec.sample_every
            if main and every and (self.step % every == 0 or self.step == total):
                self._samples(_("{rate:.2f} steps/s").format(rate=rate))
            if self.spec.checkpoint_every and self.step % self.spec.checkpoint_every == 0 and self.step < total:
                self.save_checkpoint()
        ckpt = self.save_checkpoint()
        if self.distributed:
            self.console.log(_("Process {rank} of {n}: weights sha256 {digest}").format(
                rank=acc.process_index, n=acc.num_processes, digest=weights_digest(self.modules)))
        if not main:  # the main process writes the model; the others wait for it
            acc.wait_for_everyone()
            return TrainResult(model=self.spec.out, checkpoint=str(ckpt), steps=self.step, steps_per_s=round(rate, 3))
        folder = self.write_artifact()
        acc.wait_for_everyone()
        return TrainResult(outputs=(str(folder),), model=self.spec.out, folder=str(folder), checkpoint=str(ckpt), steps=self.step,
                           steps_per_s=round(rate, 3))

    def _announce(self) -> None:
        """One log line when the run is not a plain single-process, full-precision one."""
        acc = self.accelerator
        if acc.num_processes > 1 or acc.mixed_precision != "no" or self.grad_accum > 1:
            self.reporter.log(_("accelerate: {n} process(es) on {device}, mixed precision {mp}, gradient "
                                "accumulation {k} (effective batch {batch}).").format(
                n=acc.num_processes, device=self.device, mp=acc.mixed_precision, k=self.grad_accum,
                batch=self.spec.batch * self.grad_accum * acc.num_processes))

    def _any_process(self, *flags: bool) -> list[bool]:
        """Each flag, true when it is true on any process (one small all-reduce)."""
        t = torch.tensor([float(f) for f in flags], device=self.device)
        return [bool(v > 0) for v in self.accelerator.reduce(t, "sum").tolist()]

    def _mean_over_processes(self, values: dict[str, float]) -> dict[str, float]:
        keys = sorted(values)
        t = torch.tensor([values[k] for k in keys], device=self.device, dtype=torch.float64 if
                         self.device.type == "cpu" else torch.float32)
        return dict(zip(keys, self.accelerator.reduce(t, "mean").tolist()))

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
            self.reporter.progress(i + 1, steps, _("sample grid"))
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
