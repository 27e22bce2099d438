"""Helpers for the secrets vault tests: the database marker, factories and a `manage.py` runner."""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connections, transaction

from organisations.permissions import Actor
from secrets_vault.models import EnvironmentVariable, VariableScope
from secrets_vault.services import set_variable

# Tests that touch the vault need both databases: the variables in `vault`, audit events in `default`.
VAULT_DB = pytest.mark.django_db(databases=["default", "vault"])
VAULT_DB_COMMITTED = pytest.mark.django_db(databases=["default", "vault"], transaction=True)

# The key tests/settings.py configures for the test process.
TEST_KEY = os.environ["FIELD_ENCRYPTION_KEY"].split(",")[0]


def operator(label: str = "operator") -> Actor:
    return Actor.operator(label)


def plant(project_id: int, name: str, value: str, *, sensitive: bool = True, scope=VariableScope.RUNTIME, **kwargs):
    """Store a variable through the service, as an operator, without an organisation."""
    kwargs.setdefault("actor", operator())
    kwargs.setdefault("organisation", None)
    return set_variable(project_id, name, value, scope=scope, sensitive=sensitive, **kwargs)


def raw_value(variable_id: int, model=EnvironmentVariable) -> str:
    """Return the ciphertext the vault database holds for a row."""
    from django.db.models import ExpressionWrapper, F, TextField

    raw = ExpressionWrapper(F("value"), output_field=TextField())
    return model.objects.filter(pk=variable_id).values_list(raw, flat=True).get()


def store_raw_value(variable_id: int, token: str, model=EnvironmentVariable) -> None:
    """Overwrite a row's ciphertext directly, as another key or a tampering would leave it."""
    from django.db.models import TextField, Value

    with transaction.atomic(using="vault"):
        model.objects.filter(pk=variable_id).update(value=Value(token, output_field=TextField()))


def new_key() -> str:
    return Fernet.generate_key().decode()


def database_url(alias: str) -> str:
    """Return a django-environ URL for the (test) database behind an alias."""
    config = connections[alias].settings_dict
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    credentials = urllib.parse.quote(config["USER"] or "", safe="")
    if config.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(config["PASSWORD"], safe="")
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{config['NAME']}"


def run_manage(*arguments, keys: list[str], tmp_path: Path, **variables) -> subprocess.CompletedProcess:
    """Run `manage.py` on the test databases with the given key list in the environment."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
        "AICHOR_ENV_FILE": "",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": ",".join(keys),
        "DATABASE_URL": database_url("default"),
        "VAULT_DATABASE_URL": database_url("vault"),
        "AICHOR_SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json"),
    }
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
