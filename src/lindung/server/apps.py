from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "lindung.server"
    label = "server"
    verbose_name = "Server"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from lindung.server.metrics.instruments import login_failure_count

        user_login_failed.connect(login_failure_count, dispatch_uid="lindung.server.metrics.login_failure_count")
