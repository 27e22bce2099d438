from django.apps import AppConfig


class SecretsVaultConfig(AppConfig):
    name = "secrets_vault"
    verbose_name = "Secrets vault"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from secrets_vault import checks, signals  # noqa: F401  (registers the system checks and the signal handlers)
