"""Settings → Engine: the engine processes beside the window (lanes, processes per device, hard cancel), or
a remote engine (``main.py engine serve`` on another machine) reached by address and token."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from studio.core.remote_engine import DEFAULT_PORT
from studio.core.settings import MAX_CANCEL_GRACE_S
from studio.ui.settings.page import SettingsContext, SettingsPage


class EnginePage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.hosts = QSpinBox()
        self.hosts.setObjectName("workers_per_device")
        self.hosts.setRange(1, 8)
        self.bind("workers_per_device", self.tr("Engine processes per device"), self.hosts, self.hosts.value,
                  self.hosts.setValue, self.hosts.valueChanged,
                  self.tr("Jobs that run at the same time; each process holds its own models in memory. "
                          "Applies at the next start."))
        self.shared = QCheckBox(self.tr("One shared lane (training waits its turn)"))
        self.shared.setObjectName("shared_lane")
        self.bind("shared_lane", self.tr("Lanes"), self.shared, self.shared.isChecked, self.shared.setChecked,
                  self.shared.toggled,
                  self.tr("Off: training runs in a lane of its own, so images, faces, upscales and text keep "
                          "flowing while a model trains. On: for one small GPU. Applies at the next start."))
        self.grace = QDoubleSpinBox()
        self.grace.setObjectName("cancel_grace_s")
        self.grace.setRange(0.0, MAX_CANCEL_GRACE_S)
        self.grace.setDecimals(1)
        self.grace.setSuffix(self.tr(" s"))
        self.bind("cancel_grace_s", self.tr("Cancel grace period"), self.grace, self.grace.value, self.grace.setValue,
                  self.grace.valueChanged,
                  self.tr("A cancelled job still running after this long is stopped by ending its engine process; "
                          "a fresh one takes the next job."))
        self.prewarm = QCheckBox(self.tr("Load the engines when the studio starts (the first job starts sooner)"))
        self.prewarm.setObjectName("engine_prewarm")
        self.bind("engine_prewarm", self.tr("Start-up"), self.prewarm, self.prewarm.isChecked, self.prewarm.setChecked,
                  self.prewarm.toggled)
        self.address = QLineEdit()
        self.address.setObjectName("engine_address")
        self.address.setPlaceholderText(self.tr("this computer"))
        self.bind("engine_address", self.tr("Engine"), self.address, lambda: self.address.text().strip(),
                  self.address.setText, self.address.textChanged,
                  self.tr("Empty: engines run on this computer. host:port: image, text, upscale and faces jobs run "
                          "on “main.py engine serve” there (e.g. 127.0.0.1:{0} through an SSH tunnel); training "
                          "stays here. Applies at the next start.").format(DEFAULT_PORT))
        self.token = QLineEdit()
        self.token.setObjectName("engine_token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.bind("engine_token", self.tr("Engine token"), self.token, lambda: self.token.text().strip(),
                  self.token.setText, self.token.textChanged,
                  self.tr("The remote engine's token: the file engine-token in its studio home (it prints it "
                          "when it starts)."))

    def page_title(self) -> str:
        return self.tr("Engine")
