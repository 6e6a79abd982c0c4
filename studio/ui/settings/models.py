"""Settings → Models: extra model folders, the Hugging Face cache, default image and text models."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget

from studio.core.models.registry import hf_hub_cache
from studio.core.specs.base import NO_CLIP
from studio.ui.settings.folder_edit import FolderEdit
from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo


class FolderList(QWidget):
    """A list of folders with Add… and Remove."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("model_dirs_list")
        self.list.setMinimumHeight(90)
        self.add_button = QPushButton(self.tr("Add…"))
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)

    def folders(self) -> tuple[str, ...]:
        return tuple(self.list.item(i).text() for i in range(self.list.count()))

    def set_folders(self, folders: tuple[str, ...]) -> None:
        self.list.clear()
        self.list.addItems(list(folders))
        self.changed.emit()

    def add_folder(self, folder: str) -> None:
        if folder and folder not in self.folders():
            self.list.addItem(folder)
            self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def _add(self) -> None:
        self.add_folder(QFileDialog.getExistingDirectory(self, self.tr("Add a model folder")))


class ModelsPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.folders = FolderList()
        self.folders.setObjectName("model_dirs")
        self.bind("model_dirs", self.tr("Model folders"), self.folders, self.folders.folders,
                  self.folders.set_folders, self.folders.changed,
                  self.tr("Scanned for models besides {0}.").format(context.paths.root / "models"))
        self.scan_hf = QCheckBox(self.tr("Use models in the Hugging Face cache (read in place, not copied)"))
        self.scan_hf.setObjectName("scan_hf_cache")
        self.bind("scan_hf_cache", self.tr("Hugging Face"), self.scan_hf, self.scan_hf.isChecked,
                  self.scan_hf.setChecked, self.scan_hf.toggled)
        self.hf_cache = FolderEdit(str(hf_hub_cache()))
        self.hf_cache.setObjectName("hf_cache_dir")
        self.bind("hf_cache_dir", self.tr("Hugging Face cache"), self.hf_cache, self.hf_cache.text,
                  self.hf_cache.setText, self.hf_cache.textChanged,
                  self.tr("Empty: $HF_HUB_CACHE, else ~/.cache/huggingface/hub."))
        self.scan_hf.toggled.connect(self.hf_cache.setEnabled)
        for name, task, label in (("default_image_model", "image", self.tr("Default image model")),
                                  ("default_text_model", "text", self.tr("Default text model"))):
            choices = [(self.tr("Automatic (the built-in model)"), "")]
            choices += [(m.title, m.name) for m in context.models if m.task == task and m.usable]
            combo = ChoiceCombo(choices)
            combo.setObjectName(name)
            setattr(self, name, combo)
            self.bind(name, label, combo, combo.value, combo.set_value, combo.currentIndexChanged)
        clips = [(self.tr("Only models with a paired CLIP (Studio Fashion → Studio CLIP)"), ""),
                 (self.tr("None: never score"), NO_CLIP)]
        clips += [(m.title, m.name) for m in context.models if m.type == "clip" and m.usable]
        self.score_clip = ChoiceCombo(clips)
        self.score_clip.setObjectName("score_clip")
        self.bind("score_clip", self.tr("CLIP for scores"), self.score_clip, self.score_clip.value,
                  self.score_clip.set_value, self.score_clip.currentIndexChanged,
                  self.tr("Scores every generated image against its prompt (shown in the history)."))

    def page_title(self) -> str:
        return self.tr("Models")
