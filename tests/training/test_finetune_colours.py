"""Studio Fashion's new colours: the words tokenize, the judge tells the 12 colours apart, the fine-tune resumes."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from studio.engines.datasets import fashion_captions as fc

ROOT = Path(__file__).resolve().parents[2]
FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def _tool():
    spec = importlib.util.spec_from_file_location("finetune_fashion_colours", ROOT / "tools" / "finetune_fashion_colours.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_extended_tokenizer_keeps_old_ids_and_knows_the_new_words():
    from transformers import CLIPTokenizer

    from studio.engines.clip_vocab import bundled_tokenizer_dir
    from studio.engines.training.vocab import extended_clip_tokenizer, trimmed_clip_tokenizer

    old = trimmed_clip_tokenizer(bundled_tokenizer_dir(), fc.all_captions(fc.FIRST_COLOURS) + [""])
    new = extended_clip_tokenizer(old, bundled_tokenizer_dir(), fc.all_captions() + [""])
    full = CLIPTokenizer.from_pretrained(str(bundled_tokenizer_dir()))
    assert {t: i for t, i in new.get_vocab().items() if t in old.get_vocab()} == old.get_vocab()
    for caption in fc.all_captions(fc.FIRST_COLOURS)[::7]:
        assert new(caption).input_ids == old(caption).input_ids
    for word in ("black", "white", "grey", "gray", "brown"):
        ids = new(word, add_special_tokens=False).input_ids
        assert new.unk_token_id not in ids and len(ids) == 1, word
        assert new.convert_ids_to_tokens(ids) == full.convert_ids_to_tokens(full(word, add_special_tokens=False).input_ids)


def test_chinese_colour_words_map_onto_the_new_colours():
    from studio.core.models.registry import ModelEntry
    from studio.core.models.vocabulary import model_prompt, prompt_warning, vocabulary_of

    vocab = vocabulary_of(ModelEntry("sf", "/m", "studio_pipeline", details={"vocabulary": fc.vocabulary()}))
    assert model_prompt(vocab, "一件黑色的外套") == "a black coat"
    assert model_prompt(vocab, "一件白色的T恤") == "a white t-shirt"
    assert model_prompt(vocab, "一条灰色的连衣裙") == "a grey dress"
    assert model_prompt(vocab, "一个咖啡色的包") == "a brown bag"
    assert vocab.word_in("brown", "zh_CN") == "棕色" and vocab.word_in("grey", "zh_CN") == "灰色"
    assert prompt_warning(vocab, "a gray coat", "Studio Fashion") == ""
    assert "has not learnt navy" in prompt_warning(vocab, "a navy coat", "Studio Fashion")


@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_the_judge_reads_every_rendered_colour():
    """``judge_colour`` (hue, saturation, value) reads the colour of real colourised test garments."""
    from studio.engines.datasets.bundled import fashion_colour

    ds = fashion_colour(size=32, split="test", limit=400)
    g = torch.Generator().manual_seed(5)
    x, caps = ds.batch(torch.arange(240), g)
    right = 0
    for img, cap in zip((x + 1) / 2, caps):
        named = next(c for c in fc.COLOUR_NAMES if f" {c} " in f" {cap} "
                     or any(f" {s} " in f" {cap} " for s in fc.COLOUR_SYNONYMS.get(c, ())))
        right += fc.COLOUR_NAMES[fc.judge_colour(img.numpy())] == named
    assert right >= 0.97 * len(caps)
    ids = torch.tensor([fc.COLOUR_NAMES.index(c) for c in ("black", "grey", "white")])
    ladder = fc.render(torch.tensor([0.0, 1.0]).view(1, 1, 1, 2).repeat(3, 1, 1, 1), ids, torch.full((3, 3), 0.5))
    assert float(ladder[..., 0].max()) == 0.0  # every colour's background is black (none flips it)
    assert 0.2 < ladder[0, :, 0, 1].min() and ladder[0, :, 0, 1].max() < ladder[1, :, 0, 1].min()  # charcoal
    assert ladder[1, :, 0, 1].max() < ladder[2, :, 0, 1].min()  # black < grey < white


def _tiny_base(folder: Path) -> Path:
    """A tiny random-weight StudioPixelPipeline knowing the first 8 colours, saved as the fine-tune's base."""
    from diffusers import EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from studio.engines.clip_vocab import bundled_tokenizer_dir
    from studio.engines.pipelines.studio_pipeline import StudioPixelPipeline
    from studio.engines.training.vocab import trimmed_clip_tokenizer

    torch.manual_seed(0)
    tok = trimmed_clip_tokenizer(bundled_tokenizer_dir(), fc.all_captions(fc.FIRST_COLOURS) + [""], 16)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, max_position_embeddings=16, projection_dim=16,
                                        bos_token_id=0, eos_token_id=1, pad_token_id=1))
    unet = UNet2DConditionModel(sample_size=32, in_channels=3, out_channels=3, layers_per_block=1,
                                block_out_channels=(8, 16), cross_attention_dim=16, attention_head_dim=2,
                                norm_num_groups=8, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"))
    sched = EulerDiscreteScheduler(beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction",
                                   timestep_spacing="trailing")
    StudioPixelPipeline(unet=unet, text_encoder=text, tokenizer=tok, scheduler=sched).save_pretrained(str(folder))
    (folder / "studio_model.json").write_text(json.dumps({"type": "studio_pipeline", "name": "Tiny"}))
    return folder


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_finetune_cut_short_resumes_to_the_same_weights(tmp_path):
    """A run cut at step 2 and resumed ends with the weights of an uncut run; the new words are in the model."""
    from safetensors.torch import load_file
    from transformers import CLIPTokenizer

    tool = _tool()
    base = _tiny_base(tmp_path / "base")
    common = ["--base", str(base), "--steps", "4", "--batch", "2", "--limit", "64", "--checkpoint-every", "0"]
    assert tool.main(common + ["--out", str(tmp_path / "uncut"), "--home", str(tmp_path / "h1")]) == 0
    assert tool.main(common + ["--out", str(tmp_path / "cut"), "--home", str(tmp_path / "h2"), "--cut-at", "2"]) == 0
    assert (tmp_path / "h2" / "training" / "studio-fashion-colours" / "checkpoint.safetensors").is_file()
    assert json.loads((tmp_path / "cut" / "studio_model.json").read_text())["fine_tuned"]["steps"] == 2
    assert tool.main(common + ["--out", str(tmp_path / "cut"), "--home", str(tmp_path / "h2"), "--resume"]) == 0
    card = json.loads((tmp_path / "cut" / "studio_model.json").read_text())
    assert card["fine_tuned"]["steps"] == 4 and card["vocabulary"]["colours"] == list(fc.COLOUR_NAMES)
    for part in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"):
        a, b = load_file(tmp_path / "uncut" / part), load_file(tmp_path / "cut" / part)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), part
    tok = CLIPTokenizer.from_pretrained(str(tmp_path / "cut" / "tokenizer"))
    emb = load_file(tmp_path / "cut" / "text_encoder" / "model.safetensors")
    assert next(v for k, v in emb.items() if "token_embedding" in k).shape[0] == len(tok)
    assert tok.unk_token_id not in tok("a gray coat", add_special_tokens=False).input_ids


