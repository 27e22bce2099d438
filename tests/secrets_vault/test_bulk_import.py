"""Bulk edit from a `.env` text: the preview, and its application in one transaction."""

from unittest import mock

import pytest

from audit.models import AuditEvent
from secrets_vault import services
from secrets_vault.dotenv import DotenvError
from secrets_vault.models import EnvironmentVariable, VariableScope
from secrets_vault.services import MASK, ImportChange
from tests.secrets_vault.helpers import VAULT_DB, operator, plant

pytestmark = VAULT_DB

PROJECT = 4


@pytest.fixture
def stored():
    """A project with one sensitive and two non-sensitive runtime variables, and one build variable."""
    plant(PROJECT, "DB_PASSWORD", "old-password", sensitive=True)
    plant(PROJECT, "LOG_LEVEL", "info", sensitive=False)
    plant(PROJECT, "OLD_FLAG", "yes", sensitive=False)
    plant(PROJECT, "BUILD_ONLY", "kept", sensitive=False, scope=VariableScope.BUILD)


def preview(text, **kwargs):
    return services.preview_import(PROJECT, text, scope=VariableScope.RUNTIME, **kwargs)


def apply(text, **kwargs):
    kwargs.setdefault("actor", operator())
    kwargs.setdefault("organisation", None)
    return services.apply_import(PROJECT, text, scope=VariableScope.RUNTIME, **kwargs)


def changes(result):
    return {line.name: line.change for line in result.lines}


def test_preview_classifies_changes(stored):
    result = preview("DB_PASSWORD=new-password\nLOG_LEVEL=debug\nAPI_TOKEN=fresh-token\n")

    assert changes(result) == {
        "DB_PASSWORD": ImportChange.CHANGED,
        "LOG_LEVEL": ImportChange.CHANGED,
        "API_TOKEN": ImportChange.ADDED,
        "OLD_FLAG": ImportChange.REMOVED,
    }
    assert [line.name for line in result.added] == ["API_TOKEN"]
    assert [line.name for line in result.removed] == ["OLD_FLAG"]


def test_preview_masks_sensitive_values(stored):
    result = preview("DB_PASSWORD=new-password\nLOG_LEVEL=debug\nAPI_TOKEN=fresh-token\nOLD_FLAG=yes\n")
    lines = {line.name: line for line in result.lines}

    assert (lines["DB_PASSWORD"].old_value, lines["DB_PASSWORD"].new_value) == (MASK, MASK)
    assert (lines["API_TOKEN"].old_value, lines["API_TOKEN"].new_value) == (None, MASK)
    assert (lines["LOG_LEVEL"].old_value, lines["LOG_LEVEL"].new_value) == ("info", "debug")
    for secret in ("old-password", "new-password", "fresh-token"):
        assert secret not in repr(result)


def test_preview_new_variables_non_sensitive_on_request(stored):
    result = preview("DB_PASSWORD=\nLOG_LEVEL=info\nOLD_FLAG=yes\nPUBLIC_URL=https://example.com\n", sensitive=False)
    line = next(line for line in result.lines if line.name == "PUBLIC_URL")

    assert line.sensitive is False
    assert line.new_value == "https://example.com"


def test_preview_never_compares_sensitive_value(stored):
    # The same value as stored still shows as changed: a preview must not confirm a guess.
    result = preview("DB_PASSWORD=old-password\nLOG_LEVEL=info\nOLD_FLAG=yes\n")

    assert changes(result)["DB_PASSWORD"] == ImportChange.CHANGED


def test_preview_blank_sensitive_value_unchanged(stored):
    result = preview("DB_PASSWORD=\nLOG_LEVEL=info\nOLD_FLAG=yes\n")

    assert not result.has_changes
    assert [line.name for line in result.unchanged] == ["DB_PASSWORD", "LOG_LEVEL", "OLD_FLAG"]


def test_preview_changes_nothing(stored):
    preview("NEW=1\n")

    assert set(EnvironmentVariable.objects.filter(scope=VariableScope.RUNTIME).values_list("name", flat=True)) == {
        "DB_PASSWORD",
        "LOG_LEVEL",
        "OLD_FLAG",
    }


