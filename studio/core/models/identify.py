"""Identify a model by inspecting its files (never by its name), in pure Python.

Folders: the studio's own models (``studio_model.json``), diffusers pipelines
(``model_index.json``), transformers causal LMs, standalone diffusers VAE/TAESD folders and
peft adapters. Files: ``.safetensors`` (header keys, ``studio.core.models.keypatterns``), GGUF
(metadata), and pickles (``.ckpt``/``.pt``/``.pth``/``.bin``: keys read from the opcodes,
never unpickled, always marked ``unsafe``). Anything else is listed as unknown with the
reason; nothing read here can raise out of ``identify_path``.
"""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from studio.core.models.families import GGUF_FAMILY, IMAGE_GGUF_ARCHS, PIPELINE_FAMILY
from studio.core.models.gguf_header import GGUF_MAGIC, GGUFError, read_gguf
from studio.core.i18n import N_, _
from studio.core.models.keypatterns import classify, family_for_dim, summarise_keys
from studio.core.models.pickle_scan import PICKLE_SUFFIXES, scan_pickle
from studio.core.models.registry import ModelEntry
from studio.core.models.safetensors_header import SafetensorsError, read_header

MAX_SIZE_FILES = 10_000
"""Files summed for one folder's size (beyond: the size shown is a lower bound)."""
PICKLE_RISK = N_("pickle format: loading it can run arbitrary code. Convert it to safetensors first "
                  "(converting reads only the tensors, never runs code).")
"""Why a pickle is 'unsafe' (marked for the catalogue; shown with ``_()``)."""
STUDIO_TYPES = {"gan": "gan", "vae": "studio_vae", "ddpm": "studio_ddpm", "studio_pipeline": "studio_pipeline",
                "text_lora": "text_lora", "clip": "clip", "masked_lm": "masked_lm", "text_classifier": "text_classifier"}
CAPTIONER_MODEL_TYPES = ("blip", "git", "florence2", "vision-encoder-decoder")
"""transformers image-to-text models that caption an image (``studio.engines.clip.caption``)."""
CLIP_TOKENIZER_FILES = (("vocab.json", "merges.txt"), ("tokenizer.json",))
"""A CLIP folder needs one of these sets of tokenizer files."""
META_KEEP = 2000  # characters kept per metadata value (kohya tag lists can be huge)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = counted = 0
    for root, _dirs, files in os.walk(path, followlinks=False):
        counted += len(files)
        if counted > MAX_SIZE_FILES:  # a huge folder that is no model: stop adding up
            break
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def _entry(base: dict, **kw: Any) -> ModelEntry:
    return ModelEntry(**{**base, **kw})


def identify_path(path: Path, source: str) -> ModelEntry:
    """A ModelEntry for one file or folder; status 'unknown' or 'broken' with a reason when unusable.

    Few-step models and LoRAs (LCM, Turbo, …) also get the settings they recommend (``studio.core.models.few_step``)."""
    from studio.core.models.few_step import annotate

    return annotate(_identify_path(Path(path), source))


def _identify_path(path: Path, source: str) -> ModelEntry:
    path = Path(path)
    name = path.name if path.is_dir() else path.stem
    base: dict[str, Any] = dict(name=name, path=str(path), source=source)
    try:
        if path.is_dir():
            return _identify_folder(path, base)
        if not path.exists():
            return _entry(base, type="unknown", status="broken", reason=_("the file does not exist (broken link?)"))
        return _identify_file(path, base)
    except PermissionError:
        return _entry(base, type="unknown", status="broken", reason=_("cannot be read: permission denied"))
    except FileNotFoundError:
        return _entry(base, type="unknown", status="broken", reason=_("it disappeared while being read"))
    except OSError as exc:
        return _entry(base, type="unknown", status="broken",
                      reason=_("cannot read: {reason}").format(reason=exc.strerror or exc))
    except (ValueError, KeyError, TypeError, IndexError, UnicodeError, RecursionError) as exc:
        return _entry(base, type="unknown", status="broken", reason=_("unreadable: {exc}").format(exc=exc))


# ----------------------------------------------------------------------------------------- files

