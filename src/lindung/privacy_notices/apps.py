from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyNoticesConfig(AppConfig):
    name = "lindung.privacy_notices"
    label = "privacy_notices"
    verbose_name = _("Privacy notices")
