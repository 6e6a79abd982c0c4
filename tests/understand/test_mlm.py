"""mlm family: a tiny BERT pretrained on a generated corpus lowers its loss, fills an obvious mask,
resumes after a cancel; its WordPiece tokenizer splits Chinese into characters; fill-mask from the CLI."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken
from studio.core.specs.text import FillMaskSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from tests.families.conftest import Recorder

TINY = {"vocab_size": 200, "hidden": 64, "heads": 2, "layers": 2, "intermediate": 128, "warmup": 10, "log_every": 10}


def mlm_spec(corpus, **kw) -> TrainSpec:
    base = dict(family="mlm", data=str(corpus), out="tiny-bert", steps=150, batch=16, lr=2e-3, sample_every=0,
                checkpoint_every=0, params=TINY)
    return TrainSpec(**{**base, **kw})


def test_mlm_lowers_loss_and_fills_the_obvious_mask(corpus, ctx, recorder):
    result = run_spec(mlm_spec(corpus), recorder, CancelToken(), ctx)
    loss, acc = recorder.series("loss"), recorder.series("masked_accuracy")
    assert loss[-1] < 0.5 * loss[0], loss
    assert acc[-1] > acc[0] and acc[-1] > 0.5, acc
    folder = ctx.paths.models / "tiny-bert"
    assert result.outputs == (str(folder),)
    entry = ctx.registry.resolve("tiny-bert")
    assert entry.type == "masked_lm" and entry.task == "understand"
    filled = run_spec(FillMaskSpec(model="tiny-bert", text="paris is the [MASK] of france ."), recorder,
                      CancelToken(), ctx)
    top = filled.predictions[0]
    assert top[0].token == "capital" and top[0].score > 0.5
    assert len(top) == 5 and all(a.score >= b.score for a, b in zip(top, top[1:]))


def test_mlm_cancel_keeps_a_checkpoint_and_resume_finishes(corpus, ctx):
    cancel = CancelToken()
    rec = Recorder(cancel=cancel, cancel_at=20)
    spec = mlm_spec(corpus, steps=40)
    first = run_spec(spec, rec, cancel, ctx)
    assert first.cancelled and first.checkpoint
    rec2 = Recorder()
    done = run_spec(spec.replace(resume="last"), rec2, CancelToken(), ctx)
    assert not done.cancelled and done.steps == 40
    assert rec2.progress_calls[0][0] > 20, "resumed, not restarted"


def test_chinese_characters_are_tokens(tmp_path):
    from studio.engines.training.mlm import train_tokenizer

    lines = ["我爱北京天安门", "北京是中国的首都", "Hello World 你好"] * 5
    tok = train_tokenizer(lines, 300, True, tmp_path / "tok")
    assert tok.tokenize("北京是首都") == ["北", "京", "是", "首", "都"]
    assert "hello" in tok.tokenize("Hello 北京")


def test_cli_train_mlm_then_fill_mask(corpus, capsys):
    from studio.cli import main

    args = ["train", "mlm", "--data", str(corpus), "--out", "cli-bert", "--steps", "150", "--batch", "16",
            "--lr", "2e-3", "--checkpoint-every", "0"] + [f"--param={k}={v}" for k, v in TINY.items()]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["fill-mask", "--model", "cli-bert", "--json", "berlin is the [MASK] of germany ."]) == 0
    import json

    preds = json.loads(capsys.readouterr().out)
    assert preds[0][0]["token"] == "capital"


@pytest.mark.parametrize("text,message", [("no mask here", "[MASK]")])
def test_fill_mask_without_mask_is_one_line(text, message):
    from studio.core.errors import SpecError

    with pytest.raises(SpecError, match=r"\[MASK\]"):
        FillMaskSpec(model="m", text=text).validate()
