"""The Faces workspace with a trained VAE: its tools reconstruct and interpolate the user's own images."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken
from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch)


@pytest.mark.slow
def test_vae_tools_reconstruct_and_interpolate_from_the_window(studio, qtbot, paths, tmp_path):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.engines.training.run import trainer_class
    from tests.families.conftest import Recorder, make_shapes_folder
    from tests.families.test_gan_vae import vae_spec
    from tests.families.test_vae_use_and_datasets import shape

    ctx = EngineContext.create(paths, Settings(), device="cpu")
    trainer_class("vae")(vae_spec(make_shapes_folder(tmp_path / "shapes"), steps=8), Recorder(), CancelToken(),
                         ctx).fit()
    ws = studio.faces_workspace
    with qtbot.waitSignal(studio.models_scanned, timeout=30_000):
        studio.rescan_models()
    studio.show_workspace("faces")
    assert not ws.vae_tools.isVisibleTo(ws)  # the built-in faces GAN has no encoder
    ws.set_model("tiny-vae")
    assert ws.vae_tools.isVisibleTo(ws)

    spec = ws.vae_tools.reconstruct(str(shape(tmp_path / "a.png", False)))
    assert spec.model == "tiny-vae" and spec.scale == ws.scale_box.value()
    qtbot.waitUntil(lambda: len(ws.outputs) == 2, timeout=60_000)
    assert ws.outputs[1].endswith(".json") and ws.shown_size().width() == 2 * 16 * 3 + 3 * 2  # pair, ×3

    ws.frames_box.setValue(5)
    ws.vae_tools.interpolate(str(tmp_path / "a.png"), str(shape(tmp_path / "b.png", True)))
    qtbot.waitUntil(lambda: any(o.endswith(".gif") for o in ws.outputs), timeout=60_000)
    assert ws._movie is not None and ws._movie.frameCount() == 8  # 5 frames forward and back
    assert ws.save_gif_button.isEnabled()
