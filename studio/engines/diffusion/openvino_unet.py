"""The optional OpenVINO backend: an SD1.x/SDXL-class UNet exported once to OpenVINO IR and run in its place on a CPU.

``requirements/openvino.txt`` installs it (openvino + nncf); without it the studio runs as before and a job that
asks for the backend is made with PyTorch, with one log line saying why (:func:`fallback_reason`).

- Export (:func:`export_unet`): ``openvino.convert_model`` of the UNet (dynamic batch and latent size), int8
  weights through ``nncf.compress_weights`` for the ``openvino`` backend (float32 kept for ``openvino_fp32``), saved
  under ``<studio cache>/openvino/<key>`` where the key hashes the model's hash, its UNet config and the precision.
  It is written to a ``.tmp-*`` folder beside it and renamed into place only when complete: a cancel, a full disk
  or a crash leaves nothing that a later job would read.
- Run (:class:`OpenVINOUNet`): a module with the UNet's call signature and output type, set as the pipeline's
  ``unet`` for the job, so schedulers, CFG, previews and callbacks are diffusers' own. Each input shape is
  compiled once (the IR reshaped to static shapes: faster on a CPU than dynamic ones).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.util
import json
import logging
import os
import secrets
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from studio.core.errors import JobCancelled, StudioError
from studio.core.i18n import _
from studio.core.specs.memory_modes import OPENVINO_PRECISION
from studio.core.progress import CancelToken, Reporter, report_load

log = logging.getLogger(__name__)

FOLDER = "openvino"
"""The studio cache's sub-folder of exported UNets."""
IR_NAME = "unet.xml"
DONE_NAME = "export.json"
"""Written last inside the temporary folder: a cache folder without it is never used."""
FAMILIES = ("sd", "sdxl")
"""Families whose UNet the backend runs (UNet2DConditionModel, with SDXL's text_time embedding)."""


class ExportError(StudioError):
    """The export could not be written (one line; the job goes on with PyTorch)."""


def missing_packages(precision: str) -> list[str]:
    """The packages ``precision`` needs that are not installed (openvino; nncf for int8)."""
    wanted = ["openvino"] + (["nncf"] if precision == "int8" else [])
    return [name for name in wanted if importlib.util.find_spec(name) is None]


def fallback_reason(backend: str, facts: dict[str, Any], pipe: Any, device: str, loras: Any = (),
                    controls: Any = (), ip_image: Any = None, size: tuple[int, int] = (0, 0)) -> str | None:
    """Why the job cannot run its UNet on OpenVINO (None when it can); the caller says it in one line."""
    precision = OPENVINO_PRECISION[backend]
    missing = missing_packages(precision)
    if missing:
        return _("{packages} is not installed (pip install -r requirements/openvino.txt)").format(
            packages=" + ".join(missing))
    if not str(device).startswith("cpu"):
        return _("the job runs on {device}; the OpenVINO backend is for CPUs").format(device=device)
    if facts.get("family") not in FAMILIES:
        return _("the {family} family is not supported (SD 1.x/2.x and SDXL UNets are)").format(
            family=facts.get("family") or "?")
    unet = getattr(pipe, "unet", None)
    if unet is None or type(unet).__name__ != "UNet2DConditionModel":
        return _("this model has no UNet2DConditionModel")
    if getattr(unet.config, "time_cond_proj_dim", None):
        return _("its UNet takes a guidance embedding (an LCM-distilled UNet)")
    pixels = 8 * 2 ** (len(unet.config.block_out_channels) - 1)  # the VAE's ×8, then each UNet up-sampling ×2
    if any(side % pixels for side in size):
        # diffusers passes an explicit up-sampling size only then, which the traced graph does not have
        return _("the image's width and height must be multiples of {n} px for this UNet").format(n=pixels)
    if loras:
        return _("LoRAs are active")
    if controls:
        return _("ControlNet is active")
    if ip_image:
        return _("an image prompt (IP-Adapter) is active")
    return None


def _sdxl(unet: Any) -> bool:
    return getattr(unet.config, "addition_embed_type", None) == "text_time"


