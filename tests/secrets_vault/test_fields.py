"""The guarded encrypted field: a value no key decrypts raises instead of showing ciphertext."""

import pytest
from cryptography.fernet import Fernet

from secrets_vault.fields import UndecryptableValue, UndecryptableValueError
from secrets_vault.models import EnvironmentVariable
from tests.secrets_vault.helpers import VAULT_DB, new_key, raw_value, store_raw_value


@pytest.fixture
def foreign_token():
    """A token encrypted under a key the test process does not have."""
    return Fernet(new_key()).encrypt(b"encrypted elsewhere").decode()


@pytest.fixture
def undecryptable(foreign_token):
    variable = EnvironmentVariable.objects.create(project_id=1, name="LOST", value="placeholder")
    store_raw_value(variable.pk, foreign_token)
    return EnvironmentVariable.objects.get(pk=variable.pk)


@VAULT_DB
def test_reading_undecryptable_value_raises(undecryptable):
    with pytest.raises(UndecryptableValueError) as raised:
        undecryptable.value

    message = str(raised.value)
    assert f"secrets_vault.EnvironmentVariable.value value of row {undecryptable.pk}" in message
    assert "FIELD_ENCRYPTION_KEY" in message


@VAULT_DB
def test_undecryptable_error_omits_ciphertext(undecryptable, foreign_token):
    with pytest.raises(UndecryptableValueError) as raised:
        undecryptable.value

    assert foreign_token not in str(raised.value)
    assert foreign_token not in repr(undecryptable)


@VAULT_DB
def test_values_list_returns_marker(undecryptable, foreign_token):
    value = EnvironmentVariable.objects.values_list("value", flat=True).get(pk=undecryptable.pk)

    assert isinstance(value, UndecryptableValue)
    assert repr(value) == "<undecryptable value>"
    with pytest.raises(UndecryptableValueError):
        str(value)


@VAULT_DB
def test_saving_row_keeps_ciphertext(undecryptable, foreign_token):
    undecryptable.name = "RENAMED"
    undecryptable.save()

    assert raw_value(undecryptable.pk) == foreign_token
    assert EnvironmentVariable.objects.get(pk=undecryptable.pk).name == "RENAMED"


@VAULT_DB
def test_assigning_new_value_replaces_undecryptable(undecryptable):
    undecryptable.value = "fresh"
    undecryptable.save()

    assert EnvironmentVariable.objects.get(pk=undecryptable.pk).value == "fresh"


@VAULT_DB
def test_deferred_value_loads_on_access():
    variable = EnvironmentVariable.objects.create(project_id=1, name="LATER", value="loaded later")

    deferred = EnvironmentVariable.objects.defer("value").get(pk=variable.pk)

    assert deferred.value == "loaded later"
