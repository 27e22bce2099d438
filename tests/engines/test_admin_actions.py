"""The support console's retry and cancel actions on operations, and its read-only rows."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from engines.choices import OperationKind, OperationStatus
from engines.models import Operation
from engines.provisioning import runner
from organisations.permissions import SUPPORT_GROUP, can_run_safe_admin_actions
from tests.factories import make_cloud_account, make_engine, make_organisation, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/engines/operation/"


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Record the operations the services queue instead of running them."""
    queued = []
    monkeypatch.setattr(runner, "enqueue_advance", queued.append)
    return queued


def support_user():
    user = make_user("support", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return user


def make_operation(status: str) -> Operation:
    engine = make_engine(make_cloud_account(make_organisation()))
    return Operation.objects.create(organisation=engine.organisation, engine=engine, kind=OperationKind.CREATE,
                                    status=status, failure_reason="earlier failure")


def run_action(client, action: str, operation: Operation):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [operation.pk]}, follow=True)


def test_support_retries_failed_operation(client, no_queue):
    operation = make_operation(OperationStatus.FAILED)
    client.force_login(support_user())

    response = run_action(client, "retry_operations", operation)

    operation.refresh_from_db()
    assert response.status_code == 200
    assert operation.status == OperationStatus.PENDING
    assert operation.failure_reason == ""
    assert no_queue == [operation.pk]
    event = AuditEvent.objects.get(action="operation.create.retried")
    assert event.actor_label == "support"


def test_support_cancels_active_operation(client):
    operation = make_operation(OperationStatus.WAITING)
    client.force_login(support_user())

    run_action(client, "cancel_operations", operation)

    operation.refresh_from_db()
    assert operation.cancel_requested is True
    assert AuditEvent.objects.filter(action="operation.create.cancel_requested").exists()


def test_retry_of_finished_operation_is_refused(client):
    operation = make_operation(OperationStatus.SUCCEEDED)
    client.force_login(support_user())

    response = run_action(client, "retry_operations", operation)

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED
    assert "Only a failed or cancelled operation can be retried." in response.content.decode()


def test_actions_listed_for_support(client):
    make_operation(OperationStatus.FAILED)
    client.force_login(support_user())

    page = client.get(CHANGELIST).content.decode()

    assert "retry_operations" in page
    assert "cancel_operations" in page


def test_support_cannot_add_or_change(client):
    operation = make_operation(OperationStatus.FAILED)
    client.force_login(support_user())

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    response = client.post(f"{CHANGELIST}{operation.pk}/change/", {"status": OperationStatus.SUCCEEDED})
    operation.refresh_from_db()
    assert operation.status == OperationStatus.FAILED
    assert response.status_code in (200, 403)


def test_staff_outside_support_has_no_actions():
    assert can_run_safe_admin_actions(make_user("staff", is_staff=True)) is False
    assert can_run_safe_admin_actions(make_user("root", is_staff=True, is_superuser=True)) is True
    assert can_run_safe_admin_actions(support_user()) is True


def test_steps_are_read_only(client):
    operation = make_operation(OperationStatus.FAILED)
    step = operation.steps.create(key="vpc", title="Create the VPC", position=1)
    client.force_login(support_user())

    assert client.get(f"/admin/engines/operationstep/{step.pk}/change/").status_code == 200
    assert client.get("/admin/engines/operationstep/add/").status_code == 403