def _identify_file(path: Path, base: dict) -> ModelEntry:
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):  # a device, FIFO or socket: opening it could block forever
        return _entry(base, type="unknown", status="unknown", reason=_("not a regular file (device, pipe or socket)"))
    size = st.st_size
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == GGUF_MAGIC or suffix == ".gguf":
        return _gguf(path, base, size)
    if suffix == ".safetensors":
        return _safetensors(path, base, size)
    if suffix in PICKLE_SUFFIXES:
        return _pickle(path, base, size)
    if size == 0:
        return _entry(base, type="unknown", status="unknown", reason=_("empty file"), size=0)
    return _entry(base, type="unknown", status="unknown", reason=_("not a model file ({suffix})").format(
        suffix=suffix or _("no extension")), size=size)


def _gguf(path: Path, base: dict, size: int) -> ModelEntry:
    try:
        info = read_gguf(path)
    except GGUFError as exc:
        return _entry(base, type="gguf", status="broken", reason=str(exc), size=size)
    details = {"architecture": info.architecture, "gguf_version": info.version, "tensors": info.tensor_count}
    for key, label in (("general.name", "title"), ("general.license", "license"), ("general.file_type", "quantization"),
                       ("general.size_label", "size_label"), ("general.basename", "basename")):
        if key in info.metadata:
            details[label] = info.file_type if label == "quantization" else info.metadata[key]
    if info.context_length:
        details["context_length"] = info.context_length
    details["format"] = "gguf"
    if info.architecture in GGUF_FAMILY:  # a quantised image transformer (city96-style), run by the image engine
        details["part"] = "transformer"
        return _entry(base, type="sd_single_file", family=GGUF_FAMILY[info.architecture], size=size, details=details)
    if info.architecture in IMAGE_GGUF_ARCHS:
        return _entry(base, type="unknown", status="unknown", family=info.architecture, size=size, details=details,
                      reason=_("a quantised {arch} transformer: the studio runs GGUF transformers of {known}").format(
                          arch=info.architecture, known=", ".join(sorted(GGUF_FAMILY))))
    return _entry(base, type="gguf", family=info.architecture, size=size, details=details)


def _kohya_details(meta: dict[str, str]) -> dict[str, Any]:
    """Training metadata written by kohya/sd-scripts and modelspec, in readable form."""
    out: dict[str, Any] = {}
    for key, label in (("ss_sd_model_name", "base_model"), ("ss_base_model_version", "base_model_version"),
                       ("ss_output_name", "output_name"), ("modelspec.title", "title"),
                       ("modelspec.architecture", "architecture"), ("modelspec.license", "license"),
                       ("modelspec.trigger_phrase", "trigger_words"), ("ss_network_dim", "network_dim"),
                       ("ss_network_alpha", "network_alpha")):
        if meta.get(key):
            out[label] = meta[key]
    freq = meta.get("ss_tag_frequency")
    if freq:
        try:
            counts: dict[str, int] = {}
            for tags in json.loads(freq).values():
                for tag, n in tags.items():
                    counts[tag.strip()] = counts.get(tag.strip(), 0) + int(n)
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:15]
            out["dataset_tags"] = [t for t, _ in top]
            if "trigger_words" not in out and top:
                out["trigger_words"] = top[0][0]
        except (ValueError, AttributeError, TypeError):
            pass
    return out


def _safetensors(path: Path, base: dict, size: int) -> ModelEntry:
    try:
        header = read_header(path)
    except SafetensorsError as exc:
        return _entry(base, type="unknown", status="broken",
                      reason=_("corrupt safetensors: {exc}").format(exc=exc), size=size)
    details: dict[str, Any] = {"format": "safetensors", "tensors": len(header.tensors),
                               "parameters": header.parameter_count(), "dtype": header.main_dtype()}
    if header.metadata:
        details["metadata"] = {k: (v if len(v) <= META_KEEP else v[:META_KEEP] + "…") for k, v in header.metadata.items()}
        details.update(_kohya_details(header.metadata))
    shapes = {k: t.shape for k, t in header.tensors.items()}
    kc = classify(shapes)
    if kc is None:
        return _entry(base, type="unknown", status="unknown", size=size, details=details,
                      reason=_unknown_reason(list(shapes)))
    details.update(kc.details)
    if kc.type == "ip_adapter":
        return _ip_adapter_file(path, base, size, details, kc.family)
    if kc.type == "controlnet" and path.with_suffix(".config").is_dir():  # the architecture of a custom one
        details["config"] = str(path.with_suffix(".config"))
    return _entry(base, type=kc.type, family=kc.family, size=size, details=details,
                  status="broken" if kc.problem else "ok", reason=kc.problem)


IMAGE_ENCODER_DIR = "image_encoder"
"""Where an IP-Adapter's CLIP image encoder lives: beside the file, or one folder up (h94/IP-Adapter layout)."""


