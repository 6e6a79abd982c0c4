"""The history: newest first with paging, search by prompt / model / seed, text entries, delete."""
from __future__ import annotations

import pytest

from studio.core.store.gallery import GalleryStore
from studio.core.results import FacesResult, ImageResult, TextResult
from studio.core.specs.image import GanSpec, ImageSpec
from studio.core.specs.text import TextSpec


@pytest.fixture()
def gallery(paths):
    g = GalleryStore.open(paths)
    yield g
    g.db.close()


def _add_image(gallery, paths, prompt, model="sd-tiny", seed=1, name=None):
    out = paths.outputs / (name or f"{prompt[:10].replace(' ', '_')}-{seed}.png")
    out.write_bytes(b"not really a png")
    spec = ImageSpec(prompt=prompt, negative_prompt="blurry", model=model, seed=seed)
    return gallery.add(spec, ImageResult(outputs=(str(out),), seed=seed, model=model))[0]


def test_list_is_newest_first_and_pages(gallery, paths):
    ids = [_add_image(gallery, paths, f"picture number {i}", seed=i) for i in range(7)]
    page1, page2 = gallery.list(limit=4), gallery.list(limit=4, offset=4)
    assert [e.id for e in page1 + page2] == ids[::-1]
    assert gallery.count() == 7


def test_search_by_prompt_words_model_and_seed(gallery, paths):
    cat = _add_image(gallery, paths, "A Red Cat on a sofa, (masterpiece:1.2)", model="dreamy-v1", seed=42)
    dog = _add_image(gallery, paths, "a dog in the snow", model="sd-tiny", seed=42)
    cats = _add_image(gallery, paths, "two cats at night", model="sd-tiny", seed=5)
    assert {e.id for e in gallery.search("cat")} == {cat, cats}  # substring, case-insensitive
    assert [e.id for e in gallery.search("red CAT")] == [cat]  # every word must match
    assert [e.id for e in gallery.search("masterpiece:1.2")] == [cat]
    assert {e.id for e in gallery.search("a")} == {cat, dog, cats}  # short terms fall back to LIKE
    assert [e.id for e in gallery.search("blurry", model="dreamy")] == [cat]  # negative prompt searched too
    assert [e.id for e in gallery.search(seed=42, model="sd-tiny")] == [dog]
    assert gallery.search("unicorn") == []
    assert gallery.count("cat") == 2
    assert gallery.models() == ["sd-tiny", "dreamy-v1"]
    assert gallery.search("100%") == [] and gallery.search('quote"d') == []  # no SQL/FTS syntax errors


def test_text_outputs_and_per_output_seeds(gallery, paths):
    [t] = gallery.add(TextSpec(prompt="Write a haiku about tea", model="smollm"),
                      TextResult(text="Steam rises softly", model="smollm", seed=3))
    entry = gallery.get(t)
    assert entry.media == "text" and entry.text == "Steam rises softly" and entry.kind == "text"
    assert [e.id for e in gallery.search("steam")] == [t]  # the output text is searchable
    outs = [paths.outputs / f"b{i}.png" for i in range(3)]
    ids = gallery.add(GanSpec(seeds=(10, 11, 12)), FacesResult(outputs=tuple(map(str, outs)), seeds=(10, 11, 12)))
    assert [gallery.get(i).seed for i in ids] == [10, 11, 12]
    assert gallery.get(ids[0]).info["seeds"] == [10, 11, 12]  # the typed result, as stored
    assert [e.id for e in gallery.list(media="text")] == [t]


def test_delete_removes_the_entry_and_never_its_file(gallery, paths):
    keep_file = _add_image(gallery, paths, "first", name="first.png")
    drop_file = _add_image(gallery, paths, "second", name="second.png")
    assert gallery.delete(keep_file)
    assert (paths.outputs / "first.png").exists()
    assert gallery.delete(drop_file)
    assert (paths.outputs / "second.png").exists()  # files go only through the trash, confined to outputs
    assert gallery.list() == [] and gallery.search("first") == []  # the search index follows deletes
    assert not gallery.delete(drop_file)
    with pytest.raises(KeyError):
        gallery.get(drop_file)


