"""The EnvironmentVariable model: name rules, uniqueness on plain columns, encryption at rest."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, transaction

from secrets_vault.models import EnvironmentVariable, VariableScope
from secrets_vault.validators import validate_variable_name
from tests.secrets_vault.helpers import TEST_KEY, VAULT_DB, raw_value


def make_variable(project_id=1, name="API_URL", value="https://example.com", **fields):
    return EnvironmentVariable.objects.create(project_id=project_id, name=name, value=value, **fields)


@pytest.mark.parametrize("name", ["A", "_", "_PRIVATE", "api_url", "Mixed_Case_9", "A" * 253])
def test_name_valid(name):
    validate_variable_name(name)


@pytest.mark.parametrize("name", ["", "9LIVES", "API-URL", "API URL", "API.URL", "CAFÉ", "NAME\n", " NAME"])
def test_name_invalid_names_rule_and_value(name):
    with pytest.raises(ValidationError) as raised:
        validate_variable_name(name)

    message = raised.value.messages[0]
    assert "[A-Za-z_][A-Za-z0-9_]*" in message
    assert repr(name) in message


@pytest.mark.parametrize("name", ["AICHOR_TOKEN", "aichor_token", "Aichor_", "AICHOR_"])
def test_name_reserved_prefix_rejected(name):
    with pytest.raises(ValidationError) as raised:
        validate_variable_name(name)

    message = raised.value.messages[0]
    assert "AICHOR_" in message
    assert repr(name) in message
    assert raised.value.error_list[0].code == "reserved_prefix"


def test_name_prefix_inside_word_allowed():
    validate_variable_name("MY_AICHOR_TOKEN")


@VAULT_DB
def test_unique_per_project_scope_name():
    make_variable(name="TOKEN")

    with pytest.raises(IntegrityError), transaction.atomic(using="vault"):
        make_variable(name="TOKEN")


@VAULT_DB
def test_same_name_other_scope_or_project_allowed():
    make_variable(name="TOKEN")
    make_variable(name="TOKEN", scope=VariableScope.BUILD)
    make_variable(name="TOKEN", project_id=2)

    assert EnvironmentVariable.objects.filter(name="TOKEN").count() == 3


@VAULT_DB
def test_invalid_scope_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic(using="vault"):
        make_variable(scope="deploy")


@VAULT_DB
def test_value_encrypted_at_rest():
    variable = make_variable(value="plain-text-value")

    stored = raw_value(variable.pk)
    assert "plain-text-value" not in stored
    assert Fernet(TEST_KEY).decrypt(stored.encode()) == b"plain-text-value"


@VAULT_DB
def test_value_decrypted_on_load():
    variable = make_variable(value="plain-text-value")

    assert EnvironmentVariable.objects.get(pk=variable.pk).value == "plain-text-value"


@VAULT_DB
def test_str_and_repr_omit_value():
    variable = make_variable(name="DB_PASSWORD", value="do-not-show-me")

    assert str(variable) == "DB_PASSWORD (Runtime, project 1)"
    assert "do-not-show-me" not in repr(variable)


@VAULT_DB
def test_filter_on_value_raises():
    make_variable(value="x")

    with pytest.raises(FieldError, match="encrypted column"):
        EnvironmentVariable.objects.filter(value="x").count()
    with pytest.raises(FieldError, match="encrypted column"):
        EnvironmentVariable.objects.filter(value__startswith="x").count()


@VAULT_DB
def test_isnull_lookup_allowed():
    make_variable(value="x")

    assert EnvironmentVariable.objects.filter(value__isnull=False).count() == 1


@VAULT_DB
def test_full_clean_never_decrypts_input():
    # The library's to_python would decrypt a copied ciphertext; this field keeps it as typed.
    token = Fernet(TEST_KEY).encrypt(b"someone else's secret").decode()
    variable = EnvironmentVariable(project_id=1, name="COPIED", value=token)

    variable.full_clean()

    assert variable.value == token
