"""Canvas editing in the Image workspace: mask tools, img2img / inpaint / outpaint / upscale, versions.

``CanvasEditor(session, canvas, describer, upscale)`` (made with the Image workspace's tools) adds an edit tool
row under the canvas's own tools, a mask layer and brush outline in the canvas scene, and the
version strip under the canvas. Jobs go through the same pool as text-to-image: the current image
and mask are written to PNGs under ``<studio home>/cache/canvas`` and an ImageSpec with
``init_image``/``mask`` is queued; the result comes back as a new version (undoable).

Painting: left button with the brush or eraser; the middle button, or Space + left button, pans;
the wheel zooms; ``[`` and ``]`` change the brush size.
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFileDialog, QGraphicsView,
                               QLabel, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from studio.core.atomic import atomic_write_bytes
from studio.core.errors import SpecError, StudioError
from studio.core.models.caps import edit_refusal
from studio.core.outpaint import Extension
from studio.core.models.registry import ModelEntry
from studio.core.results import JobResult
from studio.jobs.api import JobHandle
from studio.ui.flow_layout import FlowLayout
from studio.ui.mask_layer import BrushCursor, MaskLayer
from studio.ui.versions import EditDocument, Version, VersionStrip

if TYPE_CHECKING:
    from studio.ui.builtin_tools import UpscaleTools
    from studio.ui.canvas import ImageCanvas
    from studio.ui.describe_image import ImageDescriber
    from studio.ui.session import StudioSession

MIN_BRUSH, MAX_BRUSH = 1, 512
EDIT_CHAIN_KEY = "aigc_studio_edits"


def qimage_from_file(path: str) -> QImage:
    """Open any image through the core's safe reader (modes converted, size limited) as a QImage."""
    from studio.core.image_io import open_rgb

    rgb = open_rgb(path)
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


