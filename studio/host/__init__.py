"""Engine hosts: the process that runs jobs (``studio.host.process``), its TCP server for remote
studios (``studio.host.remote``) and the table routing a spec to its engine (``studio.host.dispatch``).

Engine-side: it may import ``studio.engines`` and ``studio.core``. The window and the job pool talk to it
only across a process boundary (``studio.jobs.host_client``); the CLI starts it (``main.py engine``).
"""
