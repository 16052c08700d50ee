from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PdpConfig(AppConfig):
    name = "lindung.pdp"
    verbose_name = _("Personal data protection")

    def ready(self) -> None:
        from lindung.pdp.letters import breach_letters_abandoned, breach_letters_housekeeping
        from lindung.worker.housekeeping import tasks_abandoned, worker_starting

        # Letters whose job died are marked failed, so that the officer can ask for them again.
        worker_starting.connect(breach_letters_housekeeping, dispatch_uid="lindung.pdp.letters_housekeeping")
        tasks_abandoned.connect(breach_letters_abandoned, dispatch_uid="lindung.pdp.letters_abandoned")
