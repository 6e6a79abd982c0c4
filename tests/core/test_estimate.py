"""The long-job warning is model-aware: it uses the speed each model was measured at here (the history)."""
from __future__ import annotations

from studio.core.estimate import long_job_warning, measured_speed
from studio.core.store.gallery import GalleryStore
from studio.core.results import ImageResult
from studio.core.specs.image import ImageSpec

SD = ImageSpec(prompt="a castle", model="my-sd", width=1024, height=1024, steps=50)


def _record(gallery: GalleryStore, model: str, step_seconds: float, device: str = "cpu", side: int = 64,
            upscaled: int = 0) -> None:
    """A history row as the engine writes it for a text-to-image job measured at ``step_seconds`` per step."""
    shown = upscaled or side
    gallery.add(ImageSpec(prompt="x", model=model, width=side, height=side),
                ImageResult(outputs=(f"/o/{model}-{len(gallery.list())}.png",), model=model, width=shown,
                            height=shown, native_width=side if upscaled else 0,
                            native_height=side if upscaled else 0, steps=8, step_seconds=step_seconds,
                            device=device))


def test_an_sd_sized_job_still_warns_without_a_measurement(paths):
    gallery = GalleryStore.open(paths)
    assert measured_speed(gallery, "my-sd", "cpu") is None
    warning = long_job_warning(SD, "cpu", measured_speed(gallery, "my-sd", "cpu"))
    assert warning.startswith("1024×1024 with 50 steps on the CPU will take about") and "From this" not in warning


def test_studio_fashion_default_job_does_not_warn_with_its_measured_speed(paths):
    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec

    default = _base_spec(build_parser().parse_args(["generate", "image", "--prompt", "a red sneaker"]), seed=1)
    gallery = GalleryStore.open(paths)
    # 3.65 s per step at 64² (upscaled ×4) is what this 2-core machine measured under a load of 12.
    _record(gallery, default.model, 3.65, side=64, upscaled=256)
    speed = measured_speed(gallery, default.model, "cpu")
    assert speed is not None and (speed.width, speed.seconds) == (64, 3.65)  # the size it drew, before upscaling
    assert long_job_warning(default, "cpu", speed) == ""
    # The same model at 1024², 50 steps is a long job, and the warning says what it is based on.
    big = long_job_warning(default.replace(width=1024, height=1024, steps=50, upscale=""), "cpu", speed)
    assert "1024×1024 with 50 steps" in big and "From this model's last image here: 3.6 s per step at 64×64" in big


def test_a_fast_model_is_not_announced_where_the_sd_guess_would(paths):
    gallery = GalleryStore.open(paths)
    spec = ImageSpec(prompt="x", model="small", width=512, height=512, steps=150)
    assert long_job_warning(spec, "cpu")  # the SD-class guess: 3 s × 150 steps
    _record(gallery, "small", 0.2, side=512)
    assert long_job_warning(spec, "cpu", measured_speed(gallery, "small", "cpu")) == ""


def test_a_measurement_counts_only_for_its_model_and_kind_of_device(paths):
    gallery = GalleryStore.open(paths)
    _record(gallery, "my-sd", 0.05, device="cuda:0", side=1024)
    _record(gallery, "other", 0.01, side=1024)
    assert measured_speed(gallery, "my-sd", "cpu") is None  # a GPU's speed says nothing about the CPU
    assert measured_speed(gallery, "my-sd", "cuda").seconds == 0.05
    assert long_job_warning(SD, "cpu", measured_speed(gallery, "my-sd", "cpu"))


def test_one_slow_run_on_a_busy_machine_does_not_decide(paths):
    gallery = GalleryStore.open(paths)
    for seconds in (0.5, 0.6, 40.0):  # the newest ran while the machine was swamped
        _record(gallery, "small", seconds, side=512)
    assert measured_speed(gallery, "small", "cpu").seconds == 0.6
