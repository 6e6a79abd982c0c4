"""Settings → Privacy: what the network guard saw, the connections made, allowed and refused (its audit log).

Every studio process (this window, its engines, each command) refuses outbound connections while offline and
records each attempt in the studio home's ``network-audit.jsonl``; this page counts them since installation and
since the window opened, and lists the latest (``main.py network log`` shows the same).
"""
from __future__ import annotations

import time

from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QWidget)

from studio.core.netguard import audit_path, read_log, summarise
from studio.core.settings import load_settings
from studio.ui import theme
from studio.ui.settings.page import SettingsContext, SettingsPage

SHOWN = 200


class PrivacyPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.mode = QLabel()
        self.mode.setObjectName("privacy_mode")
        self.mode.setWordWrap(True)
        self.form.addRow(self.tr("Network guard"), self.mode)
        self.total = QLabel()
        self.total.setObjectName("privacy_total")
        self.form.addRow(self.tr("Since installation"), self.total)
        self.session = QLabel()
        self.session.setObjectName("privacy_session")
        self.form.addRow(self.tr("Since the studio started"), self.session)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("privacy_log")
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Result"), self.tr("Destination"),
                                              self.tr("Tried by"), self.tr("Allowed for")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)  # long: elided, full text as tooltip
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(3, 180)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(160)
        self.form.addRow(self.table)
        self.where = QLabel()
        self.where.setObjectName("privacy_where")
        self.where.setWordWrap(True)
        self.where.setStyleSheet(theme.css("muted", self))
        self.form.addRow(self.where)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setObjectName("privacy_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.form.addRow("", self.refresh_button)
        self.refresh()

    def page_title(self) -> str:
        return self.tr("Privacy")

    def _counts(self, counts: dict[str, int]) -> str:
        return self.tr("{0} made, {1} allowed (downloads, remote engine), {2} refused").format(
            counts["made"], counts["allowed"], counts["refused"])

    def _event(self, event: str) -> str:
        return {"made": self.tr("made"), "allowed": self.tr("allowed"), "refused": self.tr("refused")}.get(event, event)

    def refresh(self) -> None:
        """Read the audit log again (engines and commands add to it while the window runs)."""
        paths = self.context.paths
        if load_settings(paths.settings_file).offline:
            self.mode.setText(self.tr("Offline mode is on: every outbound connection is refused, except consented "
                                      "downloads and the remote engine of Settings → Engine. Each attempt is "
                                      "recorded below."))
        else:
            self.mode.setText(self.tr("Offline mode is off (Settings → General): connections are allowed, and "
                                      "each is recorded below."))
        entries = read_log(paths)
        summary = summarise(entries)
        self.total.setText(self._counts(summary.total))
        self.session.setText(self._counts(summary.since_start))
        attempts = [e for e in entries if e.get("event") != "start"][-SHOWN:][::-1]  # newest first
        self.table.setRowCount(len(attempts))
        for row, entry in enumerate(attempts):
            cells = (time.strftime("%m-%d %H:%M:%S", time.localtime(entry["time"])),
                     self._event(str(entry.get("event", ""))), f"{entry.get('kind', '')} {entry.get('target', '')}",
                     f"{entry.get('by', '')} ({entry.get('process', '')})", str(entry.get("purpose", "")))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.where.setText(self.tr("Audit log: {0} (also: main.py network log)").format(audit_path(paths)))
