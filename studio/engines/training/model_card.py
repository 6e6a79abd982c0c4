"""README files written beside trained models."""
from __future__ import annotations

from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.specs.training import TrainSpec


def write_pipeline_readme(folder: Path, spec: TrainSpec, steps: int, prompts: list[str]) -> None:
    """A short model card: what it is, how it was trained, how to use it."""
    lines = [
        f"# {spec.out}", "",
        "A pixel-space text-to-image model trained by AIGC Studio (StudioPixelPipeline:",
        "UNet2DConditionModel + small CLIP text encoder, v-prediction, cosine schedule, EMA weights).", "",
        f"- dataset: `{spec.data}` at {spec.size}×{spec.size} px",
        f"- steps: {steps}, batch {spec.batch}, learning rate {spec.lr:g}, seed {spec.seed}", "",
        "Example prompts: " + ", ".join(f"\"{p}\"" for p in prompts), "",
        "Load: `StudioPixelPipeline.from_pretrained(folder, local_files_only=True)`",
        "(studio.engines.pipelines.studio_pipeline).", "",
    ]
    atomic_write_text(Path(folder) / "README.md", "\n".join(lines))
