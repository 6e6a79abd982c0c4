"""The in-process path: a CLI job run by the engines in the CLI's own process (torch imported here).

Every CLI command submits its jobs to an engine host through :mod:`studio.jobs` (see
:class:`studio.cli.jobs.JobContext`), as the window does. This path is kept, named, for three cases only:

* the test suite: ``AIGC_STUDIO_IN_PROCESS=1`` (set in ``tests/conftest.py``; most CLI tests then need
  no host process, and monkeypatches reach the engines);
* each process of a ``torchrun`` / ``accelerate launch`` batch (``WORLD_SIZE`` > 1): that process IS the
  engine process, making its share of the images (``split_between_processes``);
* the frozen build's self-test (:mod:`studio.cli.selftest` calls ``run_spec`` itself).
"""
from __future__ import annotations

import os

from studio.core.launch import world_size
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, Reporter
from studio.core.results import JobResult
from studio.core.settings import Settings
from studio.core.specs.base import Spec
from studio.engines.context import EngineContext

IN_PROCESS_ENV = "AIGC_STUDIO_IN_PROCESS"
"""``1``: CLI jobs run in the CLI's own process (for tests; see the module's docstring)."""


def wanted() -> bool:
    """True where CLI jobs run in this process: tests (:data:`IN_PROCESS_ENV`) and launch processes."""
    return os.environ.get(IN_PROCESS_ENV) == "1" or world_size() > 1


def engine_context(paths: StudioPaths | None = None, settings: Settings | None = None) -> EngineContext:
    """An engine context in this process (the studio home from the environment, its saved settings)."""
    from studio.core.settings import load_settings

    paths = paths or StudioPaths.from_env()
    return EngineContext.create(paths, settings or load_settings(paths.settings_file))


class InProcessEngine:
    """Runs jobs with ``run_spec`` here; one context, so a batch loads its model once."""

    def __init__(self, paths: StudioPaths, settings: Settings) -> None:
        self.ctx = engine_context(paths, settings)

    @property
    def device(self) -> str:
        return self.ctx.device

    def run(self, spec: Spec, reporter: Reporter, cancel: CancelToken) -> JobResult:
        from studio.host.dispatch import run_spec

        return run_spec(spec, reporter, cancel, self.ctx)

    def close(self, abort: bool = False) -> None:
        """Nothing to end: the models go with the process."""
