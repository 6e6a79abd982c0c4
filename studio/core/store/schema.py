"""The queue database's schema, in one place: the job queue and the gallery share one SQLite file, so a
job's ``done`` state and its history entries commit together.

``CREATE ... IF NOT EXISTS`` throughout: applying a schema to a current database changes nothing. Columns that
newer versions added are migrated by the store that owns the table (``queue.QueueStore``, ``gallery``).
"""
from __future__ import annotations

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    spec_json TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    traceback TEXT NOT NULL DEFAULT '',
    outputs_json TEXT NOT NULL DEFAULT '[]',
    info_json TEXT NOT NULL DEFAULT '{}',
    result_text TEXT NOT NULL DEFAULT '',
    retry_of INTEGER,
    owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, position, id);
CREATE TABLE IF NOT EXISTS queue_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
"""The job queue: one row per job, and the queue's own small key/value state."""

GALLERY_SCHEMA = """
CREATE TABLE IF NOT EXISTS gallery (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER,
    kind TEXT NOT NULL,
    media TEXT NOT NULL,
    created REAL NOT NULL,
    spec_json TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    prompt TEXT NOT NULL DEFAULT '',
    negative_prompt TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    seed INTEGER,
    info_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS gallery_newest ON gallery(created DESC, id DESC);
CREATE INDEX IF NOT EXISTS gallery_model ON gallery(model);
CREATE INDEX IF NOT EXISTS gallery_seed ON gallery(seed);
CREATE INDEX IF NOT EXISTS gallery_job ON gallery(job_id);
CREATE VIRTUAL TABLE IF NOT EXISTS gallery_fts USING fts5(
    prompt, negative_prompt, text, content='gallery', content_rowid='id', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS gallery_ai AFTER INSERT ON gallery BEGIN
    INSERT INTO gallery_fts(rowid, prompt, negative_prompt, text)
    VALUES (new.id, new.prompt, new.negative_prompt, new.text);
END;
CREATE TRIGGER IF NOT EXISTS gallery_ad AFTER DELETE ON gallery BEGIN
    INSERT INTO gallery_fts(gallery_fts, rowid, prompt, negative_prompt, text)
    VALUES ('delete', old.id, old.prompt, old.negative_prompt, old.text);
END;
"""
"""Outputs of finished jobs, with a trigram full-text index over prompts and texts."""

SCHEMA = QUEUE_SCHEMA + GALLERY_SCHEMA
"""Every table of the queue file."""
