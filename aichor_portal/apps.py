from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "aichor_portal"
    verbose_name = "AIchor Portal"

    def ready(self):
        from aichor_portal import checks  # noqa: F401  (registers the system checks)
