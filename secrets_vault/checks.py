"""System checks of the secrets vault: the keys, the vault database and the log redaction."""

import logging

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError, connections, router

from aichor_portal.logging_filters import RedactSecretsFilter
from secrets_vault.fields import UndecryptableValueError
from secrets_vault.models import Canary


@register()
def check_canary_decrypts(app_configs, **kwargs):
    """Decrypt the key canary, and return an error when no key in FIELD_ENCRYPTION_KEY can."""
    alias = router.db_for_read(Canary)
    try:
        if Canary._meta.db_table not in connections[alias].introspection.table_names():
            # Not migrated yet: `migrate --database vault` creates the table and the canary.
            return []
        canary = Canary.objects.using(alias).filter(pk=Canary.ROW_ID).first()
    except DatabaseError as error:
        return [
            Warning(
                f"Could not read the key canary from database {alias!r}: {error.__class__.__name__}.",
                hint="Check VAULT_DATABASE_URL and that the vault database is reachable.",
                id="secrets_vault.W001",
            )
        ]

    if canary is None:
        return [
            Warning(
                f"The key canary row is missing from database {alias!r}, so the encryption keys cannot be verified.",
                hint="Run `manage.py migrate --database vault`, which writes it.",
                id="secrets_vault.W002",
            )
        ]
    try:
        plaintext = canary.value
    except UndecryptableValueError:
        return [
            Error(
                "No key in FIELD_ENCRYPTION_KEY decrypts the vault's key canary: the stored secrets cannot be read.",
                hint="Put back the key the data was encrypted with (after the new first key, if you are rotating), "
                "then run `manage.py rotate_encryption_keys` before removing it.",
                id="secrets_vault.E001",
            )
        ]
    if plaintext != Canary.PLAINTEXT:
        return [
            Error(
                "The vault's key canary decrypts to unexpected text: the row was changed outside the portal.",
                hint=f"Delete the row with id {Canary.ROW_ID} of {Canary._meta.db_table} and run "
                "`manage.py migrate --database vault` to write it again.",
                id="secrets_vault.E002",
            )
        ]
    return []


@register()
def check_vault_database_separate(app_configs, **kwargs):
    """Reject a vault alias that is missing or is the main database: the vault needs its own credentials and backups."""
    main, vault = settings.DATABASES["default"], settings.DATABASES.get("vault")
    if vault is None:
        return [
            Error(
                "DATABASES has no 'vault' alias for the secrets vault.",
                hint="Set VAULT_DATABASE_URL, or keep the default SQLite file from the portal's settings.",
                id="secrets_vault.E003",
            )
        ]

    identity = ("ENGINE", "NAME", "HOST", "PORT")
    if all(str(main.get(key, "")) == str(vault.get(key, "")) for key in identity):
        return [
            Error(
                "The vault database is the main database: secrets must live in a database of their own.",
                hint="Point VAULT_DATABASE_URL at a separate database.",
                id="secrets_vault.E004",
            )
        ]
    if settings.IS_LIVE and vault["ENGINE"] != main["ENGINE"] and vault["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "VAULT_DATABASE_URL is not set: the vault is a local SQLite file while the main database is not.",
                hint="Set VAULT_DATABASE_URL to a database with its own credentials and backups.",
                id="secrets_vault.W003",
            )
        ]
    return []


@register()
def check_log_handlers_redact(app_configs, **kwargs):
    """Warn about log handlers that write records without passing them through the redaction filter."""
    missing = [f"{name or 'root'} ({handler.__class__.__name__})" for name, handler in handlers_without_redaction()]
    if not missing:
        return []
    return [
        Warning(
            f"Log handler(s) without the secret redaction filter: {', '.join(missing)}.",
            hint="Add the 'redact_secrets' filter to these handlers in settings.LOGGING.",
            id="secrets_vault.W004",
        )
    ]


def handlers_without_redaction() -> list[tuple[str, logging.Handler]]:
    """List (logger name, handler) pairs whose handler lacks RedactSecretsFilter.

    NullHandlers, which libraries attach to their loggers and which write nothing, are left out.
    """
    loggers = [("", logging.getLogger())]
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            loggers.append((name, logger))

    missing = []
    for name, logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.NullHandler):
                continue
            if not any(isinstance(log_filter, RedactSecretsFilter) for log_filter in handler.filters):
                missing.append((name, handler))
    return missing