def image_encoder_for(path: Path) -> Path | None:
    """The image encoder folder an IP-Adapter file uses (a CLIP vision model with its config), or None."""
    for folder in (path.parent / IMAGE_ENCODER_DIR, path.parent.parent / IMAGE_ENCODER_DIR):
        if (folder / "config.json").is_file():
            return folder
    return None


def _ip_adapter_file(path: Path, base: dict, size: int, details: dict, family: str) -> ModelEntry:
    encoder = image_encoder_for(path)
    if encoder is None:
        return _entry(base, type="ip_adapter", family=family, size=size, details=details, status="broken",
                      reason=_("no image encoder: put its CLIP vision folder (image_encoder/) beside the file"))
    return _entry(base, type="ip_adapter", family=family, size=size,
                  details={**details, "image_encoder": str(encoder)})


def _unknown_reason(keys: list[str]) -> str:
    if any(k.startswith(("down_blocks.", "mid_block.", "conv_in.")) for k in keys):
        return _("a single diffusers component (weights without its pipeline folder); import the whole folder")
    if any(k.startswith(("model.layers.", "transformer.h.", "model.embed_tokens.")) for k in keys):
        return _("transformers weights without their config.json; import the whole model folder")
    return _("no known key pattern ({keys})").format(keys=summarise_keys(keys))


def _pickle(path: Path, base: dict, size: int) -> ModelEntry:
    scan = scan_pickle(path)
    details: dict[str, Any] = {"format": "pickle", "pickle_globals": list(scan.globals[:50])}
    if scan.dangerous:
        details["dangerous"] = list(scan.dangerous[:3])  # what the window checks (the reason is translated)
        return _entry(base, type="unknown", status="unsafe", size=size, details=details,
                      reason=_("DANGEROUS: loading it would run code ({imports}). Delete it.").format(
                          imports=", ".join(scan.dangerous[:3])))
    kc = classify(dict.fromkeys(scan.keys)) if scan.keys else None
    if scan.unusual:
        details["unusual_globals"] = list(scan.unusual[:20])
    typ, family = (kc.type, kc.family) if kc else ("unknown", "")
    if kc:
        details.update(kc.details)
    why = _(PICKLE_RISK) if kc else _("{risk} Its contents are not recognised ({reason}).").format(
        risk=_(PICKLE_RISK), reason=scan.error or summarise_keys(scan.keys))
    return _entry(base, type=typ, family=family, status="unsafe", reason=why, size=size, details=details)


# --------------------------------------------------------------------------------------- folders

def _read_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(_("{name} is not a JSON object").format(name=path.name))
    return data


def _readme_license(folder: Path) -> str:
    readme = folder / "README.md"
    try:
        head = readme.read_text(encoding="utf-8", errors="replace")[:4000] if readme.is_file() else ""
    except OSError:
        return ""
    m = re.search(r"^license:\s*(\S+)", head, re.M) if head.startswith("---") else None
    return m.group(1) if m else ""


def _weights_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """(safetensors files, pickle files) directly in ``folder``."""
    files = [p for p in folder.iterdir() if p.is_file()]
    safe = [p for p in files if p.suffix == ".safetensors" or p.name.endswith(".safetensors.index.json")]
    pick = [p for p in files if p.suffix in (".bin", ".pt", ".pth", ".ckpt")]
    return safe, pick


def _identify_folder(path: Path, base: dict) -> ModelEntry:
    entry = _identify_folder_kind(path, base)
    record = path / ".studio_source.json"  # written by the downloader: where the files came from
    if record.is_file():
        try:
            src = _read_json(record)
            extra = {k: src[k] for k in ("repo_id", "revision", "requested_revision") if src.get(k)}
            entry = _entry(entry.__dict__, details={**entry.details, **extra})
        except ValueError:
            pass
    return entry


def _identify_folder_kind(path: Path, base: dict) -> ModelEntry:
    studio = path / "studio_model.json"
    if studio.is_file():
        return _studio_folder(path, base, studio)
    if (path / "model_index.json").is_file():
        return _diffusers_folder(path, base)
    if (path / "adapter_config.json").is_file():
        return _peft_folder(path, base)
    if (path / "config.json").is_file():
        return _config_folder(path, base)
    try:
        has_any = any(True for _ in path.iterdir())
    except OSError as exc:
        return _entry(base, type="unknown", status="broken",
                      reason=_("cannot list the folder: {reason}").format(reason=exc.strerror or exc))
    if not has_any:
        return _entry(base, type="unknown", status="unknown", reason=_("empty folder"), size=0)
    return _entry(base, type="folder", status="unknown",
                  reason=_("a folder without a model description (scanned inside)"),
                  size=0)


