"""The ``grid`` job: a scored comparison grid (A1111's X/Y plot, with each cell's CLIP score under it).

Each cell is an ordinary image job (the image engine's own ``run`` on the cell's ImageSpec), so each
cell is also saved and recorded as a normal image with its parameters. The grid PNG carries the
grid spec and, in its ``aigc_grid_cells`` chunk, every cell's full spec, file and score. Under
``accelerate launch`` / ``torchrun`` each process makes its share of the cells and the main one draws the grid.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from PIL import Image, ImageDraw, ImageFont

from studio.core.specs.grid import Axis
from studio.core.i18n import _
from studio.core.image_io import open_rgb
from studio.core.progress import CancelToken, Reporter, report_load
from studio.core.results import GridCell, GridResult, ImageResult, JobResult
from studio.core.specs.image import GridSpec
from studio.core.specs.serial import spec_to_dict
from studio.engines.context import EngineContext
from studio.engines.launch import Launch, LaunchLost, kept_in, merge_indexed
from studio.engines.output_files import output_path, save_png

CELLS_CHUNK = "aigc_grid_cells"
LABEL_PX = 14


class CellReporter:
    """Forwards one cell's (or one image's of a series) events, its progress mapped onto the whole job's."""

    def __init__(self, outer: Reporter, index: int, count: int, label: str = "") -> None:
        self.outer, self.index, self.count = outer, index, count
        self.label = label or _("cell {i} of {n}").format(i=index + 1, n=count)

    def progress(self, done: int, total: int, message: str = "") -> None:
        total = max(1, total)
        self.outer.progress(self.index * total + min(done, total), self.count * total, self.label)

    def wants_preview(self) -> bool:
        return self.outer.wants_preview()

    def preview(self, image: Any) -> None:
        self.outer.preview(image)

    def text(self, chunk: str) -> None:
        self.outer.text(chunk)

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        self.outer.metrics(step, values)

    def log(self, message: str) -> None:
        self.outer.log(message)

    def load(self, done: int, total: int, what: str) -> None:
        report_load(self.outer, done, total, what)


def _score(ctx: EngineContext, path: str, prompt: str, result: JobResult) -> tuple[float | None, str]:
    """The cell's CLIP score and the CLIP that gave it: the image engine's, else one from the first installed
    CLIP ((None, "") without one)."""
    if isinstance(result, ImageResult) and result.clip_score is not None:
        return float(result.clip_score), result.clip
    from studio.core.errors import ModelError
    from studio.engines.common.clip_model import load_clip

    try:
        clip = load_clip(ctx, "")
    except ModelError:
        return None, ""
    return clip.score([open_rgb(path)], [prompt])[0], clip.name


def _font(px: int):
    try:
        return ImageFont.load_default(size=px)
    except TypeError:  # Pillow < 10.1 has one bitmap size only
        return ImageFont.load_default()


def draw_grid(images: list[Image.Image], captions: list[str], x: Axis, y: Axis | None) -> Image.Image:
    """The labelled grid: x values over the columns, y values left of the rows, each caption under its cell."""
    w = max(im.width for im in images)
    h = max(im.height for im in images)
    font = _font(LABEL_PX)
    line = LABEL_PX + 6
    ncols, nrows = len(x.values), len(y.values) if y else 1
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = (max(int(probe.textlength(y.label(v), font=font)) for v in y.values) + 12) if y else 0
    top = line + 4
    cell_h = h + line
    canvas = Image.new("RGB", (left + ncols * w, top + nrows * cell_h), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for c, v in enumerate(x.values):
        draw.text((left + c * w + w / 2, top / 2), x.label(v), fill=(0, 0, 0), font=font, anchor="mm")
    for r in range(nrows):
        if y:
            draw.text((6, top + r * cell_h + h / 2), y.label(y.values[r]), fill=(0, 0, 0), font=font, anchor="lm")
        for c in range(ncols):
            i = r * ncols + c
            canvas.paste(images[i], (left + c * w, top + r * cell_h))
            draw.text((left + c * w + w / 2, top + r * cell_h + h + line / 2), captions[i], fill=(40, 40, 40),
                      font=font, anchor="mm")
    return canvas


def run(spec: GridSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> GridResult:
    """Make the cells (under a launch, this process's share of them; the main process draws the grid)."""
    from studio.engines.diffusion.generate import run as generate

    spec.validate()
    launch = Launch.start(ctx)
    axes = spec.axes()
    x, y = axes[0], (axes[1] if len(axes) > 1 else None)
    cells = spec.cells()
    mine = launch.share(len(cells))
    made: list[tuple[int, GridCell]] = []
    stopped = False
    try:
        for j, i in enumerate(mine):
            if cancel.cancelled:
                stopped = True
                break
            result = generate(cells[i], CellReporter(reporter, j, len(mine)), cancel, ctx)
            if result.cancelled or not result.outputs:
                stopped = True
                break
            path = result.outputs[0]
            score, clip = _score(ctx, path, cells[i].prompt, result)
            # The history records each cell as the image it is (its own prompt, seed, model and score).
            made.append((i, GridCell(spec=spec_to_dict(cells[i]), output=path, clip_score=score,
                                     seconds=result.seconds, model=result.model, clip=clip)))
            launch.maybe_die(len(made))
        shares = launch.gather((made, stopped))  # also the barrier: every cell is saved
    except LaunchLost as exc:
        raise kept_in(exc, ctx.outputs) from exc
    done = merge_indexed([part for part, _stopped in shares])
    if not launch.is_main:  # the main process draws the grid and reports every cell
        return GridResult(cancelled=stopped)
    if any(s for _part, s in shares):
        return GridResult(cancelled=True, outputs=tuple(c.output for c in done), cells=tuple(done))
    images = [open_rgb(c.output) for c in done]
    captions = [_("CLIP {score:.1f}").format(score=c.clip_score) if c.clip_score is not None else _("no CLIP score")
                for c in done]
    rows = [{"spec": c.spec, "output": c.output, "clip_score": c.clip_score, "seconds": c.seconds} for c in done]
    grid = draw_grid(images, captions, x, y)
    title = _("Comparison grid: {x}{y}").format(x=spec.x, y=f" × {spec.y}" if spec.y else "")
    out = save_png(grid, output_path(ctx.outputs, "grid", ".png"), spec, title,
                   {CELLS_CHUNK: json.dumps(rows, ensure_ascii=False)})
    scores = [r["clip_score"] for r in rows if r["clip_score"] is not None]
    best = max(rows, key=lambda r: r["clip_score"] if r["clip_score"] is not None else -1.0)
    return GridResult(outputs=(str(out), *(c.output for c in done)), grid=str(out),
                      best=best["output"] if scores else "", cells=tuple(done),
                      mean_clip_score=sum(scores) / len(scores) if scores else None)
