"""Fixtures for CLIP: tiny CLIP folders saved with save_pretrained, coloured-shape datasets, a context."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

SHAPE_CAPTIONS = ("a red square", "a red disc", "a blue square", "a blue disc")
COLOURS = {"red": (220, 40, 30), "blue": (30, 60, 230)}


def draw_shape(caption: str, size: int = 32, seed: int = 0):
    """A PIL image of the coloured shape a caption names, at a random place."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    _, colour, shape = caption.split()
    im = Image.new("RGB", (size, size), (15, 15, 15))
    r = size // 4 + rnd.randint(-1, 2)
    cx, cy = rnd.randint(r, size - r), rnd.randint(r, size - r)
    (ImageDraw.Draw(im).ellipse if shape == "disc" else ImageDraw.Draw(im).rectangle)(
        (cx - r, cy - r, cx + r, cy + r), fill=COLOURS[colour])
    return im


def make_captioned_shapes(folder: Path, per_caption: int = 8, size: int = 32) -> Path:
    """Images with same-stem .txt captions: every caption of SHAPE_CAPTIONS ``per_caption`` times."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(per_caption * len(SHAPE_CAPTIONS)):
        cap = SHAPE_CAPTIONS[i % len(SHAPE_CAPTIONS)]
        draw_shape(cap, size, seed=i).save(folder / f"s{i:03d}.png")
        (folder / f"s{i:03d}.txt").write_text(cap, encoding="utf-8")
    return folder


def save_tiny_clip(folder: Path, seed: int = 0, texts=SHAPE_CAPTIONS) -> Path:
    """A random-weight CLIPModel + trimmed CLIP tokenizer saved with save_pretrained (no studio card)."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    from studio.engines.clip_vocab import bundled_tokenizer_dir
    from studio.engines.training.vocab import trimmed_clip_tokenizer

    tok = trimmed_clip_tokenizer(bundled_tokenizer_dir(), list(texts) + [""], 16)
    torch.manual_seed(seed)
    cfg = CLIPConfig(text_config=dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                      num_attention_heads=2, max_position_embeddings=16, bos_token_id=tok.bos_token_id,
                                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id),
                     vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=1, num_attention_heads=2),
                     projection_dim=16)
    CLIPModel(cfg).save_pretrained(str(folder), safe_serialization=True)
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture()
def ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")


TINY_CLIP_PARAMS = {"patch": 8, "vision_dim": 32, "vision_layers": 1, "vision_heads": 2, "mlp_ratio": 2,
                    "text_dim": 32, "text_layers": 1, "text_heads": 2, "embed_dim": 32, "warmup": 5, "log_every": 10}


@pytest.fixture(scope="session")
def shape_clip(tmp_path_factory):
    """(folder, training metrics) of a tiny CLIP trained by family "clip" on captioned coloured shapes (once)."""
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken
    from studio.core.settings import Settings
    from studio.core.specs.training import TrainSpec
    from studio.engines.context import EngineContext
    from studio.engines.training.run import run
    from tests.families.conftest import Recorder

    root = tmp_path_factory.mktemp("shape-clip")
    ctx = EngineContext.create(StudioPaths(root / "home"), Settings(scan_hf_cache=False), device="cpu")
    data = make_captioned_shapes(root / "shapes", per_caption=6)
    rec = Recorder()
    spec = TrainSpec(family="clip", data=str(data), out="shape-clip", steps=120, batch=24, lr=3e-3, size=32,
                     sample_every=0, checkpoint_every=0, params=TINY_CLIP_PARAMS)
    result = run(spec, rec, CancelToken(), ctx)
    return Path(result.outputs[0]), rec