class EditTools(QWidget):
    """The tool row: mask tools, edit parameters and the edit actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("edit_tools")
        self.open_button = self._button(self.tr("Open…"), self.tr("Open an image to edit (or drop / paste one)"))
        self.brush_button = self._button(self.tr("Brush"), self.tr("Paint the mask: the area to repaint"), True)
        self.eraser_button = self._button(self.tr("Eraser"), self.tr("Erase the mask"), True)
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(False)  # clicking the checked tool again returns to panning
        for b in (self.brush_button, self.eraser_button):
            self.tool_group.addButton(b)
        self.size_slider = self._slider(MIN_BRUSH, MAX_BRUSH, 48, self.tr("Brush size in image pixels ([ and ])"))
        self.size_label = QLabel()
        self.size_label.setMinimumWidth(48)
        self.hardness_slider = self._slider(0, 100, 80, self.tr("Brush hardness (0: soft edge, 100: hard)"))
        self.fill_button = self._button(self.tr("Fill"), self.tr("Mask the whole image"))
        self.clear_button = self._button(self.tr("Clear"), self.tr("Clear the mask"))
        self.invert_button = self._button(self.tr("Invert"), self.tr("Invert the mask"))
        self.strength_slider = self._slider(0, 100, 75, self.tr("How much img2img/inpaint changes (0–1)"))
        self.strength_label = QLabel()
        self.blur_spin = QSpinBox()
        self.blur_spin.setRange(0, 256)
        self.blur_spin.setValue(4)
        self.blur_spin.setSuffix(" px")
        self.blur_spin.setToolTip(self.tr("Mask feather: how softly the result blends in (inside the mask)"))
        self.only_masked_check = QCheckBox(self.tr("Only masked"))
        self.only_masked_check.setToolTip(self.tr("Inpaint a crop around the mask at the model's resolution "
                                                  "(sharp small edits on large images)"))
        self.img2img_button = self._button(self.tr("Img2img"), self.tr("Regenerate the whole image from it"))
        self.inpaint_button = self._button(self.tr("Inpaint"), self.tr("Regenerate only the masked area"))
        self.outpaint_spins = []
        for side in (self.tr("left"), self.tr("top"), self.tr("right"), self.tr("bottom")):
            spin = QSpinBox()
            spin.setRange(0, 1024)
            spin.setSingleStep(8)
            spin.setToolTip(self.tr("Outpaint: pixels to add on the {0} (multiple of 8)").format(side))
            self.outpaint_spins.append(spin)
        self.fill_combo = QComboBox()
        self.fill_combo.addItem(self.tr("edge"), "edge")
        self.fill_combo.addItem(self.tr("noise"), "noise")
        self.fill_combo.setToolTip(self.tr("How the new area starts before it is painted"))
        self.outpaint_button = self._button(self.tr("Outpaint"), self.tr("Extend the image and paint the new area"))
        self.upscale_button = self._button(self.tr("Upscale"), self.tr("Upscale the current version"))
        self.describe_button = self._button(self.tr("Describe"), self.tr("Describe this image: a CLIP writes a "
                                                                         "prompt for it into the prompt editor"))
        self.undo_button = self._button(self.tr("Undo"), self.tr("Undo the last mask edit or version (Ctrl+Z)"))
        self.redo_button = self._button(self.tr("Redo"), self.tr("Redo (Ctrl+Shift+Z)"))
        self.export_button = self._button(self.tr("Export…"), self.tr("Save the current version: PNG (with the "
                                                                      "edit chain), JPEG or WebP"))

        self.document_buttons = (self.open_button, self.undo_button, self.redo_button, self.export_button)
        """Placed in the canvas's top row by the editor (beside Save as…), so every row fits the canvas."""
        # Rows that wrap (never a » overflow button): every tool stays visible at any canvas width.
        mask_row = self._row("mask_tools", (
            self.brush_button, self.eraser_button, QLabel(self.tr("Size")), self.size_slider, self.size_label,
            QLabel(self.tr("Hardness")), self.hardness_slider, self.fill_button, self.clear_button,
            self.invert_button))
        edit_row = self._row("edit_actions", (
            QLabel(self.tr("Strength")), self.strength_slider, self.strength_label, QLabel(self.tr("Feather")),
            self.blur_spin, self.only_masked_check, self.img2img_button, self.inpaint_button, self.upscale_button,
            self.describe_button))
        outpaint_row = self._row("outpaint_tools", (
            QLabel(self.tr("Extend left/top/right/bottom")), *self.outpaint_spins, self.fill_combo,
            self.outpaint_button))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for row in (mask_row, edit_row, outpaint_row):
            layout.addWidget(row)
        self.size_slider.valueChanged.connect(lambda v: self.size_label.setText(f"{v} px"))
        self.strength_slider.valueChanged.connect(lambda v: self.strength_label.setText(f"{v / 100:.2f}"))
        self.size_label.setText(f"{self.size_slider.value()} px")
        self.strength_label.setText(f"{self.strength_slider.value() / 100:.2f}")

    def _row(self, name: str, widgets: tuple[QWidget, ...]) -> QWidget:
        row = QWidget(self)
        row.setObjectName(name)
        flow = FlowLayout(row)
        for w in widgets:
            flow.addWidget(w)
        policy = row.sizePolicy()
        policy.setHeightForWidth(True)
        row.setSizePolicy(policy)
        return row

    def _button(self, text: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setCheckable(checkable)
        return b

    def _slider(self, lo: int, hi: int, value: int, tip: str) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal, self)
        s.setRange(lo, hi)
        s.setValue(value)
        s.setFixedWidth(90)
        s.setToolTip(tip)
        return s

    def tool(self) -> str:
        """"brush", "eraser" or "" (the left button pans)."""
        if self.brush_button.isChecked():
            return "brush"
        return "eraser" if self.eraser_button.isChecked() else ""

    def extension(self) -> Extension:
        return Extension(*(s.value() for s in self.outpaint_spins))


