"""The history: newest first with paging, search by prompt / model / seed, text entries, delete."""
from __future__ import annotations

import pytest

from studio.core.gallery import GalleryStore
from studio.core.results import FacesResult, ImageResult, TextResult
from studio.core.specs import GanSpec, ImageSpec, TextSpec


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
