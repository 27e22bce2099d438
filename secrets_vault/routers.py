"""The database router that keeps the secrets vault in its own database."""

VAULT_DATABASE = "vault"
VAULT_APP_LABEL = "secrets_vault"


def _in_vault(model) -> bool:
    return model._meta.app_label == VAULT_APP_LABEL


class VaultRouter:
    """Send the secrets_vault models to the `vault` alias and every other model to `default`.

    Migrations follow the same split: secrets_vault only on `vault`, the rest only on `default`.
    Relations across the two databases are refused, so references are plain ids.
    """

    def db_for_read(self, model, **hints):
        return VAULT_DATABASE if _in_vault(model) else None

    def db_for_write(self, model, **hints):
        return VAULT_DATABASE if _in_vault(model) else None

    def allow_relation(self, obj1, obj2, **hints):
        if _in_vault(obj1) or _in_vault(obj2):
            return _in_vault(obj1) and _in_vault(obj2)
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == VAULT_APP_LABEL:
            return db == VAULT_DATABASE
        return db == "default"
