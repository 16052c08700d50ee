from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "lindung.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from lindung.imports.jobs import imports_abandoned, imports_housekeeping
        from lindung.worker.housekeeping import tasks_abandoned, worker_starting

        worker_starting.connect(imports_housekeeping, dispatch_uid="lindung.imports.housekeeping")
        tasks_abandoned.connect(imports_abandoned, dispatch_uid="lindung.imports.abandoned")