class CanvasEditor(QObject):
    """Wires the tools, the mask layer, the document and the session's job pool to the Image workspace's canvas.
    The window adds :attr:`undo_actions` to itself (Ctrl+Z anywhere in the Image workspace)."""

    def __init__(self, session: StudioSession, canvas: ImageCanvas, describer: ImageDescriber,
                 upscale: UpscaleTools, tools: EditTools | None = None) -> None:
        """``tools``: the tool row, when made beforehand (the start-up makes it a turn earlier)."""
        super().__init__(session)
        self.session, self.describer, self.upscale_tools = session, describer, upscale
        self.canvas = canvas
        self.view: QGraphicsView = self.canvas.view
        self.mask = MaskLayer()
        self.mask.setVisible(False)
        self.cursor = BrushCursor()
        self.view.scene().addItem(self.mask)
        self.view.scene().addItem(self.cursor)
        self.doc = EditDocument(self.mask, self)
        self.tools = tools or EditTools()
        self.strip = VersionStrip(self.doc)
        layout = self.canvas.layout()
        layout.insertWidget(1, self.tools)
        row = self.canvas.tool_row
        row.insertWidget(0, self.tools.open_button)
        at = row.indexOf(self.canvas.save_button) + 1
        for i, button in enumerate(self.tools.document_buttons[1:]):
            row.insertWidget(at + i, button)
        layout.addWidget(self.strip)
        self._space = False
        self._pan_from: QPoint | None = None
        self._connect()

    # -- wiring ---------------------------------------------------------------------------------
    def _enable_undo_shortcuts(self) -> None:
        """Ctrl+Z/Ctrl+Shift+Z belong to the canvas only while the image workspace is shown."""
        on = self.session.workspace == "image"
        for action in self.undo_actions:
            action.setEnabled(on)

    def _connect(self) -> None:
        t = self.tools
        t.open_button.clicked.connect(lambda: self.open_dialog())
        t.brush_button.toggled.connect(lambda on: self._tool_toggled(t.brush_button, on))
        t.eraser_button.toggled.connect(lambda on: self._tool_toggled(t.eraser_button, on))
        t.size_slider.valueChanged.connect(self._brush_changed)
        t.hardness_slider.valueChanged.connect(self._brush_changed)
        t.fill_button.clicked.connect(lambda: self._whole_mask("fill"))
        t.clear_button.clicked.connect(lambda: self._whole_mask("clear"))
        t.invert_button.clicked.connect(lambda: self._whole_mask("invert"))
        t.img2img_button.clicked.connect(lambda: self.submit("img2img"))
        t.inpaint_button.clicked.connect(lambda: self.submit("inpaint"))
        t.outpaint_button.clicked.connect(lambda: self.submit("outpaint"))
        t.upscale_button.clicked.connect(lambda: self.upscale())
        t.describe_button.clicked.connect(lambda: self.describe())
        t.undo_button.clicked.connect(self.doc.undo_stack.undo)
        t.redo_button.clicked.connect(self.doc.undo_stack.redo)
        t.export_button.clicked.connect(lambda: self.export())
        self.doc.undo_stack.canUndoChanged.connect(t.undo_button.setEnabled)
        self.doc.undo_stack.canRedoChanged.connect(t.redo_button.setEnabled)
        t.undo_button.setEnabled(False)
        t.redo_button.setEnabled(False)
        self.doc.current_changed.connect(self._show_current)
        # Undo/redo work from anywhere in the image workspace (queue, history, tool buttons…); a text box
        # with focus keeps Ctrl+Z for its own text (Qt gives a focused editor's shortcut override priority).
        self.undo_actions: list[QAction] = []
        for text, keys, slot in ((self.tr("Undo edit"), QKeySequence.StandardKey.Undo, self.doc.undo_stack.undo),
                                 (self.tr("Redo edit"), QKeySequence.StandardKey.Redo, self.doc.undo_stack.redo)):
            action = QAction(text, self)
            action.setShortcuts(QKeySequence.keyBindings(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.undo_actions.append(action)
        self.session.workspace_changed.connect(lambda _key: self._enable_undo_shortcuts())
        self._enable_undo_shortcuts()
        for text, keys, slot in ((self.tr("Paste image"), QKeySequence.StandardKey.Paste, self.paste),
                                 (self.tr("Smaller brush"), QKeySequence("["), lambda: self.resize_brush(1 / 1.25)),
                                 (self.tr("Bigger brush"), QKeySequence("]"), lambda: self.resize_brush(1.25))):
            action = QAction(text, self.view)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)
        self.view.setAcceptDrops(True)
        self.view.viewport().setAcceptDrops(True)
        self.view.viewport().installEventFilter(self)
        self.view.installEventFilter(self)
        self.view.viewport().setMouseTracking(True)
        self.view.painted.connect(self._sync_overlay)
        self._brush_changed()

    def _message(self, text: str, ms: int = 6000) -> None:
        self.session.notify(text, ms)

    # -- document / canvas ------------------------------------------------------------------------
    def _shows_current(self) -> bool:
        cur = self.doc.current
        if cur is None or self.canvas.image().isNull() or self.canvas.preview_count:
            return False
        if cur.path and self.canvas.path() == cur.path:
            return True
        return self.canvas.image().cacheKey() == cur.image.cacheKey()

    def adopt_canvas(self) -> bool:
        """Make the image on the canvas (a result, a history item) the current version; False if none."""
        if self._shows_current():
            return True
        image = self.canvas.image()
        if image.isNull() or self.canvas.preview_count:
            return self.doc.current is not None and self._show_current() is None
        path = self.canvas.path()
        self.doc.add_version(Version(image.convertToFormat(QImage.Format.Format_RGB888),
                                     Path(path).name if path else self.tr("Canvas"), path,
                                     [{"op": "open", "source": path or ""}]))
        return True

    def open_image(self, image: QImage, label: str, path: str | None = None) -> None:
        """Start editing ``image`` (a new, undoable version)."""
        self.doc.add_version(Version(image.convertToFormat(QImage.Format.Format_RGB888), label, path,
                                     [{"op": "open", "source": path or label}]))

    def open_file(self, path: str) -> bool:
        try:
            image = qimage_from_file(path)
        except StudioError as exc:
            self._message(str(exc), 10000)
            return False
        self.open_image(image, Path(path).name, path)
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.canvas, self.tr("Open an image to edit"), "",
                                              self.tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"))
        if path:
            self.open_file(path)

    def paste(self) -> None:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self._message(self.tr("The clipboard holds no image."))
            return
        self.open_image(image, self.tr("Pasted"))

    def _show_current(self) -> None:
        cur = self.doc.current
        if cur is None:
            return
        self.canvas.show_image(cur.image, cur.path)
        self._sync_overlay()

    def _sync_overlay(self) -> None:
        """The mask shows only over the document's image (not over previews or other images)."""
        visible = self._shows_current() and self.mask.image.size() == self.canvas.shown_size()
        if visible != self.mask.isVisible():
            self.mask.setVisible(visible)
        if not visible and self.cursor.isVisible():
            self.cursor.setVisible(False)

    # -- brush ------------------------------------------------------------------------------------
    def _tool_toggled(self, button: QToolButton, on: bool) -> None:
        if on:
            for b in (self.tools.brush_button, self.tools.eraser_button):
                if b is not button:
                    b.setChecked(False)
            self.adopt_canvas()
        tool = self.tools.tool()
        self.view.setDragMode(QGraphicsView.DragMode.NoDrag if tool else QGraphicsView.DragMode.ScrollHandDrag)
        self.cursor.setVisible(False)

    def _brush_changed(self) -> None:
        self.mask.size_px = float(self.tools.size_slider.value())
        self.mask.hardness = self.tools.hardness_slider.value() / 100.0

    def resize_brush(self, factor: float) -> None:
        s = self.tools.size_slider
        value = int(round(s.value() * factor))
        s.setValue(max(MIN_BRUSH, min(MAX_BRUSH, value if value != s.value() else s.value() + (1 if factor > 1 else -1))))

    def _whole_mask(self, what: str) -> None:
        if not self.adopt_canvas():
            self._message(self.tr("Open an image first."))
            return
        image = {"fill": self.mask.filled, "clear": self.mask.cleared, "invert": self.mask.inverted}[what]()
        label = {"fill": self.tr("Fill mask"), "clear": self.tr("Clear mask"), "invert": self.tr("Invert mask")}[what]
        self.doc.replace_mask(image, label)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        et = event.type()
        if obj is self.view:
            if et in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and event.key() == Qt.Key.Key_Space \
                    and not event.isAutoRepeat():
                self._space = et == QEvent.Type.KeyPress
                painting = self.tools.tool() and not self._space
                self.view.setDragMode(QGraphicsView.DragMode.NoDrag if painting
                                      else QGraphicsView.DragMode.ScrollHandDrag)
                return True
            return False
        if et in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if event.mimeData().hasUrls() or event.mimeData().hasImage():
                event.acceptProposedAction()
                return True
        elif et == QEvent.Type.Drop:
            return self._drop(event)
        elif et == QEvent.Type.MouseButtonPress:
            return self._press(event)
        elif et == QEvent.Type.MouseMove:
            return self._move(event)
        elif et == QEvent.Type.MouseButtonRelease:
            return self._release(event)
        elif et == QEvent.Type.Leave:
            self.cursor.setVisible(False)
        return False

    def _scene_pos(self, event: QMouseEvent) -> QPointF:
        return self.view.mapToScene(event.position().toPoint())

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            return True
        tool = self.tools.tool()
        if event.button() != Qt.MouseButton.LeftButton or not tool or self._space:
            return False
        if not self.adopt_canvas():
            return False
        self.view.setFocus()
        self.mask.setVisible(True)
        self.mask.begin_stroke(self._scene_pos(event), erase=tool == "eraser")
        return True

    def _move(self, event: QMouseEvent) -> bool:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.view.horizontalScrollBar().setValue(self.view.horizontalScrollBar().value() - delta.x())
            self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().value() - delta.y())
            return True
        pos = self._scene_pos(event)
        if self.tools.tool() and not self._space and self.mask.isVisible():
            self.cursor.place(pos, self.mask.size_px)
            self.cursor.setVisible(True)
        if self.mask.painting:
            self.mask.stroke_to(pos)
            return True
        return False

    def _release(self, event: QMouseEvent) -> bool:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            return True
        if event.button() == Qt.MouseButton.LeftButton and self.mask.painting:
            done = self.mask.end_stroke()
            if done is not None:
                label = self.tr("Erase mask") if self.tools.tool() == "eraser" else self.tr("Paint mask")
                self.doc.record_mask_edit(*done, label)
            return True
        return False

    def _drop(self, event) -> bool:
        mime = event.mimeData()
        if mime.hasUrls():
            files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if files:
                event.acceptProposedAction()
                self.open_file(files[0])
                return True
        if mime.hasImage():
            event.acceptProposedAction()
            self.open_image(QImage(mime.imageData()), self.tr("Dropped"))
            return True
        return False

    # -- jobs -------------------------------------------------------------------------------------
    def _temp_png(self, image: QImage, what: str) -> str:
        folder = self.session.paths.cache / "canvas"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(6)}-{what}.png"
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        atomic_write_bytes(path, bytes(data.data()))
        return str(path)

    def submit(self, op: str) -> JobHandle | None:
        """Queue ``op`` ("img2img", "inpaint", "outpaint") on the current version; its handle or None."""
        pool = self.session.pool
        if pool is None:
            self._message(self.tr("The engine is still starting; try again in a moment."))
            return None
        if not self.adopt_canvas():
            self._message(self.tr("Open an image first (Open…, drag and drop, or paste)."))
            return None
        cur = self.doc.current
        t = self.tools
        mask_path = None
        if op == "inpaint":
            if self.mask.is_empty():
                self._message(self.tr("The mask is empty: paint the area to repaint with the brush first."))
                return None
            mask_path = self._temp_png(self.mask.alpha(), "mask")
        try:
            ext = t.extension() if op == "outpaint" else Extension()
        except SpecError as exc:
            self._message(str(exc))
            return None
        if op == "outpaint" and ext.empty:
            self._message(self.tr("Set how many pixels to add on at least one side (Extend L/T/R/B)."))
            return None
        w, h = ext.new_size(cur.image.width(), cur.image.height())
        strength = 1.0 if op == "outpaint" else t.strength_slider.value() / 100.0
        spec = self.session.current_spec().replace(
            init_image=self._temp_png(cur.image, "image"), mask=mask_path, strength=strength,
            outpaint=ext.as_tuple(), outpaint_fill=t.fill_combo.currentData(), mask_blur=t.blur_spin.value(),
            masked_only=t.only_masked_check.isChecked() and op == "inpaint",
            width=max(8, -(-w // 8) * 8), height=max(8, -(-h // 8) * 8), upscale="")  # edits keep the size
        try:
            handle = pool.submit(spec)
        except SpecError as exc:
            self._message(str(exc), 10000)
            return None
        step = {"op": op, "prompt": spec.prompt, "seed": spec.seed, "strength": strength, "steps": spec.steps,
                "model": spec.model}
        if op == "outpaint":
            step["extend"] = list(ext.as_tuple())
        self._follow(handle, op, step)
        self._message(self.tr("Queued {0} (job #{1})").format(self._op_label(op), handle.job_id), 3000)
        return handle

    def follow_model(self, entry: ModelEntry | None) -> None:
        """Enable the edits the chosen model can do; a disabled button's tooltip says why (before queueing)."""
        t = self.tools
        buttons = {"img2img": t.img2img_button, "inpaint": t.inpaint_button, "outpaint": t.outpaint_button}
        for op, button in buttons.items():
            refusal = edit_refusal(entry, op)
            if not button.property("usable_tip"):
                button.setProperty("usable_tip", button.toolTip())
            button.setEnabled(not refusal)
            button.setToolTip(refusal or button.property("usable_tip"))

    def _current_file(self) -> str | None:
        """The current version as a file (its own, else a PNG in the cache); None (said) when there is none."""
        if self.session.pool is None or not self.adopt_canvas():
            self._message(self.tr("Open an image first (Open…, drag and drop, or paste)."))
            return None
        cur = self.doc.current
        return cur.path if cur.path and Path(cur.path).is_file() else self._temp_png(cur.image, "image")

    def describe(self) -> JobHandle | None:
        """Queue "Describe this image" on the current version: its prompt goes into the prompt editor."""
        path = self._current_file()
        return self.describer.describe(path) if path else None

    def upscale(self) -> JobHandle | None:
        """Queue an upscale of the current version with the Upscale menu's model."""
        path = self._current_file()
        if path is None:
            return None
        tools = self.upscale_tools
        handle = tools.upscale_file(path)
        if handle is not None:
            self._follow(handle, "upscale", {"op": "upscale", "model": tools.model()})
        return handle

    def _op_label(self, op: str) -> str:
        """How the version strip, the undo history and messages name an edit (as its button does)."""
        return {"img2img": self.tr("Img2img"), "inpaint": self.tr("Inpaint"), "outpaint": self.tr("Outpaint"),
                "upscale": self.tr("Upscale")}.get(op, op)

    def _follow(self, handle: JobHandle, op: str, step: dict) -> None:
        handle.finished.connect(lambda result: self._on_finished(op, step, result))

    def _on_finished(self, op: str, step: dict, result: JobResult) -> None:
        """A job of this editor finished: its image becomes the next version (undoable)."""
        outputs = list(result.outputs)
        if not outputs:
            return
        path = str(outputs[-1])
        image = QImage(path)
        if image.isNull():
            self._message(self.tr("Cannot open {0}").format(path))
            return
        chain = list(self.doc.current.chain) if self.doc.current else []
        step = dict(step, output=Path(path).name, **({"model": result.model} if result.model else {}))
        self.doc.add_version(Version(image.convertToFormat(QImage.Format.Format_RGB888), self._op_label(op), path,
                                     chain + [step]))

    # -- export -----------------------------------------------------------------------------------
    def export(self, target: str | None = None) -> str | None:
        """Save the current version as PNG (with the edit chain), JPEG or WebP; the path or None."""
        cur = self.doc.current
        if cur is None and self.adopt_canvas():
            cur = self.doc.current
        if cur is None:
            self._message(self.tr("Nothing to export."))
            return None
        if not target:
            target, _ = QFileDialog.getSaveFileName(self.canvas, self.tr("Export image"), "edited.png",
                                                    self.tr("PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)"))
        if not target:
            return None
        suffix = Path(target).suffix.lower()
        fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}.get(suffix)
        if fmt is None:
            self._message(self.tr("Export as .png, .jpg or .webp."))
            return None
        image = QImage(cur.image)
        if fmt == "PNG":
            image.setText(EDIT_CHAIN_KEY, json.dumps(cur.chain, ensure_ascii=False))
            last = next((s for s in reversed(cur.chain) if s.get("prompt")), None)
            if last:
                image.setText("parameters", f"{last['prompt']}\nEdit: {last['op']}, Seed: {last['seed']}, "
                                            f"Strength: {last['strength']}, Steps: {last['steps']}")
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        ok = image.save(buf, fmt, 95 if fmt != "PNG" else -1)
        buf.close()
        if not ok:
            self._message(self.tr("Could not encode the image as {0}.").format(fmt))
            return None
        try:
            atomic_write_bytes(Path(target), bytes(data.data()))
        except OSError as exc:
            self._message(self.tr("Could not save the image: {0}").format(exc))
            return None
        self._message(self.tr("Saved {0}").format(target), 4000)
        if self._shows_current():
            self.canvas.show_written(target)
        return target

