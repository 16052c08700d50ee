from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NightlyConfig(AppConfig):
    name = "lindung.nightly"
    label = "nightly"
    verbose_name = _("Nightly jobs")
