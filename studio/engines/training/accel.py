"""What the shared trainer needs from ``accelerate``: the Accelerator of a run, and the small pieces
around it (is this a multi-process launch, a reporter for the processes that must stay quiet, a
digest of the trained weights that every process logs so a launch can be checked for agreement).

One training runs in one process (the engine host or the CLI), or in N processes started by
``accelerate launch`` / ``torchrun`` (their environment says so: ``WORLD_SIZE``). accelerate keeps
its state in process-wide singletons; a single-process run resets them first, so the next training
in the same engine host may choose another device or mixed precision.
"""
from __future__ import annotations

import hashlib
from typing import Any, Mapping

import torch

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.launch import world_size


def launched_distributed() -> bool:
    """True inside a multi-process launch (torchrun / accelerate launch set WORLD_SIZE for each process)."""
    return world_size() > 1


def resolve_mixed_precision(choice: str, device: torch.device, amp: Any = None) -> str:
    """accelerate's mixed_precision for the studio's ``choice`` (auto: bf16 on CUDA, else no)."""
    if choice == "auto":
        wanted = device.type == "cuda" if amp is None else bool(amp)
        return "bf16" if wanted and device.type == "cuda" else "no"
    if choice == "fp16" and device.type != "cuda":
        raise StudioError(_("Mixed precision fp16 needs a CUDA GPU (this run is on {device}); use bf16 or no.").format(
            device=device.type))
    return choice


def make_accelerator(device: torch.device, mixed_precision: str, grad_accum: int):
    """An Accelerator for one run. Placement stays with the trainer (it puts models on its device)."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    if not launched_distributed():  # a fresh state per run (the process group of a launch is kept)
        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()
    try:
        return Accelerator(mixed_precision=mixed_precision, gradient_accumulation_steps=grad_accum,
                           cpu=device.type == "cpu", device_placement=False,
                           # the studio steps its LR schedules once per optimizer step, on every process
                           step_scheduler_with_optimizer=False)
    except (ValueError, RuntimeError) as exc:
        raise StudioError(_("accelerate cannot start this training: {reason}").format(reason=exc)) from exc


def shard_seed(seed: int, shard: int) -> int:
    """``seed`` for shard 0 (a single process, no accumulation: the old seeds); a distinct seed per other shard."""
    if shard == 0:
        return seed
    return (seed * 6364136223846793005 + shard * 1442695040888963407) % (2**63 - 1)


def weights_digest(modules: Mapping[str, Any]) -> str:
    """SHA-256 over the modules' parameters (names, dtypes, shapes, values), in a fixed order.

    Buffers are left out: batch-norm running statistics follow each process's own batches (the main
    process's are the ones saved), while the parameters are the same everywhere after each step.
    """
    h = hashlib.sha256()
    for name in sorted(modules):
        m = modules[name]
        state = dict(m.named_parameters()) if isinstance(m, torch.nn.Module) else m.state_dict()
        for key in sorted(state):
            t = state[key].detach().cpu().contiguous()
            h.update(f"{name}.{key}:{t.dtype}:{tuple(t.shape)}".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()
