from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations"

    def ready(self):
        from organisations.signals import ensure_support_group

        post_migrate.connect(ensure_support_group, dispatch_uid="organisations.ensure_support_group")
