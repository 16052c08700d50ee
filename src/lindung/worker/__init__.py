"""The background worker: ``lindung db_worker`` (django-tasks-db's worker, with housekeeping at start) and the
``worker_starting`` signal through which each app tidies what a killed process left behind."""