@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_new_words_only_keeps_old_prompts_encoded_as_before(tmp_path):
    """``--text-encoder new-words``: the text encoder's weights and the old words' embedding rows are unchanged
    (an old prompt encodes exactly as in the base); the UNet learnt."""
    from safetensors.torch import load_file

    tool = _tool()
    base = _tiny_base(tmp_path / "base")
    assert tool.main(["--base", str(base), "--steps", "2", "--batch", "4", "--limit", "64", "--checkpoint-every", "0",
                      "--new-share", "0.5", "--ema-decay", "0", "--warmup", "1", "--lr", "1e-2",
                      "--out", str(tmp_path / "out"), "--home", str(tmp_path / "h")]) == 0
    before = load_file(base / "text_encoder" / "model.safetensors")
    after = load_file(tmp_path / "out" / "text_encoder" / "model.safetensors")
    key = next(k for k in before if "token_embedding" in k)
    n_old = before[key].shape[0]
    assert torch.equal(after[key][:n_old], before[key][:n_old].half())
    assert after[key].shape[0] > n_old and torch.isfinite(after[key]).all()
    assert all(torch.equal(after[k], before[k].half()) for k in before if k != key)
    ub, ua = (load_file(f / "unet" / "diffusion_pytorch_model.safetensors") for f in (base, tmp_path / "out"))
    assert any(not torch.equal(ua[k], ub[k].half()) for k in ub)


