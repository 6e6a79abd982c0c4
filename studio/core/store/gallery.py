"""The history/gallery: one entry per output (image file, text, or other file) of a finished job.

Entries live in the queue's SQLite file (``paths.queue_db``) so a job's ``done`` state and its
history entries are written in one transaction. Listing is newest first with paging; search
matches prompt text (substring, case-insensitive, indexed by an FTS5 trigram table), model and seed.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from studio.core.store.db import Database
from studio.core.store.schema import GALLERY_SCHEMA
from studio.core.paths import StudioPaths
from studio.core.errors import SpecError
from studio.core.results import GridCell, GuidedResult, ImageResult, JobResult, result_to_dict
from studio.core.specs.base import Spec
from studio.core.specs.serial import spec_from_dict, spec_from_json, spec_to_json

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
MEDIA = ("image", "text", "file")
_MIN_FTS_TERM = 3  # the trigram index answers terms of three characters or more


@dataclass(frozen=True)
class GalleryEntry:
    """One output in the history."""

    id: int
    job_id: int | None
    kind: str
    media: str
    """'image' (path is an image file), 'text' (text holds it) or 'file' (a model folder, ...)."""
    created: float
    spec_json: str
    path: str = ""
    text: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    seed: int | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    score: float | None = None
    """CLIP score of the image against its prompt (None when not scored)."""
    score_clip: str = ""
    """The CLIP that gave ``score``."""

    @property
    def spec(self) -> Spec:
        """The job spec that produced this output ("reuse parameters")."""
        return spec_from_json(self.spec_json)

    @property
    def exists(self) -> bool:
        """False when the output file was deleted or moved outside the studio."""
        return not self.path or os.path.exists(self.path)


def ensure_schema(db: Database) -> None:
    """Create the gallery tables if missing (idempotent); add the score columns to older databases."""
    db.ensure_schema(GALLERY_SCHEMA)
    columns = {r["name"] for r in db.query("PRAGMA table_info(gallery)")}
    if "score" not in columns:  # written only when missing: opening a current database writes nothing
        db.executescript("ALTER TABLE gallery ADD COLUMN score REAL;"
                         "ALTER TABLE gallery ADD COLUMN score_clip TEXT NOT NULL DEFAULT '';"
                         "CREATE INDEX IF NOT EXISTS gallery_score ON gallery(score);")

SORTS = ("newest", "score")
"""Orders of ``GalleryStore.search``: newest first, or best CLIP score first (unscored last)."""
_ORDER = {"newest": "g.created DESC, g.id DESC",
          "score": "g.score IS NULL, g.score DESC, g.created DESC, g.id DESC"}
_SCORE_TERM = re.compile(r"\bscore\s*(>=|<=|>|<|=)\s*(-?\d+(?:\.\d*)?)", re.IGNORECASE)


def split_score_terms(query: str) -> tuple[str, list[tuple[str, float]]]:
    """(the query without its score conditions, [(operator, value)]): "sneaker score > 30" → ("sneaker", [(">", 30)])."""
    terms = [(m.group(1), float(m.group(2))) for m in _SCORE_TERM.finditer(query)]
    return _SCORE_TERM.sub(" ", query).strip(), terms


def _info(text: object) -> dict:
    """A row's ``info_json``; empty when damaged (one bad row must not break the whole history)."""
    try:
        value = json.loads(text or "{}")  # type: ignore[arg-type]
    except (ValueError, TypeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _row_to_entry(row: sqlite3.Row) -> GalleryEntry:
    return GalleryEntry(id=row["id"], job_id=row["job_id"], kind=row["kind"], media=row["media"],
                        created=row["created"], spec_json=row["spec_json"], path=row["path"], text=row["text"],
                        prompt=row["prompt"], negative_prompt=row["negative_prompt"], model=row["model"],
                        seed=row["seed"], info=_info(row["info_json"]), score=row["score"],
                        score_clip=row["score_clip"] or "")


def _spec_prompt(spec: Spec) -> tuple[str, str]:
    """(prompt, negative prompt) of any spec kind, for search."""
    prompt = getattr(spec, "prompt", "") or ""
    messages = getattr(spec, "messages", ())
    if not prompt and messages:
        prompt = messages[-1][1]
    return str(prompt), str(getattr(spec, "negative_prompt", "") or "")


def _seed_for(result: JobResult, spec: Spec, index: int) -> int | None:
    seed = result.seed_for(index)
    if seed is not None:
        return seed
    seed = getattr(spec, "seed", None)
    return int(seed) if isinstance(seed, int) else None


@dataclass(frozen=True)
class _Row:
    """One history row to insert: what made the output (the job, or the image sub-job that drew it)."""

    media: str
    path: str
    text: str
    kind: str
    spec_json: str
    prompt: str
    negative: str
    model: str
    seed: int | None
    score: float | None
    score_clip: str


def _sub_job_row(media: str, path: str, cell: GridCell) -> _Row | None:
    """The row of an image a sub-job made, with that sub-job's parameters (None when its spec is damaged)."""
    try:
        spec = spec_from_dict(cell.spec)
    except SpecError:
        return None
    prompt, negative = _spec_prompt(spec)
    seed = getattr(spec, "seed", None)
    scored = media == "image" and cell.clip_score is not None
    return _Row(media, path, "", spec.kind, spec_to_json(spec), prompt, negative,
                str(cell.model or getattr(spec, "model", "") or ""), seed if isinstance(seed, int) else None,
                cell.clip_score if scored else None, cell.clip if scored else "")


def insert_entries(conn: sqlite3.Connection, job_id: int | None, spec: Spec, result: JobResult,
                   created: float | None = None) -> list[int]:
    """Add one entry per output file and one for the result's text, inside the caller's transaction.

    An image a sub-job made (a grid's cell, an evaluation's generated image) is recorded with that
    sub-job's spec, prompt, seed, model and score, so searching and "reuse parameters" find it as drawn."""
    created = time.time() if created is None else created
    info_json = json.dumps(result_to_dict(result), ensure_ascii=False)
    prompt, negative = _spec_prompt(spec)
    model = str(result.model or getattr(spec, "model", "") or "")
    spec_json = spec_to_json(spec)
    has_score = isinstance(result, (ImageResult, GuidedResult)) and result.clip_score is not None
    score = result.clip_score if has_score else None
    score_clip = result.clip if has_score else ""

    def own(media: str, path: str, text: str, seed: int | None) -> _Row:
        scored = media == "image" and score is not None
        return _Row(media, path, text, spec.kind, spec_json, prompt, negative, model, seed,
                    score if scored else None, score_clip if scored else "")

    rows: list[_Row] = []
    for i, out in enumerate(result.outputs):
        media = "image" if Path(out).suffix.lower() in IMAGE_SUFFIXES else "file"
        cell = result.made_by(i)
        row = _sub_job_row(media, str(out), cell) if cell is not None else None
        rows.append(row or own(media, str(out), "", _seed_for(result, spec, i)))
    if result.text:
        rows.append(own("text", "", result.text, _seed_for(result, spec, 0)))
    ids = []
    for r in rows:
        cur = conn.execute(
            "INSERT INTO gallery(job_id, kind, media, created, spec_json, path, text, prompt, negative_prompt,"
            " model, seed, info_json, score, score_clip) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (job_id, r.kind, r.media, created, r.spec_json, r.path, r.text, r.prompt, r.negative, r.model, r.seed,
             info_json, r.score, r.score_clip))
        ids.append(int(cur.lastrowid))
    return ids


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class GalleryStore:
    """Read, search and delete history entries. Thread-safe; shares the queue's database."""

    def __init__(self, db: Database, notice: str = "") -> None:
        self.db = db
        self.notice = notice
        """One line saying the database was damaged and repaired on open ("" when it was fine)."""
        ensure_schema(db)

    @classmethod
    def open(cls, paths: StudioPaths) -> "GalleryStore":
        """A store on the studio's queue database (its own connection; a damaged file is moved aside)."""
        from studio.core.store.queue_db import open_queue_db  # queue_db imports this module (its repairs)

        opened = open_queue_db(paths.queue_db)
        return cls(opened.db, opened.notice)

    def close(self) -> None:
        """Close the database connection (only for a store made by :meth:`open`: it owns its connection)."""
        self.db.close()

    def add(self, spec: Spec, result: JobResult, job_id: int | None = None) -> list[int]:
        """Record outputs made outside the queue (e.g. by the CLI). Returns the new entry ids."""
        with self.db.transaction() as conn:
            return insert_entries(conn, job_id, spec, result)

    def _where(self, query: str, model: str | None, seed: int | None, kind: str | None,
               media: str | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        query, score_terms = split_score_terms(query)
        for op, value in score_terms:  # "score > 30": scored entries only
            clauses.append(f"g.score {op} ?")
            params.append(value)
        terms = query.split()
        long_terms = [t for t in terms if len(t) >= _MIN_FTS_TERM]
        if long_terms:
            # Each term quoted: the trigram index then matches it as a substring, case-insensitively.
            match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            clauses.append("g.id IN (SELECT rowid FROM gallery_fts WHERE gallery_fts MATCH ?)")
            params.append(match)
        for t in terms:
            if len(t) < _MIN_FTS_TERM:
                clauses.append("(g.prompt LIKE ? ESCAPE '\\' OR g.negative_prompt LIKE ? ESCAPE '\\'"
                               " OR g.text LIKE ? ESCAPE '\\')")
                params += [f"%{_like_escape(t)}%"] * 3
        if model:
            clauses.append("(g.model = ? OR g.model LIKE ? ESCAPE '\\')")
            params += [model, f"%{_like_escape(model)}%"]
        if seed is not None:
            clauses.append("g.seed = ?")
            params.append(int(seed))
        if kind:
            clauses.append("g.kind = ?")
            params.append(kind)
        if media:
            clauses.append("g.media = ?")
            params.append(media)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def search(self, query: str = "", *, model: str | None = None, seed: int | None = None,
               kind: str | None = None, media: str | None = None, limit: int = 100,
               offset: int = 0, order: str = "newest") -> list[GalleryEntry]:
        """Entries (newest first, or best ``order="score"`` first) whose prompt/negative/text contain every
        word of ``query``, optionally of one model (exact name or substring), seed, job kind or media type.
        Conditions like ``score > 30`` in ``query`` keep the entries whose CLIP score passes them."""
        where, params = self._where(query, model, seed, kind, media)
        if order not in _ORDER:
            raise ValueError(f"order must be one of {', '.join(SORTS)}")
        rows = self.db.query(f"SELECT g.* FROM gallery g{where} ORDER BY {_ORDER[order]}"
                             " LIMIT ? OFFSET ?", [*params, int(limit), int(offset)])
        return [_row_to_entry(r) for r in rows]

    def list(self, limit: int = 100, offset: int = 0, *, kind: str | None = None,
             media: str | None = None) -> list[GalleryEntry]:
        """Entries newest first, one page."""
        return self.search("", kind=kind, media=media, limit=limit, offset=offset)

    def count(self, query: str = "", *, model: str | None = None, seed: int | None = None,
              kind: str | None = None, media: str | None = None) -> int:
        """How many entries ``search`` with the same filters would page through."""
        where, params = self._where(query, model, seed, kind, media)
        return int(self.db.query(f"SELECT COUNT(*) FROM gallery g{where}", params)[0][0])

    def get(self, entry_id: int) -> GalleryEntry:
        """One entry; KeyError when it does not exist."""
        rows = self.db.query("SELECT * FROM gallery WHERE id = ?", (entry_id,))
        if not rows:
            raise KeyError(entry_id)
        return _row_to_entry(rows[0])

    def for_job(self, job_id: int) -> list[GalleryEntry]:
        """The entries a job produced, in output order."""
        return [_row_to_entry(r) for r in self.db.query("SELECT * FROM gallery WHERE job_id = ? ORDER BY id",
                                                        (job_id,))]

    def models(self) -> list[str]:
        """Distinct model names in the history (for a filter list), most used first."""
        rows = self.db.query("SELECT model, COUNT(*) n FROM gallery WHERE model != '' GROUP BY model"
                             " ORDER BY n DESC, model")
        return [r["model"] for r in rows]

    def restore(self, entry: GalleryEntry) -> None:
        """Put a deleted entry back exactly as it was (same id, so its place in the history returns)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO gallery(id, job_id, kind, media, created, spec_json, path, text, prompt,"
                " negative_prompt, model, seed, info_json, score, score_clip) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (entry.id, entry.job_id, entry.kind, entry.media, entry.created, entry.spec_json, entry.path,
                 entry.text, entry.prompt, entry.negative_prompt, entry.model, entry.seed,
                 json.dumps(dict(entry.info), ensure_ascii=False, default=str), entry.score, entry.score_clip))

    def delete(self, entry_id: int) -> bool:
        """Remove an entry (its file stays: ``studio.core.trash`` moves files, confined to the outputs
        folders). False when it did not exist."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM gallery WHERE id = ?", (entry_id,)).rowcount > 0
