"""The support console for projects: read-only rows, with retry and cancel of a project's operation."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AuditEvent
from engines.choices import OperationKind, OperationStatus
from engines.models import Operation
from organisations.permissions import SUPPORT_GROUP
from tests.factories import make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client):
    user = make_user("support", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    client.force_login(user)
    return client


@pytest.fixture
def project():
    return make_project(make_organisation(), status="failed")


def add_operation(project, status):
    return Operation.objects.create(organisation=project.organisation, project=project, kind=OperationKind.CREATE,
                                    status=status, parameters={"engines": [project.default_engine_id]})


def test_support_reads_project(support_client, project):
    add_operation(project, OperationStatus.FAILED)

    changelist = support_client.get(reverse("admin:projects_project_changelist"))
    page = support_client.get(reverse("admin:projects_project_change", args=[project.pk]))

    assert changelist.status_code == 200
    assert page.status_code == 200
    assert project.namespace in page.content.decode()


def test_support_cannot_add_or_delete(support_client, project):
    assert support_client.get(reverse("admin:projects_project_add")).status_code == 403
    assert support_client.post(reverse("admin:projects_project_delete", args=[project.pk])).status_code == 403


def test_support_retries_failed_operation(support_client, project):
    operation = add_operation(project, OperationStatus.FAILED)

    response = support_client.post(reverse("admin:projects_project_changelist"),
                                   {"action": "retry_operation", "_selected_action": [project.pk]})

    operation.refresh_from_db()
    assert response.status_code == 302
    assert operation.status == OperationStatus.PENDING
    assert AuditEvent.objects.filter(action="operation.create.retried", actor_label="support:support").exists()


def test_support_cancels_active_operation(support_client, project):
    operation = add_operation(project, OperationStatus.RUNNING)

    support_client.post(reverse("admin:projects_project_changelist"),
                        {"action": "cancel_operation", "_selected_action": [project.pk]})

    operation.refresh_from_db()
    assert operation.cancel_requested


def test_cancel_without_active_operation_changes_nothing(support_client, project):
    operation = add_operation(project, OperationStatus.SUCCEEDED)

    support_client.post(reverse("admin:projects_project_changelist"),
                        {"action": "cancel_operation", "_selected_action": [project.pk]})

    operation.refresh_from_db()
    assert not operation.cancel_requested
