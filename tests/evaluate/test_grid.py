"""Comparison grid: axes parse into ordinary image specs; the CLI draws a scored, labelled grid with full parameters."""
from __future__ import annotations

import json

import pytest

from studio.core.errors import SpecError
from studio.core.specs.grid import cells, parse_axis
from studio.core.specs.image import GridSpec, ImageSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from tests.clip.conftest import save_tiny_clip


def test_axes_give_one_ordinary_image_spec_per_cell_row_by_row():
    base = ImageSpec(prompt="a shoe", steps=20, guidance=7.0, width=64, height=64)
    x, y = parse_axis("steps=4,8"), parse_axis("prompt=a red shoe, leather|a blue shoe")
    specs = cells(base, x, y)
    assert [(s.steps, s.prompt) for s in specs] == [(4, "a red shoe, leather"), (8, "a red shoe, leather"),
                                                   (4, "a blue shoe"), (8, "a blue shoe")]
    assert all(s.width == 64 and s.guidance == 7.0 for s in specs)
    assert [s.guidance for s in cells(base, parse_axis("CFG=2, 4.5"))] == [2.0, 4.5]
    assert [s.scheduler for s in cells(base, parse_axis("sampler=euler,ddim"))] == ["euler", "ddim"]
    grid = GridSpec(base={"prompt": "a shoe", "width": 64, "height": 64}, x="seed=1,2", y="cfg=3,5")
    assert spec_from_json(spec_to_json(grid)) == grid and len(grid.cells()) == 4


@pytest.mark.parametrize("x,y,words", [("colour=red", "", "NAME one of"), ("steps=", "", "no values"),
                                       ("steps=4,x", "", "not a valid steps"), ("steps=4", "steps=8", "must differ"),
                                       ("sampler=warp", "", "Unknown sampler"), ("steps=0,4", "", "Steps"),
                                       ("seed=" + ",".join(map(str, range(9))), "cfg=" + ",".join("12345678"),
                                        "too many")])
def test_bad_axes_are_one_line_errors(x, y, words):
    with pytest.raises(SpecError, match=words):
        GridSpec(base={"prompt": "p", "width": 64, "height": 64}, x=x, y=y).validate()


def test_cli_grid_draws_scored_labelled_grid_with_full_parameters(tiny_sd_dir, paths, capsys):
    from PIL import Image

    from studio.cli import main
    from studio.core.pngmeta import read_png_text

    save_tiny_clip(paths.models / "tiny-clip")
    assert main(["generate", "grid", "--x", "steps=1,2", "--y", "seed=3,4", "--prompt", "a red square",
                 "--model", str(tiny_sd_dir), "--width", "64", "--height", "64"]) == 0
    lines = capsys.readouterr().out.split()
    grid_path, cell_paths = lines[0], lines[1:]
    assert len(cell_paths) == 4
    grid = Image.open(grid_path)
    assert grid.width >= 2 * 64 and grid.height >= 2 * 64  # two columns, two rows plus labels
    chunks = read_png_text(grid_path)
    spec = spec_from_json(chunks["aigc_studio"])
    assert isinstance(spec, GridSpec) and spec.x == "steps=1,2" and spec.y == "seed=3,4"
    rows = json.loads(chunks["aigc_grid_cells"])
    assert [(r["spec"]["steps"], r["spec"]["seed"]) for r in rows] == [(1, 3), (2, 3), (1, 4), (2, 4)]
    assert [r["output"] for r in rows] == cell_paths
    assert all(0 <= r["clip_score"] <= 100 for r in rows)
    # each cell is an ordinary image with its own parameters
    from studio.core.pngmeta import read_png_parameters

    assert read_png_parameters(cell_paths[3]).steps == 2 and read_png_parameters(cell_paths[3]).seed == 4
    # ... and in the history: `history list` finds each cell by its prompt, with its own seed and score
    assert main(["history", "list", "red square", "--kind", "image", "--json"]) == 0
    listed = {e["path"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(listed) == set(cell_paths)
    assert [(listed[r["output"]]["seed"], listed[r["output"]]["score"]) for r in rows] == \
        [(r["spec"]["seed"], r["clip_score"]) for r in rows]
    assert all(e["prompt"] == "a red square" and e["model"] for e in listed.values())
    from studio.core.store.gallery import GalleryStore

    gallery = GalleryStore.open(paths)
    [entry] = [e for e in gallery.search("red square") if e.path == cell_paths[3]]
    assert entry.spec == read_png_parameters(cell_paths[3])  # "reuse parameters": the cell's own ImageSpec
    [whole] = gallery.search(kind="grid")
    assert whole.path == grid_path and whole.spec == spec
    gallery.close()
