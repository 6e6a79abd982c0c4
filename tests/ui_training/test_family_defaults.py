"""One set of training defaults: the form, the trainers and `main.py train` read the same family table."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.cli import build_parser
from studio.cli.train import build_spec
from studio.core.errors import SpecError
from studio.core.models.training_families import FAMILIES, family
from studio.ui.training_form import TrainingForm
from tests.fixtures.host_zygote import warm_cli

ROOT = Path(__file__).resolve().parents[2]


def cli_spec(*argv: str):
    args = build_parser().parse_args(["train", *argv])
    return build_spec(args)


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.key)
def test_form_cli_and_engine_agree_on_every_default(fam, qtbot):
    form = TrainingForm()
    qtbot.addWidget(form)
    form.set_family(fam.key)
    form.set_dataset(str(ROOT))  # any existing path: the dataset is not a default
    if fam.needs_base:
        form.base_combo.setEditText("some-base")
    gui = form.spec()
    cli = cli_spec(fam.key, "--data", str(ROOT), "--out", gui.out, *(("--base", "some-base") if fam.needs_base else ()))
    for name in ("steps", "batch", "lr", "size", "family", "checkpoint_every"):
        assert getattr(gui, name) == getattr(cli, name), name
    assert (cli.steps, cli.batch, cli.lr) == (fam.steps, fam.batch, fam.lr)
    # The form's family options start at the trainer's defaults, and the trainer reads the same table.
    for e in fam.extras:
        # An empty text field is left out, and so is a shared option (mixed precision…) at its default.
        left_out = "" if e.key in fam.params else fam.default(e.key)
        assert gui.params.get(e.key, left_out) == fam.default(e.key), e.key
    from studio.engines.training.run import trainer_class

    assert dict(trainer_class(fam.key).defaults) == dict(fam.params)


def test_form_refuses_a_misspelt_option_with_the_valid_ones(qtbot):
    form = TrainingForm()
    qtbot.addWidget(form)
    form.set_family("gan")
    form.set_dataset(str(ROOT))
    form.params_edit.setText('{"featurs": 8}')
    with pytest.raises(SpecError, match=r"Unknown parameter 'featurs' for gan\. Did you mean features\? Valid"):
        form.spec()
    form.params_edit.setText("")
    arch = form.extra("arch")
    assert [arch.itemText(i) for i in range(arch.count())] == ["dcgan", "mlp"] and arch.currentText() == "dcgan"
    arch.setCurrentText("mlp")
    assert form.spec().params["arch"] == "mlp"


@pytest.mark.slow
def test_train_lora_runs_with_its_own_defaults(tiny_sd_dir, image_folder, studio_home):
    """Only the step count is given: resolution, batch, rank... are the family's (512 px was refused at 32)."""
    spec = cli_spec("lora", "--data", str(image_folder), "--out", "my-lora", "--base", str(tiny_sd_dir))
    assert spec.size == family("lora").size == 512
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    # `main.py train lora ...` in its own process, forked from the session's warm parent (torch imported once:
    # tests.fixtures.host_zygote); the interpreter's start is not what this test is about.
    proc = warm_cli(["train", "lora", "--data", str(image_folder), "--out", "my-lora", "--base", str(tiny_sd_dir),
                     "--steps", "2",
                     # the end-of-run sample grid at 512 px is kept small: the defaults are the test
                     "--param", "samples=1", "--param", "sample_steps=1"], env, 300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert Path(proc.stdout.strip().splitlines()[-1]).exists()


def test_every_family_shows_mixed_precision_and_gradient_accumulation(qtbot):
    form = TrainingForm()
    qtbot.addWidget(form)
    for fam in FAMILIES:
        form.set_family(fam.key)
        mp = form.extra("mixed_precision")
        assert [mp.itemData(i) for i in range(mp.count())] == ["auto", "no", "fp16", "bf16"], fam.key
        assert mp.currentText() == "auto" and form.extra("grad_accum").value() == 1
    form.set_family("ddpm")
    form.set_dataset(str(ROOT))
    form.extra("mixed_precision").setCurrentText("bf16")
    form.extra("grad_accum").setValue(4)
    spec = form.spec()
    assert (spec.params["mixed_precision"], spec.params["grad_accum"]) == ("bf16", 4)
    form.apply_spec(spec.replace(params={"grad_accum": 2}))  # a resumed job's values come back
    assert form.extra("grad_accum").value() == 2 and form.extra("mixed_precision").currentText() == "auto"
