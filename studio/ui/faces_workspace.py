"""The Faces workspace: GAN images by seed (a grid) or a latent walk between two seeds (animated, GIF export).

Jobs go through the shared queue as ``GanSpec``; the result (grid PNG, or the walk's GIF) is shown here.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QMovie, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from studio.core.atomic import atomic_write_bytes
from studio.core.models.builtin_models import FACES_NAME
from studio.core.models.registry import ModelEntry
from studio.core.results import JobResult
from studio.core.specs.base import MAX_SEED, Spec
from studio.core.specs.image import GanSpec
from studio.jobs.api import JobHandle, JobPool
from studio.ui.job_watch import JobWatch, run_buttons, seed_row
from studio.ui.spin_boxes import SeedSpinBox
from studio.ui.vae_tools import VaeTools

if TYPE_CHECKING:
    from studio.ui.session import StudioSession


class FacesWorkspace(QWidget):
    """Controls on the left, the grid or the animated walk on the right."""

    def __init__(self, parent: QWidget | None = None, session: StudioSession | None = None) -> None:
        """With a ``session``, its model scans fill the model list."""
        super().__init__(parent)
        self.setObjectName("FacesWorkspace")
        self.outputs: tuple[str, ...] = ()
        self._movie: QMovie | None = None
        self._vaes: set[str] = set()

        # A list of the installed GANs (the built-in faces and the ones you trained), never a name to type.
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("gan_model")
        self.model_combo.setToolTip(self.tr("A GAN model: the built-in faces, or one you trained"))
        self.model_combo.addItem(FACES_NAME, FACES_NAME)
        self.seed_box, self.random_button, seed_layout = seed_row()
        self.count_box = self._spin(1, 256, 16, self.tr("How many faces (seeds seed, seed+1, …)"))
        self.columns_box = self._spin(0, 64, 0, self.tr("Grid columns (0: as square as possible)"))
        self.walk_check = QCheckBox(self.tr("Latent walk to seed"))
        self.walk_check.setToolTip(self.tr("Morph smoothly from the first seed's face to another seed's"))
        self.walk_seed_box = SeedSpinBox()
        self.walk_seed_box.set_seed(2)
        self.frames_box = self._spin(2, 240, 24, self.tr("Frames of the walk"))
        self.scale_box = self._spin(1, 8, 3, self.tr("Enlarge the saved images for viewing (the model makes 64 px)"))
        self.walk_check.toggled.connect(self._update_enabled)

        self.generate_button, self.cancel_button, run_row = run_buttons(self.generate)
        self.save_gif_button = QPushButton(self.tr("Save GIF as…"))
        self.save_gif_button.clicked.connect(lambda: self.save_gif())
        self.message = QLabel()
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Model"), self.model_combo)
        form.addRow(self.tr("Seed"), seed_layout)
        form.addRow(self.tr("Count"), self.count_box)
        form.addRow(self.tr("Columns"), self.columns_box)
        form.addRow(self.walk_check, self.walk_seed_box)
        form.addRow(self.tr("Frames"), self.frames_box)
        form.addRow(self.tr("Enlarge ×"), self.scale_box)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(run_row)
        left.addWidget(self.save_gif_button)
        self.vae_tools = VaeTools()
        self.vae_tools.spec_requested.connect(self.submit)
        for signal in (self.model_combo.currentIndexChanged, self.frames_box.valueChanged,
                       self.scale_box.valueChanged):
            signal.connect(lambda *_a: self._update_enabled())
        left.addWidget(self.vae_tools)
        left.addWidget(self.message)
        left.addStretch(1)
        panel = QWidget()
        panel.setLayout(left)
        panel.setMaximumWidth(320)

        self.view = QLabel(self.tr("Faces appear here. Pick a seed and press Generate."))
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        layout = QHBoxLayout(self)
        layout.addWidget(panel)
        layout.addWidget(scroll, 1)
        self.watch = JobWatch(self, self._say, self.generate_button, cancel_button=self.cancel_button,
                              format_progress=lambda done, total, _eta: self.tr("Generating {0}/{1}").format(done, total))
        self.watch.finished.connect(self._on_finished)
        self.watch.ended.connect(lambda _state: self._update_enabled())
        self._update_enabled()
        if session is not None:
            session.follow_models(self.set_models)

    @property
    def job(self) -> JobHandle | None:
        """The running job, None when idle."""
        return self.watch.job

    def model(self) -> str:
        return str(self.model_combo.currentData() or FACES_NAME)

    def set_models(self, entries: Iterable[ModelEntry]) -> None:
        """List the usable GANs of a model scan, keeping the current choice."""
        current = self.model()
        # GANs, and VAEs (their prior samples like a GAN; their tools below take your own images).
        entries = [e for e in entries if e.type in ("gan", "studio_vae") and e.usable]
        self._vaes = {e.name for e in entries if e.type == "studio_vae"}
        gans = [(e.title, e.name) for e in entries]
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for title, name in gans or [(FACES_NAME, FACES_NAME)]:
            self.model_combo.addItem(title, name)
        self.model_combo.blockSignals(False)
        self.set_model(current)

    def set_model(self, name: str) -> None:
        """Select the GAN ``name`` (added when the last scan did not list it, e.g. one just trained)."""
        i = self.model_combo.findData(name)
        if i < 0:
            self.model_combo.addItem(name, name)
            i = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(i)

    def _spin(self, lo: int, hi: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _update_enabled(self) -> None:
        self.vae_tools.setVisible(self.model() in self._vaes)
        self.vae_tools.model = self.model()
        self.vae_tools.frames, self.vae_tools.scale = self.frames_box.value(), self.scale_box.value()
        self.vae_tools.setEnabled(self.job is None)
        walk = self.walk_check.isChecked()
        self.walk_seed_box.setEnabled(walk)
        self.frames_box.setEnabled(walk or self.model() in self._vaes)  # a VAE interpolation has frames too
        self.count_box.setEnabled(not walk)
        self.columns_box.setEnabled(not walk)
        self.save_gif_button.setEnabled(any(o.endswith(".gif") for o in self.outputs))

    def spec(self) -> GanSpec:
        """The job the controls describe (validated)."""
        seed = self.seed_box.seed()
        walk = self.walk_check.isChecked()
        seeds = (seed,) if walk else tuple((seed + i) % (MAX_SEED + 1) for i in range(self.count_box.value()))
        spec = GanSpec(model=self.model(), seeds=seeds, columns=self.columns_box.value(),
                       walk_to_seed=self.walk_seed_box.seed() if walk else None, frames=self.frames_box.value(),
                       scale=self.scale_box.value())
        spec.validate()
        return spec

    # -- jobs ------------------------------------------------------------------------------------
    def bind(self, pool: JobPool) -> None:
        self.watch.pool = pool

    def generate(self) -> JobHandle | None:
        return self._queue(self.spec)

    def submit(self, spec: Spec) -> JobHandle | None:
        """Queue ``spec`` (a GanSpec, or a VaeSpec from the VAE tools) and show its result here."""
        return self._queue(lambda: spec)

    def _queue(self, make_spec: Callable[[], Spec]) -> JobHandle | None:
        job = self.watch.submit(make_spec)
        self._update_enabled()  # the VAE tools wait while it runs
        return job

    def cancel(self) -> None:
        self.watch.cancel()

    def _on_finished(self, result: JobResult) -> None:
        self.show_outputs(result.outputs)
        self._say(self.tr("Done in {0} s").format(result.seconds))

    # -- showing -----------------------------------------------------------------------------------
    def show_outputs(self, outputs: tuple[str, ...]) -> None:
        """Show a walk's GIF animated, else the (grid) PNG."""
        self.outputs = outputs
        if self._movie is not None:
            self._movie.stop()
            self._movie = None
        gif = next((o for o in outputs if o.endswith(".gif")), None)
        if gif:
            self._movie = QMovie(gif)
            self.view.setMovie(self._movie)
            self._movie.start()
        elif outputs:
            self.view.setPixmap(QPixmap(outputs[0]))
        self._update_enabled()

    def shown_size(self) -> QSize:
        if self._movie is not None:
            return self._movie.currentPixmap().size()
        pm = self.view.pixmap()
        return pm.size() if pm is not None else QSize()

    def save_gif(self, target: str | None = None) -> str | None:
        """Copy the walk's GIF to ``target`` (asks for a file when None); returns the path written."""
        gif = next((o for o in self.outputs if o.endswith(".gif")), None)
        if gif is None:
            return None
        if target is None:
            target, _ = QFileDialog.getSaveFileName(self, self.tr("Save the latent walk"), Path(gif).name,
                                                    self.tr("GIF animation (*.gif)"))
            if not target:
                return None
        try:  # atomic: a device, FIFO or folder at the target is refused, never written into
            atomic_write_bytes(Path(target), Path(gif).read_bytes())
        except OSError as exc:
            self._say(self.tr("Could not save the animation: {0}").format(exc), error=True)
            return None
        self._say(self.tr("Saved {0}").format(target))
        return target

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)