def export_key(model_id: str, unet: Any, precision: str) -> str:
    """The cache folder's name: the model's identity, the UNet's config, the precision and OpenVINO's version."""
    import openvino

    config = json.dumps(dict(unet.config), sort_keys=True, default=str)
    blob = json.dumps([model_id, config, precision, openvino.__version__])
    return f"unet-{precision}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def model_identity(model_hash: str, path: str | Path) -> str:
    """The model's hash, else its path with each weight file's size and modification time."""
    if model_hash:
        return model_hash
    p = Path(path)
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (
        ".safetensors", ".bin", ".ckpt", ".gguf"))
    return json.dumps([str(p.resolve())] + [(f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in files])


class _Traceable(torch.nn.Module):
    """The UNet with tensor inputs and a tensor output, as ``convert_model`` traces it."""

    def __init__(self, unet: Any) -> None:
        super().__init__()
        self.unet, self.sdxl = unet, _sdxl(unet)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, encoder_hidden_states: torch.Tensor,
                text_embeds: torch.Tensor | None = None, time_ids: torch.Tensor | None = None) -> torch.Tensor:
        added = {"text_embeds": text_embeds, "time_ids": time_ids} if self.sdxl else None
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states, added_cond_kwargs=added,
                         return_dict=False)[0]


def example_inputs(unet: Any, batch: int = 2, side: int = 0) -> dict[str, torch.Tensor]:
    """Inputs to trace the export with: CFG batch 2 and a small latent the UNet's down-samplings halve evenly (the
    IR's batch and sizes stay dynamic; a small trace costs a fraction of a full step)."""
    cfg = unet.config
    size = int(cfg.sample_size if isinstance(cfg.sample_size, int) else cfg.sample_size[0])
    side = side or min(size, 2 ** len(cfg.block_out_channels))
    dim = cfg.cross_attention_dim if isinstance(cfg.cross_attention_dim, int) else cfg.cross_attention_dim[0]
    gen = torch.Generator("cpu").manual_seed(0)
    out = {"sample": torch.randn(batch, cfg.in_channels, side, side, generator=gen),
           "timestep": torch.tensor(999.0),
           "encoder_hidden_states": torch.randn(batch, 77, dim, generator=gen)}
    if _sdxl(unet):
        pooled = cfg.projection_class_embeddings_input_dim - 6 * cfg.addition_time_embed_dim
        out["text_embeds"] = torch.randn(batch, pooled, generator=gen)
        out["time_ids"] = torch.tensor([[side * 8.0, side * 8.0, 0.0, 0.0, side * 8.0, side * 8.0]] * batch)
    return out


def _save_model(model: Any, xml: Path) -> None:
    """Write the IR (xml + bin): its own function so a test can make the disk full here."""
    import openvino

    openvino.save_model(model, str(xml), compress_to_fp16=False)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def cached_export(root: Path, key: str) -> Path | None:
    """The finished export folder for ``key`` (None when there is none: a temporary folder never counts)."""
    folder = root / key
    return folder if (folder / DONE_NAME).is_file() and (folder / IR_NAME).is_file() else None


def export_unet(unet: Any, root: Path, key: str, precision: str, reporter: Reporter, cancel: CancelToken,
                what: str) -> Path:
    """The exported UNet's folder under ``root``: the cached one, else exported now (progress as a load of
    ``what``). Cancelled: JobCancelled; a full disk or failed write: ExportError. Neither leaves a folder that
    :func:`cached_export` would return."""
    done = cached_export(root, key)
    if done is not None:
        return done
    for stale in root.glob(f".tmp-{key}-*"):  # left by a process that was killed mid-export
        _remove(stale)
    total = max(1, sum(p.numel() * p.element_size() for p in unet.parameters()))
    tmp = root / f".tmp-{key}-{secrets.token_hex(4)}"
    started = time.monotonic()

    def phase(fraction: float) -> None:
        if cancel.cancelled:
            raise JobCancelled()
        report_load(reporter, int(total * fraction), total, what)

    try:
        tmp.mkdir(parents=True)
        phase(0.0)
        import openvino

        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the shape checks it bakes in hold here
            model = openvino.convert_model(_Traceable(unet).eval(), example_input=example_inputs(unet))
        phase(0.5)
        if precision == "int8":
            import nncf

            model = nncf.compress_weights(model)  # int8 (asymmetric, per channel) weights of every layer
        phase(0.75)
        _save_model(model, tmp / IR_NAME)
        phase(0.95)
        (tmp / DONE_NAME).write_text(json.dumps({"precision": precision, "openvino": openvino.__version__,
                                                 "seconds": round(time.monotonic() - started, 1)}))
        try:
            os.replace(tmp, root / key)
        except OSError:
            if cached_export(root, key) is None:  # another process's export took the name and is complete
                raise
            _remove(tmp)
    except OSError as exc:
        _remove(tmp)
        if exc.errno == errno.ENOSPC:
            raise ExportError(_("the disk is full: the OpenVINO export of the UNet was not saved (nothing half-"
                                "written is kept)")) from exc
        raise ExportError(_("the OpenVINO export of the UNet could not be written: {error}").format(
            error=exc.strerror or exc)) from exc
    except BaseException:
        _remove(tmp)
        raise
    report_load(reporter, total, total, what)
    return root / key


