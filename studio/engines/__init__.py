"""Engines: torch / diffusers / transformers code as plain functions.

Each engine is ``run(spec, reporter, cancel, ctx) -> JobResult``; no Qt here. They run in engine host
processes (``studio.host.process``), which the worker pool (``studio.jobs``) and ``queue run`` start and
talk to over ``studio.core.protocol.frames``; the host calls them through
:func:`studio.host.dispatch.run_spec`. CLI commands without a pool call ``run_spec`` in their own process.

Rooms: one package per model family (clip, diffusion, gan, text, training, understand, upscale, vae), none
importing another except the crossings pyproject.toml names; below them the shared rooms (``common``,
``datasets``, ``pipelines``, ``models``) and the top-level modules (cache, context, load progress, outputs);
jobs that combine families (``grid``, ``dataset_export``, ``evaluate``) are top-level modules no family imports.
"""
