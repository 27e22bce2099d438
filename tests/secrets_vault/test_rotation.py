"""Key rotation: every encrypted column re-encrypted under the first key, resumable and idempotent.

In-process tests drive the rotation with explicit keys. The end-to-end tests run `manage.py`
in a subprocess, because the encrypted fields read FIELD_ENCRYPTION_KEY once, at import. Both
run on whichever databases DATABASE_URL and VAULT_DATABASE_URL point at.
"""

import pytest
from cryptography.fernet import Fernet, InvalidToken

from secrets_vault.keys import KeyRing
from secrets_vault.models import Canary, EnvironmentVariable
from secrets_vault.rotation import encrypted_columns, rotate_column
from tests.secrets_vault.helpers import (
    TEST_KEY,
    VAULT_DB,
    VAULT_DB_COMMITTED,
    new_key,
    plant,
    raw_value,
    run_manage,
    store_raw_value,
)


def variables_column():
    return next(column for column in encrypted_columns() if column.model is EnvironmentVariable)


def plant_many(count, project_id=1):
    return [plant(project_id, f"VAR_{number}", f"value-{number}").id for number in range(count)]


def test_encrypted_columns_found_by_walking_models():
    labels = [column.label for column in encrypted_columns()]

    assert "secrets_vault.EnvironmentVariable.value" in labels
    assert "secrets_vault.Canary.value" in labels


@VAULT_DB
def test_rotation_moves_values_to_first_key():
    ids = plant_many(5)
    new = new_key()

    result = rotate_column(variables_column(), KeyRing([Fernet(new), Fernet(TEST_KEY)]), batch_size=2)

    assert (result.examined, result.changed, result.current, result.undecryptable) == (5, 5, 0, 0)
    for number, variable_id in enumerate(ids):
        assert Fernet(new).decrypt(raw_value(variable_id).encode()) == f"value-{number}".encode()


@VAULT_DB
def test_rotation_second_run_changes_nothing():
    ids = plant_many(3)
    keys = KeyRing([Fernet(new_key()), Fernet(TEST_KEY)])
    rotate_column(variables_column(), keys)
    tokens = [raw_value(variable_id) for variable_id in ids]

    result = rotate_column(variables_column(), keys)

    assert (result.changed, result.current) == (0, 3)
    assert [raw_value(variable_id) for variable_id in ids] == tokens


@VAULT_DB
def test_rotation_resumes_after_partial_run():
    ids = plant_many(4)
    new = Fernet(new_key())
    # A first run that stopped after two rows: those are already under the new key.
    for variable_id in ids[:2]:
        store_raw_value(variable_id, new.encrypt(b"rotated earlier").decode())

    result = rotate_column(variables_column(), KeyRing([new, Fernet(TEST_KEY)]))

    assert (result.changed, result.current) == (2, 2)


@VAULT_DB
def test_rotation_dry_run_writes_nothing():
    ids = plant_many(2)
    tokens = [raw_value(variable_id) for variable_id in ids]

    result = rotate_column(variables_column(), KeyRing([Fernet(new_key()), Fernet(TEST_KEY)]), dry_run=True)

    assert result.changed == 2
    assert [raw_value(variable_id) for variable_id in ids] == tokens


@VAULT_DB
def test_rotation_leaves_undecryptable_values():
    ids = plant_many(2)
    foreign = Fernet(new_key()).encrypt(b"lost").decode()
    store_raw_value(ids[0], foreign)

    result = rotate_column(variables_column(), KeyRing([Fernet(new_key()), Fernet(TEST_KEY)]))

    assert (result.changed, result.undecryptable) == (1, 1)
    assert raw_value(ids[0]) == foreign


@VAULT_DB
def test_rotation_skips_row_changed_during_run():
    ids = plant_many(2)
    keys = KeyRing([Fernet(new_key()), Fernet(TEST_KEY)])
    concurrent = keys.first.encrypt(b"written meanwhile").decode()
    original_rotate = keys.rotate

    def rotate_while_portal_writes(token):
        # The portal saves the first row between the read and the write.
        if token.decode() == raw_value(ids[0]):
            store_raw_value(ids[0], concurrent)
        return original_rotate(token)

    keys.rotate = rotate_while_portal_writes
    result = rotate_column(variables_column(), keys)

    assert (result.changed, result.conflicts) == (1, 1)
    assert raw_value(ids[0]) == concurrent


