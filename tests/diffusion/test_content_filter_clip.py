"""The content filter's CLIP concept check: a generated image that a CLIP finds close enough to a concept
phrase is not saved ("block": the job ends naming the concept) or is saved with a log line ("warn")."""
from __future__ import annotations

import pytest

from studio.core.content_filter import ContentBlocked
from studio.core.progress import CancelToken, NullReporter
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.engines.context import EngineContext
from studio.host.dispatch import run_spec
from tests.clip.conftest import save_tiny_clip

CONCEPTS = ("a red square", "a blue disc")


def _ctx(paths, policy: str, threshold: float, clip) -> EngineContext:
    settings = Settings(scan_hf_cache=False, content_filter=policy, content_filter_concepts=CONCEPTS,
                        content_filter_threshold=threshold, content_filter_clip=str(clip))
    return EngineContext.create(paths, settings, device="cpu")


@pytest.mark.slow
def test_clip_concept_check_blocks_before_saving(paths, tiny_sd_dir, tmp_path):
    from PIL import Image

    from studio.engines.common.clip_model import load_clip

    spec = ImageSpec(prompt="a calm lake", model=str(tiny_sd_dir), width=64, height=64, steps=1, seed=3,
                     clip="none")
    free = run_spec(spec, NullReporter(), CancelToken(), _ctx(paths, "off", 0.0, ""))
    (out,) = free.outputs
    for seed in range(8):  # a random CLIP whose similarity of this image to a concept is in (0, 1)
        clip_dir = save_tiny_clip(tmp_path / f"clip{seed}", seed=seed)
        with Image.open(out) as im:  # what the random CLIP makes of this very image
            sims = load_clip(_ctx(paths, "off", 0.0, clip_dir), str(clip_dir)).similarity(
                [im.convert("RGB")], list(CONCEPTS))[0].tolist()
        best = max(sims)
        if 0.0 < best < 0.99:
            break
    else:
        pytest.skip(f"no random CLIP gives a usable similarity for this image: {sims}")
    before = sorted(paths.outputs.rglob("*.png"))

    with pytest.raises(ContentBlocked) as err:
        run_spec(spec, NullReporter(), CancelToken(), _ctx(paths, "block", best - 1e-3, clip_dir))
    assert f"image concept: {CONCEPTS[sims.index(best)]}" in str(err.value)
    assert sorted(paths.outputs.rglob("*.png")) == before  # nothing saved

    passed = run_spec(spec, NullReporter(), CancelToken(), _ctx(paths, "block", min(1.0, best + 1e-2), clip_dir))
    assert passed.outputs  # below the threshold: saved
    warned = NullReporter()
    assert run_spec(spec, warned, CancelToken(), _ctx(paths, "warn", best - 1e-3, clip_dir)).outputs
    assert any("image concept" in m for m in warned.messages)
