from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PdpConfig(AppConfig):
    name = "lindung.pdp"
    verbose_name = _("Personal data protection")
