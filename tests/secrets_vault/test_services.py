"""Variable services: changes with audit events, write-only sensitive values, project integrity."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from secrets_vault import services
from secrets_vault.models import EnvironmentVariable, VariableScope
from secrets_vault.signals import variables_changed
from tests.factories import make_member, make_organisation
from tests.secrets_vault.helpers import VAULT_DB, operator, plant

pytestmark = VAULT_DB


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def actor(organisation):
    from organisations.permissions import Actor

    user = make_member(organisation, username="alice")
    return Actor(user=user, label="alice", source_ip="192.0.2.5")


def set_variable(
    name="DB_PASSWORD", value="s3cr3t-value", *, project_id=7, sensitive=True, scope=VariableScope.RUNTIME, **kwargs
):
    kwargs.setdefault("actor", operator())
    kwargs.setdefault("organisation", None)
    return services.set_variable(project_id, name, value, scope=scope, sensitive=sensitive, **kwargs)


def test_set_creates_variable(actor, organisation):
    summary = set_variable(actor=actor, organisation=organisation)

    variable = EnvironmentVariable.objects.get()
    assert variable.value == "s3cr3t-value"
    assert variable.project_id == 7
    assert variable.sensitive is True
    assert variable.updated_by_id == actor.user.pk
    assert variable.updated_by_label == "alice"
    assert summary.id == variable.pk


def test_set_records_audit_without_value(actor, organisation):
    set_variable(actor=actor, organisation=organisation)

    event = AuditEvent.objects.get()
    assert event.action == "environment_variable.create"
    assert event.organisation == organisation
    assert event.actor == actor.user
    assert event.target_type == "secrets_vault.EnvironmentVariable"
    assert event.details == {
        "project_id": 7,
        "name": "DB_PASSWORD",
        "scope": "runtime",
        "sensitive": True,
        "value_replaced": True,
    }
    assert "s3cr3t-value" not in repr(event.__dict__)


def test_set_existing_updates(actor):
    set_variable(value="first")

    set_variable(value="second", actor=actor)

    assert EnvironmentVariable.objects.get().value == "second"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "environment_variable.create",
        "environment_variable.update",
    ]


def test_blank_value_keeps_sensitive_value():
    set_variable(value="keep-me")

    set_variable(value="")
    set_variable(value=None)

    assert EnvironmentVariable.objects.get().value == "keep-me"
    assert AuditEvent.objects.order_by("-id").first().details["value_replaced"] is False


def test_blank_value_empties_non_sensitive_value():
    set_variable(name="LOG_LEVEL", value="debug", sensitive=False)

    set_variable(name="LOG_LEVEL", value="", sensitive=False)

    assert EnvironmentVariable.objects.get().value == ""


def test_making_non_sensitive_needs_new_value():
    set_variable(value="hidden")

    with pytest.raises(ValidationError, match="enter a new value to make it non-sensitive"):
        set_variable(value="", sensitive=False)

    variable = EnvironmentVariable.objects.get()
    assert variable.sensitive is True
    assert variable.value == "hidden"


def test_making_non_sensitive_with_new_value():
    set_variable(value="hidden")

    set_variable(value="now-public", sensitive=False)

    variable = EnvironmentVariable.objects.get()
    assert variable.sensitive is False
    assert variable.value == "now-public"


@pytest.mark.parametrize("name", ["AICHOR_URL", "9BAD", "BAD-NAME"])
def test_set_invalid_name_rejected(name):
    with pytest.raises(ValidationError):
        set_variable(name=name)

    assert not EnvironmentVariable.objects.exists()
    assert not AuditEvent.objects.exists()


def test_set_invalid_scope_rejected():
    with pytest.raises(ValidationError, match="'deploy' is not a valid scope"):
        set_variable(scope="deploy")


def test_set_nul_character_rejected():
    with pytest.raises(ValidationError, match="NUL character"):
        set_variable(value="a\x00b")


def test_set_rolls_back_when_audit_fails():
    with mock.patch("secrets_vault.services.variables.audit.record", side_effect=RuntimeError("audit down")):
        with pytest.raises(RuntimeError, match="audit down"):
            set_variable()

    assert not EnvironmentVariable.objects.exists()


def test_set_announces_change_on_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, project_id, scope, **kwargs):
        received.append((project_id, scope))

    variables_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            set_variable(scope=VariableScope.BUILD)
    finally:
        variables_changed.disconnect(receiver)

    assert received == [(7, "build")]


def test_list_hides_sensitive_values():
    set_variable(name="DB_PASSWORD", value="hidden", sensitive=True)
    set_variable(name="LOG_LEVEL", value="debug", sensitive=False)

    summaries = {summary.name: summary for summary in services.list_variables(7)}

    assert summaries["DB_PASSWORD"].value is None
    assert summaries["LOG_LEVEL"].value == "debug"
    assert "hidden" not in repr(summaries)


def test_list_sensitive_display_value(actor):
    set_variable(actor=actor)

    summary = services.list_variables(7)[0]

    expected_time = EnvironmentVariable.objects.get().updated_at.strftime("%Y-%m-%d %H:%M")
    assert summary.display_value == f"set, updated {expected_time} UTC by alice"


def test_list_filters_project_and_scope():
    set_variable(name="A", project_id=7)
    set_variable(name="B", project_id=7, scope=VariableScope.BUILD)
    set_variable(name="C", project_id=8)

    assert [summary.name for summary in services.list_variables(7)] == ["B", "A"]
    assert [summary.name for summary in services.list_variables(7, scope=VariableScope.RUNTIME)] == ["A"]


def test_delete_removes_variable_with_audit(actor, organisation):
    set_variable()

    services.delete_variable(7, "DB_PASSWORD", scope=VariableScope.RUNTIME, actor=actor, organisation=organisation)

    assert not EnvironmentVariable.objects.exists()
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "environment_variable.delete"
    assert event.details["name"] == "DB_PASSWORD"


def test_delete_missing_raises():
    with pytest.raises(services.VariableNotFound, match="no runtime variable named 'NOPE'"):
        services.delete_variable(7, "NOPE", scope=VariableScope.RUNTIME, actor=operator(), organisation=None)


def test_delete_project_variables_needs_transaction():
    set_variable()

    # pytest-django's own transactions would satisfy the guard: pretend they are not there.
    with pytest.raises(RuntimeError, match="must run inside vault_transaction"):
        with mock.patch("secrets_vault.services.variables.transaction.get_connection") as get_connection:
            get_connection.return_value.in_atomic_block = False
            services.delete_project_variables(7)

    assert EnvironmentVariable.objects.count() == 1


def test_delete_project_variables_deletes_only_that_project():
    set_variable(name="A", project_id=7)
    set_variable(name="B", project_id=7, scope=VariableScope.BUILD)
    set_variable(name="C", project_id=8)

    with services.vault_transaction():
        deleted = services.delete_project_variables(7)

    assert deleted == 2
    assert list(EnvironmentVariable.objects.values_list("name", flat=True)) == ["C"]


def test_find_orphan_project_ids():
    set_variable(name="A", project_id=7)
    set_variable(name="B", project_id=8)
    set_variable(name="C", project_id=9)

    assert services.find_orphan_project_ids([7, 9, 10]) == {8}
    assert services.find_orphan_project_ids([7, 8, 9]) == set()


def test_failed_project_deletion_keeps_variables():
    set_variable()

    with pytest.raises(RuntimeError), services.vault_transaction():
        services.delete_project_variables(7)
        raise RuntimeError("the project deletion failed")

    assert EnvironmentVariable.objects.count() == 1


def test_plant_helper_registers_sensitive_value():
    from aichor_portal.redaction import redact

    plant(3, "TOKEN_X", "registered-value")

    assert redact("value registered-value here") == "value [REDACTED] here"
