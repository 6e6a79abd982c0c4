"""The Control dock's widgets (pytest-qt, offscreen): units, their control maps shown before generating, the
prompt editor's specs carrying them, reuse parameters, family greying and bad images."""
from __future__ import annotations

from PIL import Image, ImageDraw
from PySide6.QtGui import QImage, Qt

from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.ui.control_panel import ControlPanel
from studio.ui.prompt_editor import PromptEditor

SD = ModelEntry(name="sd15", path="/m/sd15", type="diffusers", family="sd1")
CN = ModelEntry(name="cn-canny", path="/m/cn", type="controlnet", family="sd1")
CN_XL = ModelEntry(name="cn-xl", path="/m/cnxl", type="controlnet", family="sdxl")
IPA = ModelEntry(name="ipa", path="/m/ipa.safetensors", type="ip_adapter", family="sd1")


def picture(path):
    im = Image.new("RGB", (80, 60), (230, 230, 230))
    ImageDraw.Draw(im).ellipse((10, 10, 50, 50), fill=(0, 0, 0))
    im.save(path)
    return str(path)


def make(qtbot, tmp_path, strokes: QImage | None = None):
    editor = PromptEditor()
    panel = ControlPanel(tmp_path / "cache", scribble_image=lambda: strokes)
    qtbot.addWidget(editor)
    qtbot.addWidget(panel)
    editor.spec_extras = panel.spec_fields
    editor.spec_applied.connect(panel.apply_spec)
    panel.set_models([SD, CN, CN_XL, IPA])
    panel.follow_model(SD)
    return editor, panel


def test_a_unit_shows_its_control_map_and_rides_on_every_spec(qtbot, tmp_path):
    editor, panel = make(qtbot, tmp_path)
    assert not panel.rows and panel.none_label.isVisibleTo(panel)
    row = panel.add_unit()
    assert row.model_combo.currentData() == "cn-canny"
    xl = row.model_combo.model().item(row.model_combo.findData("cn-xl"))
    assert not xl.isEnabled() and "SDXL" in xl.toolTip()  # another family: greyed, and the tooltip says why
    row.preprocess_combo.setCurrentIndex(row.preprocess_combo.findData("canny"))
    row.set_image(picture(tmp_path / "p.png"))
    shown = row.preview.pixmap().toImage()
    assert not shown.isNull()
    colours = {shown.pixelColor(x, y).lightness() for x in range(shown.width()) for y in range(shown.height())}
    assert 0 in colours and max(colours) > 200  # white edges on black
    row.weight_spin.setValue(0.7)
    row.end_spin.setValue(0.6)
    spec = editor.spec()
    assert spec.controls == (ControlUnit(model="cn-canny", image=str(tmp_path / "p.png"), weight=0.7, end=0.6,
                                         preprocess="canny"),)
    row.preprocess_combo.setCurrentIndex(row.preprocess_combo.findData("depth"))
    assert row.preview.text() == "computed by the job"


def test_reuse_parameters_fills_the_units_and_the_image_prompt(qtbot, tmp_path):
    editor, panel = make(qtbot, tmp_path)
    image = picture(tmp_path / "c.png")
    spec = ImageSpec(prompt="a cat", controls=(ControlUnit(model="cn-canny", image=image, weight=0.5, start=0.2),
                                               ControlUnit(model="cn-canny", image="", preprocess="scribble")),
                     ip_image=image, ip_weight=0.9, ip_adapter="ipa")
    editor.apply_spec(spec)
    assert [r.unit() for r in panel.rows] == list(spec.controls)
    assert panel.rows[1].note.text() == "The image's parameters do not hold the control image: choose it."
    assert panel.spec_fields()["ip_image"] == image and panel.spec_fields()["ip_adapter"] == "ipa"
    editor.apply_spec(ImageSpec(prompt="plain"))
    assert not panel.rows and panel.spec_fields()["ip_image"] is None


def test_unreadable_image_is_one_line_and_scribble_takes_the_brush_strokes(qtbot, tmp_path):
    strokes = QImage(64, 64, QImage.Format.Format_Grayscale8)
    strokes.fill(Qt.GlobalColor.black)
    for x in range(10, 50):
        strokes.setPixelColor(x, 30, Qt.GlobalColor.white)
    editor, panel = make(qtbot, tmp_path, strokes)
    row = panel.add_unit()
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    row.set_image(str(bad))
    assert row.note.isVisibleTo(row) and "bad.png is not a readable image" in row.note.text()
    assert "\n" not in row.note.text()
    row.scribble_button.click()
    assert row.preprocess_combo.currentData() == "scribble" and row.image_path.endswith("-scribble.png")
    assert not row.preview.pixmap().isNull()
    panel.remove_unit(row)
    assert editor.spec().controls == ()
