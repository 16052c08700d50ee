"""``/metrics``: what an installation is doing, in Prometheus's text format, for its monitoring.

Two kinds of figures, made in two ways:

- **Counted as it happens**, in the web processes (``instruments``): requests by view (the resolved URL name,
  never the path), method and status class, their latency, the requests in progress, and failed logins
  (Django's ``user_login_failed``). gunicorn runs several processes, each counting its own: ``lindung serve``
  and ``lindung web`` give them a shared folder (``PROMETHEUS_MULTIPROC_DIR``, emptied at each start,
  ``files``) where prometheus_client's multiprocess mode keeps each process's values in a file of its own,
  and a scrape adds them up, the files of processes that ended included (a counter does not go back when
  gunicorn replaces a worker). Without that folder (``runserver``, the tests) the process's own values are
  served.
- **Read from the database at each scrape** (``database``): the task queue (jobs due and waiting, how long
  the oldest has waited), the last runs of Lindung's background tasks (the nightly run, uploads, coverage, the
  dashboard: when one last succeeded, failed, how long the last one took), when an invoice was last built,
  the task workers' last heartbeat. Each query reads an index or a table of a few rows; none counts the
  large tables (workers, enrolments, invoice lines).

Who may read them (``views``): the addresses in ``LINDUNG_METRICS_ALLOW`` and the bearer of
``LINDUNG_METRICS_TOKEN``; anyone else gets the same 404 as an address that does not exist. Nothing
personal is in them: no user, no NIK, no path, no query string, only view names, counts and times.
"""
