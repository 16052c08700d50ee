from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "lindung.server"
    label = "server"
    verbose_name = "Server"
