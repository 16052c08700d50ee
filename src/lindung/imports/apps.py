from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "lindung.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from lindung.imports.jobs import imports_housekeeping
        from lindung.worker.housekeeping import worker_starting

        worker_starting.connect(imports_housekeeping, dispatch_uid="lindung.imports.housekeeping")