@VAULT_DB
def test_rotation_reports_progress_per_batch():
    plant_many(5)
    batches = []

    rotate_column(variables_column(), KeyRing([Fernet(TEST_KEY)]), batch_size=2, on_batch=batches.append)

    assert batches == [2, 2, 1]


def test_key_ring_single_key_rotates_nothing():
    keys = KeyRing([Fernet(TEST_KEY)])
    foreign = Fernet(new_key()).encrypt(b"x")

    assert keys.is_current(Fernet(TEST_KEY).encrypt(b"x"))
    assert not keys.is_current(foreign)
    with pytest.raises(InvalidToken):
        keys.rotate(foreign)


@VAULT_DB_COMMITTED
def test_rotation_with_background_writer():
    ids = plant_many(7)
    new = new_key()

    result = rotate_column(
        variables_column(), KeyRing([Fernet(new), Fernet(TEST_KEY)]), batch_size=3, write_in_background=True
    )

    assert (result.changed, result.conflicts) == (7, 0)
    for number, variable_id in enumerate(ids):
        assert Fernet(new).decrypt(raw_value(variable_id).encode()) == f"value-{number}".encode()


@VAULT_DB_COMMITTED
def test_command_rotates_under_new_key(tmp_path):
    ids = plant_many(3)
    new = new_key()

    result = run_manage("rotate_encryption_keys", "--no-progress", keys=[new, TEST_KEY], tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "secrets_vault.EnvironmentVariable.value: 3 re-encrypted, 0 already under the first key" in result.stdout
    assert "secrets_vault.Canary.value: 1 re-encrypted" in result.stdout
    assert "Rows re-encrypted under the first key: 4" in result.stdout
    for variable_id in ids:
        with pytest.raises(InvalidToken):
            Fernet(TEST_KEY).decrypt(raw_value(variable_id).encode())
    assert Fernet(new).decrypt(raw_value(Canary.ROW_ID, model=Canary).encode()) == Canary.PLAINTEXT.encode()


@VAULT_DB_COMMITTED
def test_command_second_run_reports_zero(tmp_path):
    plant_many(2)
    keys = [new_key(), TEST_KEY]
    run_manage("rotate_encryption_keys", "--no-progress", keys=keys, tmp_path=tmp_path)

    result = run_manage("rotate_encryption_keys", "--no-progress", keys=keys, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Rows re-encrypted under the first key: 0" in result.stdout
    assert "2 already under the first key" in result.stdout


@VAULT_DB_COMMITTED
def test_old_key_can_go_after_rotation(tmp_path):
    plant(1, "DB_PASSWORD", "still-readable")
    new = new_key()

    before = run_manage("check", keys=[new], tmp_path=tmp_path)
    run_manage("rotate_encryption_keys", "--no-progress", keys=[new, TEST_KEY], tmp_path=tmp_path)
    after = run_manage("check", keys=[new], tmp_path=tmp_path)
    read = run_manage(
        "shell",
        "-c",
        "from secrets_vault.models import EnvironmentVariable; print(EnvironmentVariable.objects.get().value)",
        keys=[new],
        tmp_path=tmp_path,
    )

    assert before.returncode != 0
    assert "secrets_vault.E001" in before.stderr
    assert after.returncode == 0, after.stderr
    assert read.stdout.strip().endswith("still-readable")


@VAULT_DB_COMMITTED
def test_command_fails_on_undecryptable_value(tmp_path):
    ids = plant_many(2)
    store_raw_value(ids[1], Fernet(new_key()).encrypt(b"lost").decode())

    result = run_manage("rotate_encryption_keys", "--no-progress", keys=[new_key(), TEST_KEY], tmp_path=tmp_path)

    assert result.returncode != 0
    assert "1 value(s) could not be decrypted" in result.stderr
    assert f"of row {ids[1]}" in result.stderr
