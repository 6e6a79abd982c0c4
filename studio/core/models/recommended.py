"""Generation settings a model recommends (studio models ship them in ``studio_model.json``; few-step models
and LoRAs get them from ``studio.core.models.few_step``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from studio.core.models.families import caps_of
from studio.core.i18n import N_
from studio.core.models.registry import ModelEntry
from studio.core.specs.base import MAX_SIDE, MIN_SIDE
from studio.core.specs.samplers import SCHEDULERS, TIMESTEP_SPACINGS
from studio.core.specs.image import ImageSpec


def _family_defaults(entry: ModelEntry) -> dict[str, Any]:
    """A 2024–26 family's own steps, CFG and size (the capability table), for models that ship none."""
    caps = caps_of(entry)
    return {"steps": caps.steps, "guidance": caps.cfg, "size": caps.size} if caps.flow else {}


def image_side(entry: ModelEntry) -> int:
    """The model's own image size within what an ImageSpec allows; 512 when it declares none."""
    details = entry.details or {}
    side = details.get("default_size") or details.get("sample_size_px") or _family_defaults(entry).get("size") or 512
    return max(MIN_SIDE, min(MAX_SIDE, int(side) // 8 * 8))


def sampling_settings(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The ImageSpec fields a recommendation sets for sampling (steps, guidance, scheduler, timestep spacing),
    those it states with a usable value only."""
    out: dict[str, Any] = {}
    if isinstance(rec.get("steps"), int) and not isinstance(rec.get("steps"), bool):
        out["steps"] = int(rec["steps"])
    if isinstance(rec.get("guidance"), (int, float)) and not isinstance(rec.get("guidance"), bool):
        out["guidance"] = float(rec["guidance"])
    if rec.get("scheduler") in SCHEDULERS:
        out["scheduler"] = str(rec["scheduler"])
    if "scheduler" in out or rec.get("timestep_spacing"):  # a sampler chosen with the model's own spacing resets it
        spacing = str(rec.get("timestep_spacing") or "")
        out["timestep_spacing"] = spacing if spacing in TIMESTEP_SPACINGS else ""
    return out


def recommended_image_spec(entry: ModelEntry, prompt: str, seed: int, steps: int | None = None,
                           loras: Iterable[ModelEntry] = (), **overrides: Any) -> ImageSpec:
    """An ImageSpec for ``entry`` at its own size, with the steps/guidance/scheduler/upscaler it recommends
    (a 2024–26 family that ships none: its own, from the capability table).

    ``loras``: the job's LoRA entries; a few-step one (an LCM-LoRA) recommends the sampling settings instead.
    """
    from studio.core.models.few_step import recommendation

    rec = (entry.details or {}).get("recommended") or _family_defaults(entry)
    side = image_side(entry)
    values: dict[str, Any] = dict(prompt=prompt, model=entry.name, seed=seed, width=side, height=side, steps=20,
                                  guidance=7.5, scheduler="euler",
                                  upscale=str(rec.get("upscale") or ""))  # small models are shown upscaled
    values.update(sampling_settings(rec))
    values.update(sampling_settings(recommendation(loras)[1]))
    if steps is not None:
        values["steps"] = int(steps)
    values.update(overrides)
    return ImageSpec(**values)


# -- models worth downloading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendedModel:
    """A model the studio suggests downloading: where it is (one file of a hub repo), how big, under which
    licence, which languages it reads. Nothing is fetched until the user checked it and agreed to its size
    in the Download dialog (``main.py models download REPO --include FILE`` on the CLI)."""

    name: str
    repo: str
    file: str
    size_bytes: int
    """About (the hub's listing at the time of writing; Check shows the exact size before anything is fetched)."""
    parameters: str
    licence: str
    languages: tuple[str, ...]
    context_length: int
    note: str = ""

    @property
    def run_bytes(self) -> int:
        """Memory to run it: a GGUF runs in about its file's size, plus its context (KV cache) and working space."""
        return int(self.size_bytes * 1.15) + RUN_OVERHEAD_BYTES

    def fits(self, budget_bytes: int) -> bool:
        return self.run_bytes <= budget_bytes


RUN_OVERHEAD_BYTES = 400 * 2**20
"""A 4096-token context's KV cache and the runtime's buffers, for the small models below."""

RECOMMENDED_TEXT_MODELS: tuple[RecommendedModel, ...] = (
    RecommendedModel("Qwen2.5-0.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
                     "qwen2.5-0.5b-instruct-q4_k_m.gguf", 491 * 2**20, "0.5B", "Apache-2.0", ("zh", "en"), 32768,
                     N_("smallest and fastest; short copy, simple questions")),
    RecommendedModel("Qwen2.5-1.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
                     "qwen2.5-1.5b-instruct-q4_k_m.gguf", 1117 * 2**20, "1.5B", "Apache-2.0", ("zh", "en"), 32768,
                     N_("better Chinese writing; about three times slower")),
    RecommendedModel("Qwen3-0.6B (Q8_0)", "Qwen/Qwen3-0.6B-GGUF", "Qwen3-0.6B-Q8_0.gguf", 639 * 2**20, "0.6B",
                     "Apache-2.0", ("zh", "en"), 32768, N_("newer; thinks aloud before answering unless told /no_think")),
    RecommendedModel("Qwen3-1.7B (Q8_0)", "Qwen/Qwen3-1.7B-GGUF", "Qwen3-1.7B-Q8_0.gguf", 1834 * 2**20, "1.7B",
                     "Apache-2.0", ("zh", "en"), 32768, N_("the strongest here; needs about 2.5 GB of memory")),
)
"""Small instruct models that read and write Chinese, from their makers' official hub repos."""


def recommended_text_models(language: str = "") -> list[RecommendedModel]:
    """The recommended text models, those reading ``language`` ("zh", "en") only when given."""
    return [m for m in RECOMMENDED_TEXT_MODELS if not language or language in m.languages]


def memory_budget_bytes(budget_gb: float = 0.0) -> int:
    """The memory a model may take: the setting (GB) when set, else half of what is available now (the
    model cache's automatic budget)."""
    if budget_gb > 0:
        return int(budget_gb * 2**30)
    import psutil

    return int(psutil.virtual_memory().available * 0.5)


CHINESE_FAMILIES = ("qwen", "glm", "deepseek", "internlm", "baichuan", "minicpm", "yi-")
"""Model names that read Chinese (their makers train on Chinese and English), besides a model whose details
list "zh" and the recommended files."""


def reads_chinese(entry: ModelEntry) -> bool:
    """Does this text model read and write Chinese (as far as its details, file or name tell)?"""
    languages = str((entry.details or {}).get("languages", "")).lower()
    if "zh" in [p.strip() for p in languages.replace(";", ",").split(",")]:
        return True
    file = entry.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if any(file == m.file.lower() for m in RECOMMENDED_TEXT_MODELS if "zh" in m.languages):
        return True
    name = f"{entry.name} {file}".lower()
    return any(f in name for f in CHINESE_FAMILIES)


def chinese_text_model(entries: list[ModelEntry]) -> ModelEntry | None:
    """The installed, usable text model to ask in Chinese (the largest that reads it: the user chose to
    download it), or None."""
    from studio.core.models.registry import TEXT_TYPES

    found = [e for e in entries if e.usable and e.type in TEXT_TYPES and reads_chinese(e)]
    return max(found, key=lambda e: (e.size or 0, e.name)) if found else None
