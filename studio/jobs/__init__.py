"""The worker pool: the only bridge between the widgets and the engines.

Widgets see ``api.JobPool`` (a protocol) and the ``api.JobHandle`` each submit returns;
``pool.WorkerPool`` implements it: it owns the persistent queue (``studio.core.store.queue``), the
history (``studio.core.store.gallery``) and the ``worker.Worker`` QThreads. Each worker owns an engine host
process (``host_client``) that imports torch and runs the jobs; the worker turns the host's typed event
frames into the handle's Qt signals through a throttled ``reporter.QtReporter``. This process never
imports torch.
"""
