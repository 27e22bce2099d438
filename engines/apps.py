from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EnginesConfig(AppConfig):
    name = "engines"
    verbose_name = "Engines"

    def ready(self):
        from engines.provisioning.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="engines.ensure_schedules")
