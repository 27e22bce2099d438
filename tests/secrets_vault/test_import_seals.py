"""Sealed `.env` imports: encrypted for one project and user, under keys of their own, for a limited time."""

import pytest
from encrypted_model_fields.fields import encrypt_str

from secrets_vault import import_seals
from secrets_vault.import_seals import InvalidImportSeal, SealedImport, open_import, seal_import


def sealed_for(project_id: int = 7, user_id: int | None = 3, text: str = "API_TOKEN=value\n") -> str:
    return seal_import(SealedImport(project_id=project_id, scope="runtime", sensitive=True, user_id=user_id, text=text))


def test_seal_round_trip():
    opened = open_import(sealed_for(), project_id=7, user_id=3)

    assert opened == SealedImport(project_id=7, scope="runtime", sensitive=True, user_id=3, text="API_TOKEN=value\n")


def test_seal_hides_text():
    assert "API_TOKEN" not in sealed_for()


def test_seal_of_other_project_rejected():
    with pytest.raises(InvalidImportSeal):
        open_import(sealed_for(project_id=8), project_id=7, user_id=3)


def test_seal_of_other_user_rejected():
    with pytest.raises(InvalidImportSeal):
        open_import(sealed_for(user_id=4), project_id=7, user_id=3)


def test_altered_seal_rejected():
    token = sealed_for()
    altered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]

    with pytest.raises(InvalidImportSeal):
        open_import(altered, project_id=7, user_id=3)


def test_stored_value_ciphertext_is_no_seal():
    token = encrypt_str('{"project": 7, "scope": "runtime", "sensitive": true, "user": 3, "text": "X=1"}').decode()

    with pytest.raises(InvalidImportSeal):
        open_import(token, project_id=7, user_id=3)


def test_expired_seal_rejected(monkeypatch):
    token = sealed_for()
    # With a negative age limit, a seal made a moment ago is already expired.
    monkeypatch.setattr(import_seals, "SEAL_MAX_AGE", -1)

    with pytest.raises(InvalidImportSeal) as caught:
        open_import(token, project_id=7, user_id=3)

    assert "expired" in str(caught.value)