def _studio_folder(path: Path, base: dict, studio: Path) -> ModelEntry:
    try:
        meta = _read_json(studio)
    except ValueError as exc:
        return _entry(base, type="unknown", status="broken",
                      reason=_("studio_model.json is not valid JSON ({exc})").format(exc=exc))
    kind = str(meta.get("type", ""))
    typ = STUDIO_TYPES.get(kind)
    details = {k: v for k, v in meta.items() if isinstance(v, (str, int, float, bool))}
    if isinstance(meta.get("recommended"), dict):  # generation settings the model ships (UI/selftest read them)
        details["recommended"] = {k: v for k, v in meta["recommended"].items() if isinstance(v, (str, int, float))}
    if isinstance(meta.get("vocabulary"), dict):  # the words its captions taught (studio.core.models.vocabulary)
        details["vocabulary"] = {k: [str(w) for w in v] if isinstance(v, list)
                                 else {str(a): str(b) for a, b in v.items()} if isinstance(v, dict) else str(v)
                                 for k, v in meta["vocabulary"].items() if isinstance(v, (list, str, dict))}
    if meta.get("name"):
        details["title"] = str(meta["name"])
    if typ is None:
        return _entry(base, type="unknown", status="unknown", details=details,
                      reason=_("studio_model.json names an unknown type {kind!r}").format(kind=kind))
    if (path / "model_index.json").is_file():
        inner = _diffusers_folder(path, base)
        if inner.status != "ok":
            return _entry(base, type=typ, family="studio", status=inner.status, reason=inner.reason,
                          size=inner.size, details={**inner.details, **details})
        details = {**inner.details, **details}
    if typ == "clip":
        return _clip_folder(path, base, details)
    safe, pick = _weights_in(path)
    nested = list(path.rglob("*.safetensors"))
    if not safe and not nested:
        status, reason = (("unsafe", _(PICKLE_RISK)) if pick
                          else ("broken", _("no weights file (.safetensors) in the folder")))
        return _entry(base, type=typ, family="studio", status=status, reason=reason, size=_size(path), details=details)
    return _entry(base, type=typ, family="studio", size=_size(path), details=details)


def _component_problem(folder: Path, lib: str) -> str:
    """Why a pipeline component folder cannot be loaded ('' when fine)."""
    if not folder.is_dir():
        return N_("missing")  # a key of problems; shown with _()
    names = [p.name for p in folder.iterdir()]
    if not names:
        return N_("empty")
    configs = [n for n in names if n.endswith(".json") or n.endswith(".txt") or n.endswith(".model")]
    if not configs:
        return N_("no config")
    if lib in ("diffusers", "transformers") and "config.json" in names:
        safe, pick = _weights_in(folder)
        if not safe and pick:
            return N_("pickle weights only")
        if not safe and not pick:
            return N_("no weights")
    return ""