class OpenVINOUNet(torch.nn.Module):
    """The UNet run by OpenVINO: same call, same output type (``UNet2DConditionOutput`` or a tuple).

    Attributes it does not have (``config``, ``add_embedding``, ``dtype``…) are the torch UNet's. A call it cannot
    serve (ControlNet residuals, a guidance embedding, per-sample timesteps) runs the torch UNet instead."""

    def __init__(self, unet: Any, folder: Path, precision: str, threads: int = 0) -> None:
        super().__init__()
        self.__dict__["torch_unet"] = unet  # not a sub-module: its weights are not this module's
        self.folder, self.precision = Path(folder), precision
        self.threads = threads or torch.get_num_threads()
        self._compiled: dict[tuple, Any] = {}
        import openvino

        self._core = openvino.Core()
        self._model = self._core.read_model(str(self.folder / IR_NAME))  # in memory from now on
        self.torch_calls = 0
        self.cache_bytes = sum(f.stat().st_size for f in self.folder.glob("*.bin"))

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["torch_unet"], name)

    @property
    def device(self) -> torch.device:
        return self.__dict__["torch_unet"].device

    @property
    def dtype(self) -> torch.dtype:
        return self.__dict__["torch_unet"].dtype

    def compiled_for(self, shapes: dict[str, tuple[int, ...]]) -> Any:
        """The IR compiled for these static input shapes (once per shape)."""
        key = tuple(sorted(shapes.items()))
        if key not in self._compiled:
            import openvino

            model = self._model.clone()
            model.reshape({name: openvino.PartialShape(list(shape)) for name, shape in shapes.items()})
            config = {"INFERENCE_NUM_THREADS": self.threads, "PERFORMANCE_HINT": "LATENCY"}
            if self.precision == "fp32":  # no bf16 activations on CPUs that have them: the float32 image
                config["INFERENCE_PRECISION_HINT"] = "f32"
            self._compiled[key] = self._core.compile_model(model, "CPU", config)
        return self._compiled[key]

    def forward(self, sample: torch.Tensor, timestep: Any, encoder_hidden_states: torch.Tensor,
                class_labels: Any = None, timestep_cond: Any = None, attention_mask: Any = None,
                cross_attention_kwargs: Any = None, added_cond_kwargs: dict[str, torch.Tensor] | None = None,
                down_block_additional_residuals: Any = None, mid_block_additional_residual: Any = None,
                down_intrablock_additional_residuals: Any = None, encoder_attention_mask: Any = None,
                return_dict: bool = True) -> Any:
        from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput

        t = torch.as_tensor(timestep, dtype=torch.float32).flatten()
        uniform = t.numel() <= 1 or bool((t == t[0]).all())
        if (not uniform or class_labels is not None or timestep_cond is not None or attention_mask is not None
                or cross_attention_kwargs or down_block_additional_residuals is not None
                or mid_block_additional_residual is not None or down_intrablock_additional_residuals is not None
                or encoder_attention_mask is not None):
            self.torch_calls += 1
            return self.__dict__["torch_unet"](
                sample, timestep, encoder_hidden_states, class_labels=class_labels, timestep_cond=timestep_cond,
                attention_mask=attention_mask, cross_attention_kwargs=cross_attention_kwargs,
                added_cond_kwargs=added_cond_kwargs, down_block_additional_residuals=down_block_additional_residuals,
                mid_block_additional_residual=mid_block_additional_residual,
                down_intrablock_additional_residuals=down_intrablock_additional_residuals,
                encoder_attention_mask=encoder_attention_mask, return_dict=return_dict)
        inputs = {"sample": sample, "timestep": t[0] if t.numel() else t.reshape(()),
                  "encoder_hidden_states": encoder_hidden_states}
        if _sdxl(self.__dict__["torch_unet"]):
            inputs["text_embeds"] = added_cond_kwargs["text_embeds"]
            inputs["time_ids"] = added_cond_kwargs["time_ids"]
        arrays = {k: v.detach().to("cpu", torch.float32).contiguous().numpy() for k, v in inputs.items()}
        compiled = self.compiled_for({k: tuple(a.shape) for k, a in arrays.items()})
        out = torch.from_numpy(compiled(arrays)[0].copy()).to(sample.dtype)
        return UNet2DConditionOutput(sample=out) if return_dict else (out,)


