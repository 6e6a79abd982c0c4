"""Evaluate: text metrics by hand, FID/KID sanity, the CLI on studio PNGs and texts, bad input."""
from __future__ import annotations

import json
import math

import pytest

from studio.core.evaluation import (EvaluationError, EvaluationReport, collect_inputs, distinct_n, mean_length,
                                    repetition_rate)
from tests.clip.conftest import draw_shape, save_tiny_clip


def test_text_metrics_match_hand_computed_values():
    texts = ["the cat sat on the mat", "the cat the cat the cat"]
    # unigrams: 6 + 6 = 12, unique {the, cat, sat, on, mat} = 5
    assert distinct_n(texts, 1) == pytest.approx(5 / 12)
    # bigrams: 5 + 5 = 10; unique: the-cat, cat-sat, sat-on, on-the, the-mat, cat-the = 6
    assert distinct_n(texts, 2) == pytest.approx(6 / 10)
    # trigrams: text 1 has 4 all distinct (0); text 2 has 4 of which 2 unique (the cat the, cat the cat) → 0.5
    assert repetition_rate(texts) == pytest.approx(0.25)
    assert mean_length(texts) == 6
    assert distinct_n(["", "  "], 2) is None and repetition_rate(["a b"]) is None


def test_fid_of_a_set_against_itself_is_zero_and_against_noise_large():
    import torch

    from studio.engines.common import metrics

    g = torch.Generator().manual_seed(0)
    base = torch.nn.functional.normalize(torch.randn(1, 16, generator=g), dim=-1)
    a = torch.nn.functional.normalize(base + 0.1 * torch.randn(200, 16, generator=g), dim=-1)
    b = torch.nn.functional.normalize(base + 0.1 * torch.randn(200, 16, generator=g), dim=-1)
    noise = torch.nn.functional.normalize(torch.randn(200, 16, generator=g), dim=-1)
    assert metrics.fid(a, a) == pytest.approx(0.0, abs=1e-6)
    assert metrics.fid(a, b) < 0.05 < 0.5 < metrics.fid(a, noise)
    assert abs(metrics.kid(a, a)) < 1e-3 and metrics.kid(a, noise) > 10 * abs(metrics.kid(a, b))
    assert metrics.diversity(a) < 0.2 < 0.8 < metrics.diversity(noise)


def _studio_png(path, caption, size=32, seed=0):
    from studio.core.pngmeta import write_image_png
    from studio.core.specs.image import ImageSpec

    write_image_png(draw_shape(caption, size, seed), path, ImageSpec(prompt=caption))
    return path


