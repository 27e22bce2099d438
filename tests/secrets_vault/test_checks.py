"""System checks: the key canary, a separate vault database, redaction on every log handler."""

import logging
from copy import deepcopy

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import override_settings

from secrets_vault.checks import (
    check_canary_decrypts,
    check_log_handlers_redact,
    check_vault_database_separate,
    handlers_without_redaction,
)
from secrets_vault.models import Canary
from tests.secrets_vault.helpers import TEST_KEY, VAULT_DB, new_key, store_raw_value


def ids(messages):
    return [message.id for message in messages]


@VAULT_DB
def test_canary_written_by_migrate():
    assert Canary.objects.get(pk=Canary.ROW_ID).value == Canary.PLAINTEXT


@VAULT_DB
def test_canary_check_passes_with_configured_key():
    assert check_canary_decrypts(None) == []


@VAULT_DB
def test_canary_check_error_when_no_key_decrypts():
    store_raw_value(Canary.ROW_ID, Fernet(new_key()).encrypt(Canary.PLAINTEXT.encode()).decode(), model=Canary)

    assert ids(check_canary_decrypts(None)) == ["secrets_vault.E001"]


@VAULT_DB
def test_canary_check_error_on_unexpected_plaintext():
    store_raw_value(Canary.ROW_ID, Fernet(TEST_KEY).encrypt(b"tampered").decode(), model=Canary)

    assert ids(check_canary_decrypts(None)) == ["secrets_vault.E002"]


@VAULT_DB
def test_canary_check_warns_when_row_missing():
    Canary.objects.all().delete()

    assert ids(check_canary_decrypts(None)) == ["secrets_vault.W002"]


def test_vault_database_separate_by_default():
    assert check_vault_database_separate(None) == []


def test_vault_sharing_main_database_is_error():
    databases = deepcopy(settings.DATABASES)
    databases["vault"] = dict(databases["default"])

    with override_settings(DATABASES=databases):
        assert ids(check_vault_database_separate(None)) == ["secrets_vault.E004"]


def test_missing_vault_alias_is_error():
    databases = {"default": deepcopy(settings.DATABASES["default"])}

    with override_settings(DATABASES=databases):
        assert ids(check_vault_database_separate(None)) == ["secrets_vault.E003"]


def test_live_sqlite_vault_beside_other_main_database_warns():
    databases = deepcopy(settings.DATABASES)
    databases["default"]["ENGINE"] = "django.db.backends.postgresql"
    databases["vault"]["ENGINE"] = "django.db.backends.sqlite3"

    with override_settings(DATABASES=databases, IS_LIVE=True):
        assert ids(check_vault_database_separate(None)) == ["secrets_vault.W003"]


def test_configured_handlers_all_redact():
    # pytest attaches its own capture handlers to the root logger during a test.
    handlers = [handler for _, handler in handlers_without_redaction()]
    missing = [handler for handler in handlers if not type(handler).__module__.startswith("_pytest")]

    assert missing == []


def test_handler_without_filter_reported():
    logger = logging.getLogger("tests.secrets_vault.unfiltered")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        messages = check_log_handlers_redact(None)
    finally:
        logger.removeHandler(handler)

    assert ids(messages) == ["secrets_vault.W004"]
    assert "tests.secrets_vault.unfiltered (StreamHandler)" in messages[0].msg


@pytest.mark.parametrize("name", ["console", "mail_admins", "django.server"])
def test_settings_handlers_have_redaction_filter(name):
    assert "redact_secrets" in settings.LOGGING["handlers"][name]["filters"]