@contextlib.contextmanager
def unet_replaced(pipe: Any, unet: Any) -> Iterator[None]:
    """``pipe`` runs ``unet`` (an :class:`OpenVINOUNet`) for this job only; None leaves it as it is."""
    if unet is None:
        yield
        return
    own = pipe.unet
    pipe.__dict__["unet"] = unet  # not through register_modules: the pipeline's config keeps its own UNet
    try:
        yield
    finally:
        pipe.__dict__["unet"] = own


def openvino_unet(unet: Any, cache_root: Path, model_id: str, backend: str, reporter: Reporter,
                  cancel: CancelToken, what: str, kept: dict[str, Any]) -> OpenVINOUNet:
    """The job's OpenVINO UNet: exported once into ``cache_root`` (with progress), then kept in ``kept`` (the
    cached pipeline's facts: it lives as long as the torch UNet it stands in for)."""
    precision = OPENVINO_PRECISION[backend]
    folder = export_unet(unet, cache_root / FOLDER, export_key(model_id, unet, precision), precision, reporter,
                         cancel, what)
    if str(folder) not in kept:
        kept[str(folder)] = OpenVINOUNet(unet, folder, precision)
    return kept[str(folder)]


def for_job(ctx: Any, backend: str, pipe: Any, facts: dict[str, Any], entry: Any, loras: Any, controls: Any,
            ip_image: Any, size: tuple[int, int], reporter: Reporter, cancel: CancelToken,
            warn: Callable[[str], None]) -> tuple[OpenVINOUNet | None, str]:
    """(the OpenVINO UNet a text-to-image job runs, the backend it runs on): (None, "pytorch") with one line
    saying why when the backend cannot be used or its export fails. JobCancelled when cancelled mid-export."""
    if backend not in OPENVINO_PRECISION:
        return None, "pytorch"
    reason = fallback_reason(backend, facts, pipe, ctx.device, loras, controls, ip_image, size)
    if reason is None:
        from studio.engines.diffusion.loader import model_hash

        precision = OPENVINO_PRECISION[backend]
        what = _("{model} UNet → OpenVINO {precision} (exported once)").format(model=entry.name, precision=precision)
        reporter.progress(0, 0, _("preparing the OpenVINO UNet"))
        try:
            with facts["lock"]:
                unet = openvino_unet(pipe.unet, Path(ctx.paths.cache), model_identity(model_hash(ctx, entry),
                                     entry.path), backend, reporter, cancel, what,
                                     facts.setdefault("openvino", {}))
        except JobCancelled:
            reporter.log(_("The OpenVINO export was cancelled; nothing of it was kept."))
            raise
        except ExportError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - a model OpenVINO cannot convert: the job goes on with PyTorch
            log.exception("OpenVINO export failed")
            reason = _("the export failed ({error})").format(error=f"{type(exc).__name__}: {exc}".splitlines()[0])
        else:
            reporter.log(_("The UNet runs on OpenVINO ({precision} weights) on the CPU.").format(precision=precision))
            return unet, backend
    warn(_("OpenVINO is not used: {reason}; this image is made with PyTorch.").format(reason=reason))
    return None, "pytorch"
