"""Settings → Content filter: the policy (off / warn / block) and where the editable word lists are."""
from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QLineEdit, QPushButton, QWidget

from studio.core.content_classifier import PromptClassifier, load_classifier
from studio.core.content_filter import ALLOW, category_label, install_lists, parse_list
from studio.ui import theme
from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo
from studio.ui.worker import create_worker


class ContentFilterPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.policy = ChoiceCombo([(self.tr("Off"), "off"), (self.tr("Warn (ask before running)"), "warn"),
                                   (self.tr("Block"), "block")])
        self.policy.setObjectName("content_filter")
        self.bind("content_filter", self.tr("Policy"), self.policy, self.policy.value, self.policy.set_value,
                  self.policy.currentIndexChanged,
                  self.tr("Checks image prompts (not negative prompts), text prompts and chat messages before a "
                          "job runs, and generated text as it streams. Block: the job ends, naming the rule's "
                          "category; nothing is generated or saved. Warn: you are asked, and may run it once."))
        self.folder = install_lists(context.paths)
        self.summary = QLabel(self._summary())
        self.summary.setObjectName("content_filter_lists")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(theme.css("muted", self))
        self.form.addRow(self.tr("Word lists"), self.summary)
        self.open_button = QPushButton(self.tr("Open the word lists folder"))
        self.open_button.setObjectName("content_filter_open")
        self.open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder))))
        self.form.addRow("", self.open_button)
        self.builtin = QLabel(self.tr("Reading its weights…"))
        self.builtin.setObjectName("content_filter_builtin")
        self.builtin.setWordWrap(True)
        self.builtin.setStyleSheet(theme.css("muted", self))
        self.form.addRow(self.tr("Prompt classifier"), self.builtin)
        # Off the GUI thread: the first load parses 20 MB of weights (a few tenths of a second).
        create_worker(load_classifier, _connect={"returned": self._show_classifier})
        self.concepts = QLineEdit()
        self.concepts.setObjectName("content_filter_concepts")
        self.concepts.setPlaceholderText(self.tr("e.g. graphic violence, nudity (empty: no image check)"))
        self.bind("content_filter_concepts", self.tr("Image concepts"), self.concepts, self._concepts,
                  lambda v: self.concepts.setText(", ".join(v)), self.concepts.textChanged,
                  self.tr("Comma-separated phrases a CLIP compares each generated image with before it is saved "
                          "(like Stable Diffusion's safety checker)."))
        self.threshold = QDoubleSpinBox()
        self.threshold.setObjectName("content_filter_threshold")
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setDecimals(2)
        self.threshold.setSingleStep(0.01)
        self.bind("content_filter_threshold", self.tr("Image threshold"), self.threshold, self.threshold.value,
                  self.threshold.setValue, self.threshold.valueChanged,
                  self.tr("The CLIP similarity (0-1) at which an image counts as showing a concept."))
        clips = [(self.tr("The first installed CLIP"), "")]
        clips += [(m.title, m.name) for m in context.models if m.type == "clip" and m.usable]
        self.clip = ChoiceCombo(clips)
        self.clip.setObjectName("content_filter_clip")
        self.bind("content_filter_clip", self.tr("CLIP for images"), self.clip, self.clip.value, self.clip.set_value,
                  self.clip.currentIndexChanged)

        classifiers = [(self.tr("None"), "")]
        classifiers += [(m.title, m.name) for m in context.models if m.type == "text_classifier" and m.usable]
        self.classifier = ChoiceCombo(classifiers)
        self.classifier.setObjectName("content_filter_classifier")
        self.bind("content_filter_classifier", self.tr("Text classifier"), self.classifier, self.classifier.value,
                  self.classifier.set_value, self.classifier.currentIndexChanged,
                  self.tr("A classifier you trained on moderation data also checks prompts before a job runs."))
        self.labels = QLineEdit()
        self.labels.setObjectName("content_filter_classifier_labels")
        self.labels.setPlaceholderText(self.tr("e.g. toxic, spam"))
        self.bind("content_filter_classifier_labels", self.tr("Harmful labels"), self.labels,
                  lambda: self._split(self.labels), lambda v: self.labels.setText(", ".join(v)),
                  self.labels.textChanged)
        self.clf_threshold = QDoubleSpinBox()
        self.clf_threshold.setObjectName("content_filter_classifier_threshold")
        self.clf_threshold.setRange(0.0, 1.0)
        self.clf_threshold.setDecimals(2)
        self.clf_threshold.setSingleStep(0.05)
        self.bind("content_filter_classifier_threshold", self.tr("Classifier threshold"), self.clf_threshold,
                  self.clf_threshold.value, self.clf_threshold.setValue, self.clf_threshold.valueChanged,
                  self.tr("Probability of a harmful label at which a text is flagged."))

    def _concepts(self) -> tuple[str, ...]:
        return self._split(self.concepts)

    @staticmethod
    def _split(edit: QLineEdit) -> tuple[str, ...]:
        return tuple(p.strip() for p in edit.text().split(",") if p.strip())

    def _summary(self) -> str:
        """Terms per category of every list (the categories are what a blocked job names)."""
        lines = []
        for path in sorted(self.folder.glob("*.txt")):
            try:
                pairs = parse_list(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            counts = Counter(c for c, _t in pairs if c != ALLOW and not c.startswith("="))
            cats = ", ".join(f"{category_label(c)} ({n})" for c, n in counts.items())
            allowed = sum(c == ALLOW for c, _t in pairs)
            if allowed:
                cats += self.tr("; {0} allowed phrases").format(allowed)
            lines.append(self.tr("{0}: {1}").format(path.name, cats or self.tr("empty")))
        head = self.tr("Editable files in {0}; your edits are kept. Case, full-width forms, leetspeak, traditional "
                       "Chinese and spaces or punctuation inside a word are ignored.").format(self.folder)
        return "\n".join([head, *lines])

    def _show_classifier(self, classifier: PromptClassifier | None) -> None:
        """What the built-in classifier does, or that its weights are unusable."""
        if classifier is None:
            self.builtin.setText(self.tr("Built in, but its weights file is unusable (see the log): the word lists "
                                         "work alone."))
            return
        self.builtin.setText(self.tr("Built in (English and Chinese): it also reads every prompt, blocks harmful ones "
                                     "the lists miss, and lets a prompt the lists flag pass when it reads it as a "
                                     "harmless near-miss (a prompt of four words or more, every word known to it). "
                                     "Generated text is checked by the lists alone."))

    def page_title(self) -> str:
        return self.tr("Content filter")
