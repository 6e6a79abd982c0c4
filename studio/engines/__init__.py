"""Engines: torch / diffusers / transformers code as plain functions.

Each engine is ``run(spec, reporter, cancel, ctx) -> JobResult``; no Qt here. The worker pool
(``studio.jobs``) and the CLI call them through :func:`studio.engines.dispatch.run_spec`.
"""