def test_images_made_by_sub_jobs_are_recorded_with_their_own_parameters(gallery, paths):
    # A grid's cells and an evaluation's generated images are image sub-jobs: each history row carries the
    # sub-job's prompt, seed, model, score and spec (as the result arrives from the engine host: JSON).
    import json

    from studio.core.store.queue import QueueStore
    from studio.core.results import EvaluateResult, GridCell, GridResult, result_from_dict, result_to_dict
    from studio.core.specs.training import EvaluateSpec
    from studio.core.specs.image import GridSpec
    from studio.core.specs.serial import spec_to_dict

    def wire(result):
        return result_from_dict(result.kind, json.loads(json.dumps(result_to_dict(result))))

    red, blue = (ImageSpec(prompt=p, negative_prompt="blurry", model="fashion", seed=s, steps=4)
                 for p, s in (("a red sneaker", 3), ("a blue dress", 4)))
    cells = tuple(GridCell(spec=spec_to_dict(s), output=str(paths.outputs / f"c{s.seed}.png"), clip_score=30.0 + s.seed,
                           model="Studio Fashion", clip="Studio CLIP") for s in (red, blue))
    grid_spec = GridSpec(base={"prompt": "a shoe"}, x="seed=3,4")
    grid = wire(GridResult(outputs=(str(paths.outputs / "grid.png"), *(c.output for c in cells)),
                           grid=str(paths.outputs / "grid.png"), cells=cells))
    store = QueueStore.open(paths.queue_db)  # the window's path: the queue records the finished job
    job = store.add(grid_spec)
    ids = store.set_result(job, grid, grid_spec)
    store.db.close()
    whole, first, second = (gallery.get(i) for i in ids)
    assert whole.kind == "grid" and whole.spec == grid_spec and whole.score is None  # the grid image: the grid's
    assert [(e.kind, e.prompt, e.negative_prompt, e.seed, e.model, e.score, e.score_clip) for e in (first, second)] == [
        ("image", "a red sneaker", "blurry", 3, "Studio Fashion", 33.0, "Studio CLIP"),
        ("image", "a blue dress", "blurry", 4, "Studio Fashion", 34.0, "Studio CLIP")]
    assert first.spec == red and second.spec == blue  # "reuse parameters" gives the cell's own spec
    assert [e.id for e in gallery.search("sneaker")] == [first.id]
    assert [e.id for e in gallery.search(seed=4, model="Fashion")] == [second.id]

    evaluation = wire(EvaluateResult(outputs=(str(paths.outputs / "evaluation.json"), cells[0].output),
                                     generated=cells[:1], model="fashion"))
    report, image = (gallery.get(i) for i in gallery.add(EvaluateSpec(model="fashion", prompts=("a red sneaker",)),
                                                          evaluation))
    assert report.kind == "evaluate" and report.media == "file" and report.prompt == ""
    assert image.kind == "image" and image.spec == red and image.score == 33.0
    assert {e.id for e in gallery.search("sneaker")} == {first.id, image.id}
    # a damaged cell spec from a peer: the row falls back to the job's own parameters, nothing is lost
    bad = GridResult(outputs=(cells[0].output,), cells=(GridCell(spec={"kind": "image", "seed": "x"},
                                                                 output=cells[0].output),))
    [fallback] = gallery.add(grid_spec, bad)
    assert gallery.get(fallback).kind == "grid" and gallery.get(fallback).path == cells[0].output


def test_undoing_a_delete_brings_the_score_back(gallery, paths):
    out = paths.outputs / "s.png"
    [i] = gallery.add(ImageSpec(prompt="a red sneaker"), ImageResult(outputs=(str(out),), clip_score=31.5,
                                                                       clip="Studio CLIP"))
    entry = gallery.get(i)
    gallery.delete(i)
    gallery.restore(entry)
    assert gallery.get(i).score == 31.5 and gallery.get(i).score_clip == "Studio CLIP"