def _diffusers_folder(path: Path, base: dict) -> ModelEntry:
    try:
        data = _read_json(path / "model_index.json")
    except ValueError as exc:
        return _entry(base, type="diffusers", status="broken",
                      reason=_("model_index.json is not valid JSON ({exc})").format(exc=exc))
    cls = str(data.get("_class_name", ""))
    details: dict[str, Any] = {"class": cls}
    family, cross = "other", None
    unet_cfg = path / "unet" / "config.json"
    if unet_cfg.is_file():
        try:
            unet = _read_json(unet_cfg)
            cross = unet.get("cross_attention_dim")
            cross = cross[0] if isinstance(cross, list) else cross
            details["cross_attention_dim"] = cross
            if unet.get("in_channels") == INPAINT_CHANNELS:  # latents + mask + masked image: an inpainting UNet
                details.update(in_channels=INPAINT_CHANNELS, variant="inpainting")
        except ValueError:
            pass
    sched_cfg = path / "scheduler" / "scheduler_config.json"
    if sched_cfg.is_file():  # decides which samplers suit the model (studio.core.models.caps)
        try:
            details["beta_schedule"] = str(_read_json(sched_cfg).get("beta_schedule", ""))
        except ValueError:
            pass
    if cls in PIPELINE_FAMILY:  # the capability table names the 2024–26 families by pipeline class
        family = PIPELINE_FAMILY[cls]
    elif "XL" in cls and "Refiner" not in cls:
        family = "sdxl"
    elif cls.startswith("StableDiffusion") and isinstance(cross, int):
        # a known width names the family; other widths (small custom/test models) are SD-shaped
        family = family_for_dim(cross) if family_for_dim(cross) != "other" else "sd"
    elif cls.startswith("Studio"):
        family = "studio"
    problems: dict[str, list[str]] = {}
    params = 0
    for comp, spec in data.items():
        if comp.startswith("_") or not isinstance(spec, list) or len(spec) != 2 or spec[0] is None:
            continue
        problem = _component_problem(path / comp, str(spec[0]))
        if problem:
            problems.setdefault(problem, []).append(comp)
        else:
            params += _folder_params(path / comp)
    if params:
        details["parameters"] = params
    lic = _readme_license(path)
    if lic:
        details["license"] = lic
    typ = "studio_pipeline" if family == "studio" else "diffusers"
    size = _size(path)
    if problems:
        pickles = problems.pop("pickle weights only", None)
        if problems:
            reason = "; ".join(_("components {kind}: {names}").format(kind=_(kind), names=", ".join(c))
                               for kind, c in problems.items())
            return _entry(base, type=typ, family=family, status="broken", reason=reason, size=size, details=details)
        if pickles:
            return _entry(base, type=typ, family=family, status="unsafe", size=size, details=details,
                          reason=_("{names}: {risk}").format(names=", ".join(pickles), risk=_(PICKLE_RISK)))
    return _entry(base, type=typ, family=family, size=size, details=details)


def _folder_params(folder: Path) -> int:
    """Parameter count from the safetensors headers in ``folder`` (cheap: headers only)."""
    total = 0
    for f in folder.glob("*.safetensors"):
        try:
            total += read_header(f, validate=False).parameter_count()
        except (SafetensorsError, OSError):
            pass
    return total


