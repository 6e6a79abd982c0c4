"""The worker pool: QThreads that run engine functions and turn reporter calls into Qt signals.

Widgets see ``api.JobPool`` (a protocol) and the ``api.JobHandle`` each submit returns;
``pool.WorkerPool`` implements it: it owns the persistent queue
(``studio.core.queue_store``), the history (``studio.core.gallery``) and the ``worker.Worker``
threads, each reporting through a throttled ``reporter.QtReporter``.
"""