@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_a_second_finetune_goes_on_from_the_first_ones_new_words(tmp_path):
    """Fine-tuning an earlier fine-tune's output (its tokenizer already has the new words): the new words'
    rows go on learning from where they were, every other row stays exactly as it was."""
    from safetensors.torch import load_file
    from transformers import CLIPTokenizer

    tool = _tool()
    base = _tiny_base(tmp_path / "base")
    args = ["--steps", "2", "--batch", "4", "--limit", "64", "--checkpoint-every", "0", "--new-share", "1.0",
            "--ema-decay", "0", "--warmup", "1", "--lr", "1e-2"]
    assert tool.main(["--base", str(base), "--out", str(tmp_path / "one"), "--home", str(tmp_path / "h1")] + args) == 0
    assert tool.main(["--base", str(tmp_path / "one"), "--out", str(tmp_path / "two"),
                      "--home", str(tmp_path / "h2"), "--guided", "grey=4"] + args) == 0
    cards = [json.loads((tmp_path / f / "studio_model.json").read_text()) for f in ("one", "two")]
    assert "fine_tuned_before" not in cards[0] and cards[1]["fine_tuned_before"] == [cards[0]["fine_tuned"]]
    assert "--guided grey=4" in cards[1]["fine_tuned"]["command"]  # the chain of runs that made the weights
    one, two = (load_file(tmp_path / f / "text_encoder" / "model.safetensors") for f in ("one", "two"))
    key = next(k for k in one if "token_embedding" in k)
    assert one[key].shape == two[key].shape  # no rows added: the words were known
    tok = CLIPTokenizer.from_pretrained(str(tmp_path / "two" / "tokenizer"))
    new = {tok.convert_tokens_to_ids(f"{w}</w>") for w in set(fc.colour_words()) - set(fc.colour_words(fc.FIRST_COLOURS))}
    rest = [i for i in range(len(one[key])) if i not in new]
    assert torch.equal(two[key][rest], one[key][rest])
    assert all(not torch.equal(two[key][i], one[key][i]) for i in new)


def test_guided_colours_name_new_colours_with_their_synonyms():
    """``--guided grey=4,black=3`` also guides "gray"; an old colour, a missing scale or one below 1 is refused."""
    tool = _tool()
    assert tool.parse_guided("grey=4, black=3") == {"grey": 4.0, "gray": 4.0, "black": 3.0}
    assert tool.parse_guided("") == {}
    for bad in ("grey", "red=4", "grey=0.5", "grey=x"):
        with pytest.raises(ValueError, match="COLOUR=SCALE"):
            tool.parse_guided(bad)


def test_guided_rows_are_the_named_colours_captions_left_in():
    """The rows that learn for guidance: a guided colour (or its synonym) named and the caption not dropped."""
    tool = _tool()
    caps = ["a grey coat", "a gray bag", "a red dress", "a grey shirt", "greyhound print tee"]
    assert tool.guided_rows(caps, [False, False, False, True, False], tool.parse_guided("grey=3")) == [(0, 3.0),
                                                                                                   (1, 3.0)]


@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_a_named_teacher_is_what_the_old_colours_replay(tmp_path):
    """``--teacher`` naming the base itself trains exactly as the default (the base replays itself); a teacher
    that is another model changes what the old colours learn."""
    from safetensors.torch import load_file, save_file

    tool = _tool()
    base, other = _tiny_base(tmp_path / "base"), tmp_path / "other"
    args = ["--base", str(base), "--steps", "2", "--batch", "4", "--limit", "64", "--checkpoint-every", "0",
            "--new-share", "0.25", "--ema-decay", "0", "--warmup", "1", "--lr", "1e-2"]
    assert tool.main(args + ["--out", str(tmp_path / "own"), "--home", str(tmp_path / "h1")]) == 0
    assert tool.main(args + ["--out", str(tmp_path / "named"), "--home", str(tmp_path / "h2"),
                             "--teacher", str(base)]) == 0
    weights = _tiny_base(other) / "unet" / "diffusion_pytorch_model.safetensors"
    save_file({k: v * 1.5 for k, v in load_file(weights).items()}, weights)  # same tokenizer, other predictions
    assert tool.main(args + ["--out", str(tmp_path / "taught"), "--home", str(tmp_path / "h3"),
                             "--teacher", str(other)]) == 0
    own, named, taught = (load_file(tmp_path / f / "unet" / "diffusion_pytorch_model.safetensors")
                          for f in ("own", "named", "taught"))
    assert all(torch.equal(own[k], named[k]) for k in own)
    assert any(not torch.equal(own[k], taught[k]) for k in own)