def test_cli_json_scores_each_png_against_its_own_prompt(paths, tmp_path, capsys):
    from studio.cli import main

    save_tiny_clip(paths.models / "tiny-clip")
    shots = tmp_path / "shots"
    shots.mkdir()
    for i, cap in enumerate(("a red square", "a blue disc", "a red disc")):
        _studio_png(shots / f"{i}.png", cap, seed=i)
    ref = tmp_path / "ref"
    ref.mkdir()
    for i in range(4):
        draw_shape("a blue square", 32, seed=10 + i).save(ref / f"r{i}.png")
    assert main(["evaluate", str(shots), "--reference", str(ref), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for name in ("clip_score", "diversity", "fid", "kid", "perplexity", "distinct_1", "distinct_2",
                 "repetition_rate", "length"):
        assert name in report
    assert report["count"] == 3 and report["reference_count"] == 4
    assert [i["prompt"] for i in report["items"]] == ["a red square", "a blue disc", "a red disc"]
    assert all(0 <= i["clip_score"] <= 100 for i in report["items"])
    assert report["clip_score"] == pytest.approx(sum(i["clip_score"] for i in report["items"]) / 3, abs=1e-3)
    assert report["diversity"] > 0 and report["fid"] > 0 and report["perplexity"] is None
    # --prompt overrides each PNG's own prompt
    assert main(["evaluate", str(shots / "0.png"), str(shots / "1.png"), "--prompt", "a red square", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["items"][0]["clip_score"] == report["items"][0]["clip_score"]
    assert again["items"][1]["prompt"] == "a red square"


def test_one_image_and_mixed_sizes_give_clear_notes(paths, tmp_path, capsys):
    from studio.cli import main

    save_tiny_clip(paths.models / "tiny-clip")
    one = _studio_png(tmp_path / "one.png", "a red square")
    assert main(["evaluate", str(one)]) == 0
    out = capsys.readouterr().out
    assert "clip_score" in out and "Diversity needs at least two images" in out
    big = _studio_png(tmp_path / "big.png", "a blue disc", size=96)
    assert main(["evaluate", str(one), str(big), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["diversity"] is not None and any("different sizes" in n for n in report["notes"])


def test_empty_folder_and_mixed_kinds_are_one_line_errors(paths, tmp_path, capsys):
    from studio.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["evaluate", str(empty)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "holds no images or texts" in err
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    draw_shape("a red disc").save(tmp_path / "b.png")
    with pytest.raises(EvaluationError, match="not both"):
        collect_inputs([tmp_path / "a.txt", tmp_path / "b.png"])


def test_a_folder_with_unreadable_files_scores_the_rest_and_lists_them(paths, tmp_path, capsys):
    from studio.cli import main
    from studio.core.evaluation import MAX_TEXT_BYTES

    save_tiny_clip(paths.models / "tiny-clip")
    shots = tmp_path / "shots"
    shots.mkdir()
    for i, cap in enumerate(("a red square", "a blue disc")):
        _studio_png(shots / f"{i}.png", cap, seed=i)
    good = (shots / "0.png").read_bytes()
    (shots / "1b-truncated.png").write_bytes(good[: len(good) // 2])  # sorted between the good ones
    (shots / "2-garbage.jpg").write_bytes(b"not an image at all")
    assert main(["evaluate", str(shots), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["count"] == 2 and [i["prompt"] for i in report["items"]] == ["a red square", "a blue disc"]
    assert report["clip_score"] is not None and report["diversity"] is not None
    assert [(s["path"].rsplit("/", 1)[-1], "not a readable image" in s["reason"]) for s in report["skipped"]] == [
        ("1b-truncated.png", True), ("2-garbage.jpg", True)]
    assert any("2 of 4 files could not be read" in n for n in report["notes"])
    assert main(["evaluate", str(shots)]) == 0  # the plain report lists them too
    out = capsys.readouterr().out
    assert out.count("skipped: ") == 2 and "2-garbage.jpg" in out and "clip_score" in out
    # nothing readable: one line naming the first reason
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"\x89PNG garbage")
    assert main(["evaluate", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert sum("error:" in line for line in err) == 1 and "No file could be read (1 tried); the first: x.png is not a readable image" in err[-1]
    # texts: a text over the size limit is skipped, not read into memory
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("the cat sat on the mat", encoding="utf-8")
    with open(texts / "huge.txt", "wb") as fh:
        fh.truncate(MAX_TEXT_BYTES + 1)  # sparse: costs no disk
    assert main(["evaluate", str(texts), "--lm", "none", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["count"] == 1 and report["distinct_1"] == pytest.approx(5 / 6)
    assert len(report["skipped"]) == 1 and "texts up to 8 MB" in report["skipped"][0]["reason"]


def test_text_perplexity_under_a_reference_lm(paths, tmp_path, capsys):
    import torch

    from studio.cli import main
    from studio.engines.text.loader import load_folder
    from tests.text.tiny_lm import build_tiny_llama, save_smol_tokenizer

    lm_dir = build_tiny_llama(tmp_path / "lm", save_smol_tokenizer(tmp_path / "tok"))
    texts = tmp_path / "answers"
    texts.mkdir()
    (texts / "a.txt").write_text("the cat sat on the mat", encoding="utf-8")
    (texts / "b.txt").write_text("the cat the cat the cat", encoding="utf-8")
    assert main(["evaluate", str(texts), "--lm", str(lm_dir), "--json"]) == 0
    report = EvaluationReport.from_dict(json.loads(capsys.readouterr().out))
    assert report.media == "text" and report.count == 2
    assert report.distinct_1 == pytest.approx(5 / 12) and report.repetition_rate == pytest.approx(0.25)
    # the same figure computed independently for one text: exp(mean next-token NLL), BOS first
    lm = load_folder(lm_dir, "lm", "cpu")
    ids = lm.tokenizer("the cat sat on the mat", return_tensors="pt").input_ids
    if ids[0, 0] != lm.tokenizer.bos_token_id:
        ids = torch.cat([torch.tensor([[lm.tokenizer.bos_token_id]]), ids], 1)
    with torch.no_grad():
        expected = math.exp(float(lm.model(input_ids=ids, labels=ids).loss))
    assert report.items[0]["perplexity"] == pytest.approx(expected, rel=1e-4)
    assert 1 < report.perplexity < 10 * len(lm.tokenizer)


def test_a_chinese_prompt_is_scored_in_the_words_its_model_learnt(paths, tmp_path, capsys):
    # Studio Fashion reads 一只红色的运动鞋 as "a red sneaker": evaluate scores its PNG the same way,
    # as the score written at generation does (Studio CLIP knows English words only).
    from studio.cli import main

    out = tmp_path / "sneaker.png"
    assert main(["generate", "image", "--prompt", "一只红色的运动鞋", "--seed", "1", "--upscale", "none",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--lm", "none", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["clip_score"] > 50, report


@pytest.mark.slow  # two Studio Fashion images and two CLIP loads: ~15 s on a quiet 2-core machine
def test_cli_generates_from_a_model_and_prompts_then_scores(paths, tmp_path, capsys):
    # `evaluate --model --prompts`: the built-in Studio Fashion makes each prompt's images through the image
    # engine (kept in the history), then they are scored against their own prompts, with FID against a folder.
    from studio.cli import main
    from studio.core.store.gallery import GalleryStore

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a red sneaker\n\na blue dress\n", encoding="utf-8")
    ref = tmp_path / "ref"
    ref.mkdir()
    for i in range(3):
        draw_shape("a blue square", 32, seed=10 + i).save(ref / f"r{i}.png")
    assert main(["evaluate", "--model", "Studio Fashion", "--prompts", str(prompts), "--per-prompt", "1",
                 "--seed", "3", "--reference", str(ref), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["count"] == 2 and [i["prompt"] for i in report["items"]] == ["a red sneaker", "a blue dress"]
    assert all(i["clip_score"] > 50 for i in report["items"]) and report["clip"] == "Studio CLIP"
    assert report["diversity"] > 0 and report["fid"] > 0 and report["reference_count"] == 3
    assert "2 images generated with Studio Fashion" in captured.err
    gallery = GalleryStore.open(paths)
    made = gallery.search(media="image")
    assert {e.path for e in made} == {i["path"] for i in report["items"]}
    assert all(e.seed == 3 for e in made)  # each prompt's images start at --seed
    # each generated image is in the history as the image it is: its own prompt, seed, model, score and spec
    from studio.core.pngmeta import read_png_parameters

    [sneaker] = gallery.search("sneaker")
    item = report["items"][0]
    assert (sneaker.path, sneaker.kind, sneaker.prompt, sneaker.model) == (item["path"], "image", "a red sneaker",
                                                                           "studio-fashion")
    assert sneaker.score == pytest.approx(item["clip_score"]) and sneaker.score_clip == "Studio CLIP"
    assert sneaker.spec == read_png_parameters(item["path"])  # "reuse parameters" gives the image's own spec
    [evaluation] = gallery.search(kind="evaluate")
    assert evaluation.media == "file" and evaluation.path.endswith(".json")
    gallery.close()
    assert main(["history", "list", "sneaker"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    assert len(listed) == 1 and "seed 3" in listed[0] and "a red sneaker" in listed[0] and item["path"] in listed[0]


def test_cli_generate_mode_refuses_bad_combinations_in_one_line(paths, tmp_path, capsys):
    from studio.cli import main

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n \n", encoding="utf-8")
    for argv, says in ((["--model", "Studio Fashion"], "--model and --prompts go together"),
                       (["--model", "Studio Fashion", "--prompts", str(prompts)], "prompts to generate from"),
                       (["--model", "Studio Fashion", "--prompts", str(tmp_path / "missing.txt")], "Cannot read"),
                       ([str(tmp_path), "--model", "Studio Fashion", "--prompts", __file__], "not both")):
        assert main(["evaluate", *argv]) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and says in err, err
