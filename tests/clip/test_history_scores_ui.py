"""The history strip shows CLIP scores, sorts by them and searches "score > x"."""
from __future__ import annotations

from studio.core.store.gallery import GalleryStore
from studio.core.results import ImageResult
from studio.core.specs.image import ImageSpec


def test_history_strip_sorts_and_filters_by_clip_score(qtbot, paths, tmp_path):
    from PIL import Image

    from studio.ui.history_strip import HistoryStrip

    gallery = GalleryStore.open(paths)
    for i, s in enumerate((12.5, None, 40.0, 25.0)):
        Image.new("RGB", (32, 32), (200, 30, 30)).save(tmp_path / f"{i}.png")
        gallery.add(ImageSpec(prompt=f"a red sneaker {i}", seed=i),
                    ImageResult(outputs=(str(tmp_path / f"{i}.png"),), seed=i, clip_score=s,
                                clip="" if s is None else "Studio CLIP"))
    strip = HistoryStrip()
    qtbot.addWidget(strip)
    strip.bind(gallery)
    texts = lambda: [strip.list.item(i).text() for i in range(strip.count())]  # noqa: E731
    assert texts() == ["25.0", "40.0", "", "12.5"]  # newest first; unscored images show no score
    assert "CLIP score 40.0 (Studio CLIP)" in strip.list.item(1).toolTip()
    strip.sort_combo.setCurrentIndex(strip.sort_combo.findData("score"))
    assert texts() == ["40.0", "25.0", "12.5", ""]
    strip.search_edit.setText("sneaker score > 20")
    strip.refresh()
    assert texts() == ["40.0", "25.0"]
