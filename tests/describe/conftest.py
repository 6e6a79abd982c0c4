"""Fixtures for image → prompt: held-out colourised Fashion test images, a tiny BLIP captioner folder."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def fashion_pngs(tmp_path_factory) -> list[tuple[Path, int, int]]:
    """(png, item, colour) for 6 held-out colourised Fashion test images, enlarged ×4 as the canvas shows them."""
    from PIL import Image

    from studio.engines.clip.zero_shot import test_images

    folder = tmp_path_factory.mktemp("fashion-pngs")
    x, items, colours = test_images(6, seed=11)
    out = []
    for k in range(len(x)):
        arr = ((x[k].permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255).round().astype("uint8")
        path = folder / f"f{k}.png"
        Image.fromarray(arr).resize((128, 128), Image.Resampling.LANCZOS).save(path)
        out.append((path, items[k], colours[k]))
    return out


CAPTION_WORDS = ("a", "red", "blue", "shoe", "photo", "of", "cat", "on", "the", "table", "green", "dress")


def save_tiny_blip(folder: Path, seed: int = 0) -> Path:
    """A random-weight BLIP captioner (BlipForConditionalGeneration + BlipProcessor) saved with save_pretrained."""
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipProcessor
    from transformers.models.blip import BlipImageProcessorPil

    folder.mkdir(parents=True, exist_ok=True)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", *CAPTION_WORDS]
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    tok = BertTokenizer(str(folder / "vocab.txt"), bos_token="[DEC]")
    torch.manual_seed(seed)
    cfg = BlipConfig(text_config=dict(vocab_size=len(words), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                      num_attention_heads=2, max_position_embeddings=64, bos_token_id=5, pad_token_id=0,
                                      sep_token_id=3, encoder_hidden_size=32),
                     vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=1, num_attention_heads=2), projection_dim=16)
    BlipForConditionalGeneration(cfg).eval().save_pretrained(str(folder), safe_serialization=True)
    BlipProcessor(image_processor=BlipImageProcessorPil(size={"height": 32, "width": 32}),
                  tokenizer=tok).save_pretrained(str(folder))
    return folder
