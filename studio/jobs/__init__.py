"""The worker pool: QThreads that run engine functions and turn reporter calls into Qt signals.

``pool.JobPool`` is the only object the UI uses: it owns the persistent queue
(``studio.core.queue_store``), the history (``studio.core.gallery``) and the ``worker.Worker``
threads, each reporting through a throttled ``reporter.QtReporter``.
"""
