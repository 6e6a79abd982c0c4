"""The model manager's table filter: words of the search box, the kind combo, sizes sorted by bytes."""
from __future__ import annotations

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt

from studio.core.i18n import _
from studio.core.models.registry import SOURCE_LABELS, STATUS_LABELS, TASK_TYPES, TYPE_LABELS, ModelEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("name", "type", "family", "size", "source", "status", "hash")


class ModelFilter(QSortFilterProxyModel):
    """The manager's search box and kind filter (All, Image, Text, Upscale, Add-ons, Problems); size sorts by bytes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._kind = ""
        self.setSortRole(Qt.ItemDataRole.DisplayRole)

    def set_text(self, text: str) -> None:
        self._text = text.strip().lower()
        self.invalidateFilter()

    def set_kind(self, kind: str) -> None:
        self._kind = kind or ""
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        e: ModelEntry = self.sourceModel().index(row, 0, parent).data(ENTRY_ROLE)
        if e is None:
            return False
        if self._kind == "problems" and e.status == "ok":
            return False
        if self._kind and self._kind != "problems" and e.type not in TASK_TYPES.get(self._kind, ()):
            return False
        if self._text:
            hay = " ".join((e.name, e.type, TYPE_LABELS.get(e.type, ""), _(TYPE_LABELS.get(e.type, "")), e.family,
                            e.source, _(SOURCE_LABELS.get(e.source, "")), e.status,
                            _(STATUS_LABELS.get(e.status, "")))).lower()
            return all(word in hay for word in self._text.split())
        return True

    def lessThan(self, left, right) -> bool:  # noqa: N802
        if left.column() == COLUMNS.index("size"):
            return (left.data(Qt.ItemDataRole.UserRole + 2) or 0) < (right.data(Qt.ItemDataRole.UserRole + 2) or 0)
        return super().lessThan(left, right)