def _config_folder(path: Path, base: dict) -> ModelEntry:
    try:
        data = _read_json(path / "config.json")
    except ValueError as exc:
        return _entry(base, type="unknown", status="broken",
                      reason=_("config.json is not valid JSON ({exc})").format(exc=exc))
    size = _size(path)
    safe, pick = _weights_in(path)
    cls = str(data.get("_class_name", ""))
    archs = [str(a) for a in data.get("architectures") or []]
    details: dict[str, Any] = {}
    lic = _readme_license(path)
    if lic:
        details["license"] = lic
    if cls in CONTROLNET_CLASSES:
        typ, family = "controlnet", _controlnet_family(data)
        details.update({"class": cls, "cross_attention_dim": data.get("cross_attention_dim")})
    elif cls in ("AutoencoderKL", "AutoencoderTiny"):
        typ = "vae" if cls == "AutoencoderKL" else "taesd"
        details.update({"class": cls, "latent_channels": data.get("latent_channels")})
        family = "sd" if data.get("latent_channels", 4) == 4 else "other"
    elif data.get("model_type") in CAPTIONER_MODEL_TYPES:
        typ, family = "captioner", str(data.get("model_type"))
        details.update({"architectures": archs})
    elif any(a.endswith("ForDepthEstimation") for a in archs):  # DPT, Depth Anything: the depth preprocessor
        typ, family = "depth_estimator", str(data.get("model_type", ""))
        details.update({"architectures": archs})
    elif any(a.endswith(("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")) for a in archs):
        typ, family = "causal_lm", str(data.get("model_type", ""))
        details.update({"architectures": archs})
        for k in ("max_position_embeddings", "vocab_size", "num_hidden_layers", "hidden_size"):
            if k in data:
                details[k] = data[k]
        tok = [n for n in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json") if (path / n).exists()]
        details["has_tokenizer"] = bool(tok)
        if not tok:
            details["warning"] = "no tokenizer files in the folder"
    elif data.get("model_type") == "clip" or "CLIPModel" in archs:
        return _clip_folder(path, base, details)
    elif any(a in ("CLIPTextModel", "CLIPTextModelWithProjection", "CLIPVisionModel",
                   "CLIPVisionModelWithProjection") for a in archs) or data.get("model_type") in ("clip_text_model",
                                                                                                  "clip_vision_model"):
        part = "text" if any("Text" in a for a in archs) or data.get("model_type") == "clip_text_model" else "image"
        return _entry(base, type="unknown", status="unknown", size=size, details={"clip_part": part},
                      reason=(_("only CLIP's text tower ({classes}): scoring needs both towers (a CLIPModel)")
                              if part == "text" else
                              _("only CLIP's image tower ({classes}): scoring needs both towers (a CLIPModel)")
                              ).format(classes=", ".join(archs) or data.get("model_type")))
    elif cls:
        return _entry(base, type="unknown", status="unknown", size=size, details={"class": cls},
                      reason=_("a diffusers {cls} on its own (not a pipeline)").format(cls=cls))
    else:
        return _entry(base, type="unknown", status="unknown", size=size,
                      reason=_("config.json of an unsupported model ({classes})").format(
                          classes=", ".join(archs) or data.get("model_type", "?")))
    params = _folder_params(path)
    if params:
        details["parameters"] = params
    if not safe and pick:
        return _entry(base, type=typ, family=family, status="unsafe", reason=_(PICKLE_RISK), size=size, details=details)
    if not safe:
        return _entry(base, type=typ, family=family, status="broken", reason=_("no weights file in the folder"),
                      size=size, details=details)
    return _entry(base, type=typ, family=family, size=size, details=details)


CONTROLNET_CLASSES = ("ControlNetModel", "SD3ControlNetModel", "FluxControlNetModel", "SparseControlNetModel",
                      "ControlNetUnionModel", "QwenImageControlNetModel", "ZImageControlNetModel")
INPAINT_CHANNELS = 9


def _controlnet_family(config: dict) -> str:
    """The family a diffusers ControlNet folder guides (from its config: width and SDXL's added embedding)."""
    if config.get("_class_name") != "ControlNetModel":
        from studio.core.models.families import CONTROLNET_CLASS_FAMILY

        return CONTROLNET_CLASS_FAMILY.get(str(config.get("_class_name")), "other")
    if config.get("addition_embed_type") == "text_time":
        return "sdxl"
    cross = config.get("cross_attention_dim")
    family = family_for_dim(cross if isinstance(cross, int) else None)
    return family if family not in ("", "other") else "sd"


def _clip_folder(path: Path, base: dict, details: dict[str, Any]) -> ModelEntry:
    """A transformers CLIPModel folder: config, weights and tokenizer files must all be there."""
    size = _size(path)
    details = {**details, "class": "CLIPModel"}
    try:
        cfg = _read_json(path / "config.json")
    except FileNotFoundError:
        return _entry(base, type="clip", family="clip", status="broken", size=size, details=details,
                      reason=_("config.json is missing from the CLIP folder"))
    except ValueError as exc:
        return _entry(base, type="clip", family="clip", status="broken", size=size, details=details,
                      reason=_("config.json is not valid JSON ({exc})").format(exc=exc))
    vision = cfg.get("vision_config") if isinstance(cfg.get("vision_config"), dict) else {}
    for key, label in (("image_size", "image_size"), ("patch_size", "patch_size")):
        if key in vision:
            details[label] = vision[key]
    if "projection_dim" in cfg:
        details["embed_dim"] = cfg["projection_dim"]
    params = _folder_params(path)
    if params:
        details["parameters"] = params
    safe, pick = _weights_in(path)
    if not safe:
        status, reason = (("unsafe", _(PICKLE_RISK)) if pick
                          else ("broken", _("no weights file (model.safetensors) in the CLIP folder")))
        return _entry(base, type="clip", family="clip", status=status, reason=reason, size=size, details=details)
    if not any(all((path / f).is_file() for f in files) for files in CLIP_TOKENIZER_FILES):
        return _entry(base, type="clip", family="clip", status="broken", size=size, details=details,
                      reason=_("the CLIP folder has no tokenizer files (vocab.json and merges.txt, or tokenizer.json)"))
    return _entry(base, type="clip", family="clip", size=size, details=details)


def _peft_folder(path: Path, base: dict) -> ModelEntry:
    try:
        cfg = _read_json(path / "adapter_config.json")
    except ValueError as exc:
        return _entry(base, type="lora", status="broken",
                      reason=_("adapter_config.json is not valid JSON ({exc})").format(exc=exc))
    details = {"style": "peft", "base_model": cfg.get("base_model_name_or_path", ""), "rank": cfg.get("r")}
    safe, pick = _weights_in(path)
    if not safe:
        status, reason = ("unsafe", _(PICKLE_RISK)) if pick else ("broken", _("no adapter weights in the folder"))
        return _entry(base, type="lora", family="other", status=status,
                      reason=reason, details=details, size=_size(path))
    return _entry(base, type="lora", family="other", details=details, size=_size(path))
