"""A pickle in models/taesd is never unpickled; a folder holding a code-running pickle is never imported.

No patching: the pickles would create a marker file if anything unpickled them.
"""
from __future__ import annotations

import json

from studio.core.progress import CancelToken
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.diffusion.test_generate import spec_for
from tests.models.conftest import write_malicious


class LogRecorder(RecordingReporter):
    def __init__(self) -> None:
        super().__init__()
        self.logs: list[str] = []

    def log(self, message: str) -> None:
        self.logs.append(message)


def _tiny_taesd(folder) -> None:
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                    num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)).save_pretrained(str(folder))


def test_a_pickled_taesd_is_never_loaded_and_the_quick_preview_is_used(tiny_sd_dir, engine_ctx, paths, tmp_path):
    taesd = paths.models / "taesd"
    _tiny_taesd(taesd)
    config = json.loads((taesd / "config.json").read_text())
    (taesd / "diffusion_pytorch_model.safetensors").unlink()  # only the pickle is left
    marker = tmp_path / "PWNED"
    write_malicious(taesd / "diffusion_pytorch_model.bin", marker)
    assert json.loads((taesd / "config.json").read_text()) == config

    rep = LogRecorder()
    result = run(spec_for(tiny_sd_dir, steps=2), rep, CancelToken(), engine_ctx)
    assert not marker.exists()
    assert result.preview == "linear" and len(rep.previews) == 2 and result.outputs
    said = [m for m in rep.logs if "TAESD" in m]
    assert len(said) == 1 and "cannot be used" in said[0] and "quick preview" in said[0], rep.logs


def test_a_pickle_beside_safe_taesd_weights_is_ignored(tiny_sd_dir, engine_ctx, paths, tmp_path):
    taesd = paths.models / "taesd"
    _tiny_taesd(taesd)
    marker = tmp_path / "PWNED"
    write_malicious(taesd / "diffusion_pytorch_model.bin", marker)
    result = run(spec_for(tiny_sd_dir, steps=2), LogRecorder(), CancelToken(), engine_ctx)
    assert result.preview == "taesd" and not marker.exists()


def test_importing_a_folder_with_a_code_running_pickle_is_refused_like_the_file(paths, tmp_path, capsys):
    from studio.cli import main

    marker = tmp_path / "PWNED"
    folder = tmp_path / "outside" / "pipe"
    _tiny_taesd(folder / "vae")
    (folder / "unet" / "deep").mkdir(parents=True)
    evil = write_malicious(folder / "unet" / "deep" / "diffusion_pytorch_model.bin", marker)
    for src in (folder, evil):
        for mode in ([], ["--link"], ["--move"]):
            assert main(["models", "import", str(src), *mode]) == 1
            err = capsys.readouterr().err.strip()
            assert err.count("\n") == 0 and "DANGEROUS" in err and "would run code" in err, err
            assert ("unet/deep/diffusion_pytorch_model.bin" if src == folder else evil.name) in err
    assert list(paths.models.iterdir()) == [] and evil.is_file() and not marker.exists()
    # The same folder without the pickle imports.
    evil.unlink()
    assert main(["models", "import", str(folder)]) == 0
    assert (paths.models / "pipe" / "vae" / "config.json").is_file()
