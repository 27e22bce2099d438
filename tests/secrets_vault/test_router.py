"""The vault router: secrets_vault models in `vault`, everything else in `default`."""

import pytest
from django.db import connections, router

from audit.models import AuditEvent
from secrets_vault.models import Canary, EnvironmentVariable
from secrets_vault.routers import VaultRouter
from tests.secrets_vault.helpers import VAULT_DB


@pytest.mark.parametrize("model", [EnvironmentVariable, Canary])
def test_vault_models_routed_to_vault(model):
    assert router.db_for_read(model) == "vault"
    assert router.db_for_write(model) == "vault"


def test_other_models_routed_to_default():
    assert router.db_for_read(AuditEvent) == "default"
    assert router.db_for_write(AuditEvent) == "default"


@pytest.mark.parametrize(
    ("database", "app_label", "allowed"),
    [
        ("vault", "secrets_vault", True),
        ("default", "secrets_vault", False),
        ("default", "audit", True),
        ("vault", "audit", False),
        ("vault", "auth", False),
        ("vault", "django_q", False),
    ],
)
def test_migrations_split(database, app_label, allowed):
    assert VaultRouter().allow_migrate(database, app_label) is allowed


def test_relation_across_databases_refused():
    variable = EnvironmentVariable(project_id=1, name="A")
    event = AuditEvent(action="x")

    assert VaultRouter().allow_relation(variable, event) is False
    assert VaultRouter().allow_relation(variable, Canary()) is True
    assert VaultRouter().allow_relation(event, AuditEvent()) is None


@VAULT_DB
def test_tables_live_in_their_own_database():
    vault_tables = set(connections["vault"].introspection.table_names())
    default_tables = set(connections["default"].introspection.table_names())

    assert EnvironmentVariable._meta.db_table in vault_tables
    assert Canary._meta.db_table in vault_tables
    assert EnvironmentVariable._meta.db_table not in default_tables
    assert AuditEvent._meta.db_table not in vault_tables
    assert "auth_user" not in vault_tables
