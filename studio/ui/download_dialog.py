"""The model manager's Download dialog: check what a repo holds, agree to its size, download, verify.

Nothing is fetched before the user has seen the files and their total size and pressed the
"Download N files (X MB)" button. Both steps run as "download" jobs through the job pool (the
widgets never import the engines): the check returns the plan, the download names the commit,
the files and the bytes that were shown, and streams them with resume and SHA-256 verification.
With offline mode on, Check and Download stay disabled and a message says how to turn it off.
"""
from __future__ import annotations

import html
import time
from collections import deque
from typing import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError, user_message
from studio.core.i18n import _
from studio.core.models.recommended import RecommendedModel
from studio.core.progress import format_bytes, format_seconds
from studio.core.results import DownloadPlanInfo, DownloadResult, JobResult
from studio.core.specs.files import DownloadSpec
from studio.jobs.api import JobHandle, JobPool

PROGRESS_UNIT = 1024
"""Download jobs report progress in KiB (see studio.engines.download_job)."""
SPEED_WINDOW_S = 3.0



def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


class DownloadDialog(QDialog):
    """Repo id / URL, revision and file filter → Check → "Download N files (X MB)" → progress → verified.

    ``pool`` returns the JobPool (None before it runs). ``downloaded`` carries the new model's path.
    """

    checked = Signal(object)  # the DownloadPlanInfo the user is asked about
    downloaded = Signal(str)
    failed = Signal(str)

    def __init__(self, pool: Callable[[], JobPool | None], offline: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DownloadDialog")
        self.setWindowTitle(self.tr("Download a model"))
        self._pool_getter = pool
        self._offline = offline
        self.plan: DownloadPlanInfo | None = None
        self._plan_spec: DownloadSpec | None = None
        self.check_job: JobHandle | None = None
        self.download_job: JobHandle | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._build()
        self.set_offline(offline)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.offline_label = QLabel(self)
        self.offline_label.setWordWrap(True)
        self.offline_label.setStyleSheet("QLabel { background: #fff4ce; color: #5c4400; padding: 6px; }")
        lay.addWidget(self.offline_label)
        self.suggestions_label = QLabel(self)
        self.suggestions_label.setWordWrap(True)
        self.suggestions = QTableWidget(0, 5, self)
        self.suggestions.setObjectName("suggested_models")
        self.suggestions.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Size"), self.tr("Licence"),
                                                    self.tr("Memory to run"), self.tr("Note")])
        self.suggestions.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.suggestions.horizontalHeader().setStretchLastSection(True)
        self.suggestions.verticalHeader().hide()
        self.suggestions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.suggestions.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.suggestions.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.suggestions.itemSelectionChanged.connect(self._suggestion_chosen)
        self._suggested: list[RecommendedModel] = []
        for w in (self.suggestions_label, self.suggestions):
            w.setVisible(False)
            lay.addWidget(w)

        form = QFormLayout()
        self.source_edit = QLineEdit(self)
        self.source_edit.setPlaceholderText(self.tr("org/name on the Hugging Face hub, or an https:// URL of one file"))
        self.revision_edit = QLineEdit(self)
        self.revision_edit.setPlaceholderText(self.tr("main (a branch, tag or commit)"))
        self.include_edit = QLineEdit(self)
        self.include_edit.setPlaceholderText(self.tr("all files (or globs, e.g. *.safetensors, *.json)"))
        form.addRow(self.tr("Repo or URL:"), self.source_edit)
        form.addRow(self.tr("Revision:"), self.revision_edit)
        form.addRow(self.tr("Only files:"), self.include_edit)
        lay.addLayout(form)

        row = QHBoxLayout()
        self.check_button = QPushButton(self.tr("Check"), self)
        self.check_button.setToolTip(self.tr("Ask the hub which files would be downloaded and their size "
                                             "(downloads nothing)"))
        self.check_button.setDefault(True)
        row.addWidget(self.check_button)
        self.summary_label = QLabel(self.tr("Check the repo to see its files and total size before anything "
                                            "is downloaded."), self)
        self.summary_label.setWordWrap(True)
        row.addWidget(self.summary_label, 1)
        lay.addLayout(row)

        self.files_table = QTableWidget(0, 3, self)
        self.files_table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Size"), self.tr("Verified by")])
        header = self.files_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.files_table.verticalHeader().hide()
        self.files_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.files_table, 1)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.progress)
        lay.addWidget(self.progress_label)
        lay.addWidget(self.result_label)

        buttons = QHBoxLayout()
        self.download_button = QPushButton(self.tr("Download"), self)
        self.cancel_button = QPushButton(self.tr("Cancel download"), self)
        self.close_button = QPushButton(self.tr("Close"), self)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay.addLayout(buttons)
        self.resize(640, 460)

        self.check_button.clicked.connect(self.check)
        self.download_button.clicked.connect(self.download)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        for edit in (self.source_edit, self.revision_edit, self.include_edit):
            edit.textEdited.connect(lambda _t: self._forget_plan())
            edit.returnPressed.connect(self.check)

    def suggest(self, models: Sequence[RecommendedModel], budget_bytes: int, title: str) -> None:
        """Offer ``models`` above the fields (choosing one fills them; Check then shows its exact size):
        size, licence, and the memory each needs against this machine's ``budget_bytes``."""
        self._suggested = list(models)
        self.suggestions_label.setText(self.tr("{0}. Choose one, then Check: nothing is downloaded before you "
                                               "agree to its size. Memory budget here: {1}.").format(
            title, format_bytes(budget_bytes)))
        self.suggestions.setRowCount(len(models))
        for r, m in enumerate(models):
            fits = (self.tr("{0} · fits") if m.fits(budget_bytes) else self.tr("{0} · too big here")).format(
                format_bytes(m.run_bytes))
            for c, text in enumerate((m.name, self.tr("about {0}").format(format_bytes(m.size_bytes)), m.licence,
                                      fits, _(m.note))):
                item = QTableWidgetItem(text)
                if c == 3 and not m.fits(budget_bytes):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.suggestions.setItem(r, c, item)
        self.suggestions.resizeRowsToContents()
        self.suggestions.setMinimumHeight(self.suggestions.horizontalHeader().sizeHint().height() + 8 +
                                          sum(self.suggestions.rowHeight(r) for r in range(len(models))))
        for w in (self.suggestions_label, self.suggestions):
            w.setVisible(bool(models))
        if models:
            self.resize(max(self.width(), 900), max(self.height(), 640))

    def _suggestion_chosen(self) -> None:
        rows = {i.row() for i in self.suggestions.selectedItems()}
        if len(rows) != 1 or self.busy:
            return
        m = self._suggested[rows.pop()]
        self.source_edit.setText(m.repo)
        self.revision_edit.clear()
        self.include_edit.setText(m.file)
        self._forget_plan()
        self.summary_label.setText(self.tr("{0}: press Check to see its exact size.").format(m.name))

    # -- state ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.check_job is not None or self.download_job is not None

    def set_offline(self, offline: bool) -> None:
        """Offline mode on: Check and Download are disabled, and the message says how to enable them."""
        self._offline = bool(offline)
        self.offline_label.setText(self.tr(
            "Offline mode is on: the studio opens no network connection, so Check and Download are disabled. "
            "Untick \u201cOffline mode\u201d in the model manager to enable them (it is saved in your settings)."))
        self.offline_label.setVisible(self._offline)
        self._update_buttons()

    def _update_buttons(self) -> None:
        online = not self._offline
        self.check_button.setEnabled(online and not self.busy)
        self.download_button.setEnabled(online and not self.busy and self.plan is not None)
        self.cancel_button.setEnabled(self.download_job is not None)
        for edit in (self.source_edit, self.revision_edit, self.include_edit):
            edit.setReadOnly(self.busy)
        if self.plan is None:
            self.download_button.setText(self.tr("Download"))

    def _forget_plan(self) -> None:
        """The fields changed: what was checked no longer describes what would be downloaded."""
        if self.plan is None:
            return
        self.plan, self._plan_spec = None, None
        self.files_table.setRowCount(0)
        self.summary_label.setText(self.tr("The fields changed: check again."))
        self._update_buttons()

    def _include(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.include_edit.text().replace(";", ",").split(",") if p.strip())

    def _submit(self, spec: DownloadSpec) -> JobHandle | None:
        if self._offline:
            return None
        pool = self._pool_getter()
        if pool is None:
            self._error(self.tr("The job queue is still starting; try again in a moment."))
            return None
        try:
            handle = pool.submit(spec)
        except StudioError as exc:
            self._error(user_message(exc))
            return None
        if pool.running_jobs():
            try:
                pool.move(handle.job_id, 0)  # next in line, not behind every queued generation
            except KeyError:
                pass  # a worker claimed it meanwhile: it is running already
        return handle

    def _error(self, message: str) -> None:
        self.result_label.setText(f"<span style='color:#b00020'>{html.escape(message)}</span>")
        self.failed.emit(message)

    # -- check ------------------------------------------------------------------------------
    def check(self) -> None:
        """Queue a check job: the hub lists the files and sizes; nothing is downloaded."""
        if self.busy or self._offline:
            return
        spec = DownloadSpec(source=self.source_edit.text().strip(), revision=self.revision_edit.text().strip(),
                            include=self._include(), check_only=True)
        self.plan, self._plan_spec = None, None
        self.files_table.setRowCount(0)
        self.result_label.clear()
        self.progress.setVisible(False)
        self.progress_label.clear()
        handle = self._submit(spec)
        pool = self._pool_getter()
        if handle is None or pool is None:
            self._update_buttons()
            return
        self.check_job = handle
        handle.finished.connect(self._on_checked)
        handle.failed.connect(self._on_check_failed)
        handle.cancelled.connect(self._on_check_cancelled)
        self._plan_spec = spec
        running = [j for j in pool.running_jobs() if j != handle.job_id]
        self.summary_label.setText(self.tr("Asking the hub…") if not running else
                                   self.tr("Asking the hub as soon as job #{0} is done…").format(running[0]))
        self._update_buttons()

    def _show_plan(self, plan: DownloadPlanInfo) -> None:
        self.plan = plan
        files = plan.files
        self.files_table.setRowCount(len(files))
        for r, f in enumerate(files):
            how = (self.tr("SHA-256 (hub LFS)") if f.sha256 else
                   self.tr("git blob id") if f.git_sha1 else self.tr("nothing (no hash published)"))
            for c, text in enumerate((f.name, format_bytes(f.size), how)):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.files_table.setItem(r, c, item)
        unknown = any(f.size is None for f in files)
        size_text = format_bytes(plan.total_size) + (self.tr(" + unknown") if unknown else "")
        where = plan.revision[:12] or plan.requested_revision
        self.summary_label.setText(self.tr("{0}{1}: {2}, {3} in total. Nothing has been downloaded yet.")
                                   .format(plan.repo_id, f" @ {where}" if where else "", _files(len(files)),
                                           size_text))
        self.download_button.setText(self.tr("Download {0} ({1})").format(_files(len(files)), size_text))
        self.checked.emit(plan)

    # -- download ---------------------------------------------------------------------------
    def download(self) -> None:
        """Download exactly what the check listed (the user's consent), with progress, resumable."""
        if self.busy or self._offline or self.plan is None or self._plan_spec is None:
            return
        files = tuple(f.name for f in self.plan.files)
        spec = DownloadSpec(source=self._plan_spec.source, revision=self._plan_spec.revision,
                            include=self._plan_spec.include, commit=self.plan.revision,
                            expect_files=files, expect_bytes=self.plan.total_size)
        handle = self._submit(spec)
        if handle is None:
            return
        self.download_job = handle
        handle.progress.connect(self._on_progress)
        handle.finished.connect(self._on_downloaded)
        handle.failed.connect(self._on_download_failed)
        handle.cancelled.connect(self._on_download_cancelled)
        self._samples.clear()
        self.result_label.clear()
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.progress_label.setText(self.tr("Starting…"))
        self._update_buttons()

    def cancel(self) -> None:
        """Stop the download at its next chunk; what arrived is kept, so Download resumes from there."""
        pool = self._pool_getter()
        if self.download_job is not None and pool is not None:
            self.progress_label.setText(self.tr("Cancelling…"))
            pool.cancel(self.download_job.job_id)

    def _on_progress(self, done: int, total: int, _eta: float) -> None:
        done_b, total_b = done * PROGRESS_UNIT, total * PROGRESS_UNIT
        total_b = max(total_b, self.plan.total_size) if self.plan else total_b
        done_b = min(done_b, total_b) if total_b else done_b
        now = time.monotonic()
        self._samples.append((now, done_b))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()
        # The speed is measured over the last seconds only: a resumed download starts at the bytes it
        # already had, which must not count as speed.
        t0, d0 = self._samples[0]
        speed = (done_b - d0) / (now - t0) if now > t0 and done_b > d0 else None
        left = (total_b - done_b) / speed if speed and total_b else None
        self.progress.setValue(int(1000 * done_b / total_b) if total_b else 0)
        parts = [self.tr("{0} of {1}").format(format_bytes(done_b), format_bytes(total_b or None))]
        parts.append(self.tr("{0}/s").format(format_bytes(int(speed))) if speed else self.tr("measuring speed"))
        parts.append(self.tr("{0} left").format(format_seconds(left)) if left is not None else "")
        self.progress_label.setText(" · ".join(p for p in parts if p))

    def _on_checked(self, result: JobResult) -> None:
        self.check_job = None
        if isinstance(result, DownloadResult) and result.plan is not None:
            self._show_plan(result.plan)
        self._update_buttons()

    def _on_downloaded(self, result: JobResult) -> None:
        self.download_job = None
        self.progress.setValue(1000)
        self.progress_label.setText(self.tr("Done."))
        path = result.path if isinstance(result, DownloadResult) else ""
        if isinstance(result, DownloadResult):
            self._show_result(result)
        self.summary_label.setText(self.tr("Downloaded and verified. Check another repo, or close this window."))
        self.plan = None  # consent was for this one download; another needs a new check
        self._update_buttons()
        self.downloaded.emit(path)

    def _show_result(self, result: DownloadResult) -> None:
        lines = []
        for v in result.verified:
            sha = v.sha256 or ""
            name = html.escape(v.name)
            if v.method == "sha256":
                lines.append(self.tr("\u2714 {0}: SHA-256 {1} matches the hub").format(name, sha))
            elif v.method == "git_blob":
                lines.append(self.tr("\u2714 {0}: git blob id matches the hub (SHA-256 {1})").format(name, sha))
            else:
                lines.append(self.tr("\u2022 {0}: not verified, the server publishes no hash (SHA-256 {1})")
                             .format(name, sha))
        where = html.escape(result.path)
        rev = result.revision[:12]
        head = self.tr("Downloaded{0} to {1}; it is now in the library.").format(f" @ {rev}" if rev else "", where)
        self.result_label.setText("<br>".join([f"<b>{head}</b>", *lines]))

    def _on_check_failed(self, message: str) -> None:
        self.check_job = None
        self.summary_label.setText(self.tr("The check failed."))
        self._plan_spec = None
        self._error(message)
        self._update_buttons()

    def _on_download_failed(self, message: str) -> None:
        self.download_job = None
        self.progress_label.setText(self.tr("Stopped."))
        self._error(message + " " + self.tr("Press Download to resume: what arrived is kept."))
        self._resume_label()
        self._update_buttons()

    def _on_check_cancelled(self) -> None:
        self.check_job = None
        self.summary_label.setText(self.tr("Check cancelled."))
        self._update_buttons()

    def _on_download_cancelled(self) -> None:
        self.download_job = None
        self.progress_label.setText(self.tr("Cancelled. What arrived is kept: Download resumes from there."))
        self._resume_label()
        self._update_buttons()

    def _resume_label(self) -> None:
        if self.plan is not None:
            self.download_button.setText(self.tr("Resume download of {0} ({1})").format(
                _files(len(self.plan.files)), format_bytes(self.plan.total_size)))
