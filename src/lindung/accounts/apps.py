from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lindung.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from lindung.accounts.receivers import audit_logout, start_session_clocks

        user_logged_out.connect(audit_logout, dispatch_uid="lindung.accounts.audit_logout")
        user_logged_in.connect(start_session_clocks, dispatch_uid="lindung.accounts.start_session_clocks")
