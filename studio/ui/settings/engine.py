"""Settings → Engine: the engine processes beside the window (lanes, processes per device, hard cancel), or
a remote engine (``main.py engine serve`` on another machine) reached by address, token and (with ``--tls``)
its pinned certificate fingerprint; and the limits of this computer's own ``engine serve``."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from studio.core.protocol.remote import DEFAULT_PORT
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
        self.fingerprint = QLineEdit()
        self.fingerprint.setObjectName("engine_tls_fingerprint")
        self.fingerprint.setPlaceholderText(self.tr("empty: no TLS (e.g. through an SSH tunnel)"))
        self.bind("engine_tls_fingerprint", self.tr("TLS fingerprint"), self.fingerprint,
                  lambda: self.fingerprint.text().strip(), self.fingerprint.setText, self.fingerprint.textChanged,
                  self.tr("For “main.py engine serve --tls”: the SHA-256 fingerprint it prints. The studio then "
                          "speaks TLS to the engine and refuses any other certificate before sending the token."))
        self.max_connections = QSpinBox()
        self.max_connections.setObjectName("engine_max_connections")
        self.max_connections.setRange(1, 1024)
        self.bind("engine_max_connections", self.tr("Serving: connections"), self.max_connections,
                  self.max_connections.value, self.max_connections.setValue, self.max_connections.valueChanged,
                  self.tr("When this computer runs “main.py engine serve”: the most connections it holds at once; "
                          "more are refused with one line."))
        self.idle = QDoubleSpinBox()
        self.idle.setObjectName("engine_idle_timeout_s")
        self.idle.setRange(1.0, 86400.0)
        self.idle.setDecimals(0)
        self.idle.setSuffix(self.tr(" s"))
        self.bind("engine_idle_timeout_s", self.tr("Serving: idle timeout"), self.idle, self.idle.value,
                  self.idle.setValue, self.idle.valueChanged,
                  self.tr("A connected studio that sends nothing and runs no job this long is disconnected; a new "
                          "connection must send its token within engine_handshake_timeout_s (10 s by default)."))

    def page_title(self) -> str:
        return self.tr("Engine")