def test_apply_writes_changes(stored):
    result = apply("DB_PASSWORD=new-password\nLOG_LEVEL=debug\nAPI_TOKEN=fresh-token\n")

    values = {variable.name: variable for variable in EnvironmentVariable.objects.filter(project_id=PROJECT)}
    assert values["DB_PASSWORD"].value == "new-password"
    assert values["LOG_LEVEL"].value == "debug"
    assert values["API_TOKEN"].value == "fresh-token"
    assert values["API_TOKEN"].sensitive is True
    assert "OLD_FLAG" not in values
    assert values["BUILD_ONLY"].value == "kept"
    assert result.has_changes


def test_apply_blank_keeps_sensitive_value(stored):
    apply("DB_PASSWORD=\nLOG_LEVEL=info\nOLD_FLAG=yes\n")

    assert EnvironmentVariable.objects.get(name="DB_PASSWORD").value == "old-password"


def test_apply_records_audit_per_change_without_values(stored):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    apply("DB_PASSWORD=new-password\nLOG_LEVEL=debug\nAPI_TOKEN=fresh-token\n")

    events = {event.details["name"]: event for event in AuditEvent.objects.filter(id__gt=before)}
    assert {name: event.action for name, event in events.items()} == {
        "DB_PASSWORD": "environment_variable.update",
        "LOG_LEVEL": "environment_variable.update",
        "API_TOKEN": "environment_variable.create",
        "OLD_FLAG": "environment_variable.delete",
    }
    assert all(event.details["source"] == "import" for event in events.values())
    for event in events.values():
        for secret in ("new-password", "fresh-token", "old-password"):
            assert secret not in repr(event.__dict__)


def test_apply_is_one_transaction(stored):
    calls = []

    def fail_on_third(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("audit down")

    with mock.patch("secrets_vault.services.variables.audit.record", side_effect=fail_on_third):
        with pytest.raises(RuntimeError, match="audit down"):
            apply("DB_PASSWORD=new-password\nLOG_LEVEL=debug\nAPI_TOKEN=fresh-token\n")

    values = dict(EnvironmentVariable.objects.filter(project_id=PROJECT, sensitive=False).values_list("name", "value"))
    assert values == {"LOG_LEVEL": "info", "OLD_FLAG": "yes", "BUILD_ONLY": "kept"}
    assert EnvironmentVariable.objects.get(name="DB_PASSWORD").value == "old-password"
    assert not EnvironmentVariable.objects.filter(name="API_TOKEN").exists()


def test_apply_with_preview_fingerprint(stored):
    text = "DB_PASSWORD=new-password\nLOG_LEVEL=debug\n"
    fingerprint = preview(text).fingerprint

    apply(text, expected_fingerprint=fingerprint)

    assert EnvironmentVariable.objects.get(name="LOG_LEVEL").value == "debug"


def test_apply_rejects_stale_fingerprint(stored):
    text = "DB_PASSWORD=new-password\nLOG_LEVEL=debug\n"
    fingerprint = preview(text).fingerprint
    plant(PROJECT, "LOG_LEVEL", "warning", sensitive=False)

    with pytest.raises(services.ImportConflict, match="changed since the preview"):
        apply(text, expected_fingerprint=fingerprint)

    assert EnvironmentVariable.objects.get(name="LOG_LEVEL").value == "warning"


def test_apply_other_file_than_preview_rejected(stored):
    fingerprint = preview("LOG_LEVEL=debug\n").fingerprint

    with pytest.raises(services.ImportConflict):
        apply("LOG_LEVEL=error\n", expected_fingerprint=fingerprint)


def test_apply_invalid_file_changes_nothing(stored):
    with pytest.raises(DotenvError, match="Line 2"):
        apply("LOG_LEVEL=debug\nAICHOR_HOST=x\n")

    assert EnvironmentVariable.objects.get(name="LOG_LEVEL").value == "info"


def test_apply_registers_sensitive_values_for_redaction(stored):
    from aichor_portal.redaction import redact

    apply("DB_PASSWORD=brand-new-secret\nLOG_LEVEL=info\nOLD_FLAG=yes\n")

    assert redact("leaked brand-new-secret") == "leaked [REDACTED]"
