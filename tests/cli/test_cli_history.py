"""Results made with the CLI land in the same history as the GUI's, with their full parameters."""
from __future__ import annotations

from studio.core.store.gallery import GalleryStore
from tests.diffusion.test_cli_image import cli


def test_cli_image_is_recorded_in_history(tiny_sd_dir, studio_home, paths):
    proc = cli(["--prompt", "a lighthouse at dusk", "--model", str(tiny_sd_dir), "--seed", "7", "--steps", "2",
                "--width", "64", "--height", "64"], studio_home)
    assert proc.returncode == 0, proc.stderr
    entries = GalleryStore.open(paths).search("lighthouse")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.path == proc.stdout.strip()
    assert entry.seed == 7 and entry.spec.prompt == "a lighthouse at dusk"


def test_recording_cli_results_leaves_no_database_connection_open(paths):
    import os

    from studio.cli.common import record_in_gallery
    from studio.core.results import JobResult
    from studio.core.specs.image import ImageSpec

    def held_db_files() -> list[str]:  # this process's open files that are the queue database (or its WAL)
        fd_dir = f"/proc/{os.getpid()}/fd"
        return [os.path.realpath(f"{fd_dir}/{f}") for f in os.listdir(fd_dir)
                if os.path.realpath(f"{fd_dir}/{f}").startswith(str(paths.queue_db))]

    spec = ImageSpec(prompt="a red square", seed=3)
    for i in range(3):
        record_in_gallery(paths, spec, JobResult(outputs=(str(paths.outputs / f"{i}.png"),)))
    assert held_db_files() == []
    gallery = GalleryStore.open(paths)
    assert len(gallery.search("red")) == 3
    gallery.close()
