"""Assigning and unassigning engines: the namespace and workload role follow, through a reconcile operation."""

import pytest
from django.core.exceptions import ValidationError

from engines.choices import EngineStatus, OperationStatus, ResourceState
from engines.services.engines import engine_users
from organisations.permissions import Actor
from projects import naming
from projects.models import AssignmentState
from projects.services.engines import assign_engine, unassign_engine
from tests.factories import make_engine
from tests.projects import cloud_state
from tests.projects.helpers import new_project, ready_engine

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])


@pytest.fixture
def project(cloud, sync_tasks):
    project = new_project(cloud.organisation, cloud.engine)
    project.refresh_from_db()
    return project


@pytest.fixture
def second_engine(cloud):
    return ready_engine(cloud.aws, cloud.organisation, account=cloud.engine.cloud_account, name="training")


def workload_roles(project):
    return sorted(project.resources.filter(type="iam_role", engine__isnull=False,
                                           state=ResourceState.PRESENT).values_list("engine__name", flat=True))


def test_assign_adds_namespace_and_role(project, cloud, second_engine):
    operation = assign_engine(project, second_engine, actor=Actor.operator())

    operation.refresh_from_db()
    assert operation.kind == "reconcile"
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert cloud_state.namespace(second_engine, project) is not None
    assert cloud_state.service_account(second_engine, project) is not None
    assert naming.workload_role_name(project, second_engine) in cloud_state.existing_roles(cloud.aws, project)
    assert workload_roles(project) == ["research", "training"]


def test_assign_opens_buckets_to_new_role(project, cloud, second_engine):
    assign_engine(project, second_engine, actor=Actor.operator())

    policy = cloud_state.bucket_policy(cloud.aws, project.bucket_names()["inputs"])
    allowed = policy["Statement"][1]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert any(arn.endswith(naming.workload_role_name(project, second_engine)) for arn in allowed)


def test_unassign_removes_namespace_and_role(project, cloud, second_engine):
    assign_engine(project, second_engine, actor=Actor.operator())

    operation = unassign_engine(project, second_engine, actor=Actor.operator())

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert cloud_state.namespace(second_engine, project) is None
    assert naming.workload_role_name(project, second_engine) not in cloud_state.existing_roles(cloud.aws, project)
    assert not project.engine_assignments.filter(engine=second_engine).exists()
    assert engine_users(second_engine) == []
    policy = cloud_state.bucket_policy(cloud.aws, project.bucket_names()["inputs"])
    allowed = policy["Statement"][1]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert not any(arn.endswith(naming.workload_role_name(project, second_engine)) for arn in allowed)
    assert cloud_state.namespace(cloud.engine, project) is not None


def test_only_ready_engine_assigned(project, cloud):
    engine = make_engine(cloud.engine.cloud_account, status=EngineStatus.PROVISIONING)

    with pytest.raises(ValidationError) as caught:
        assign_engine(project, engine, actor=Actor.operator())

    assert "only Ready engines" in caught.value.messages[0]
    assert not project.engine_assignments.filter(engine=engine).exists()


def test_engine_of_other_account_refused(project, aws_sandbox):
    from tests.factories import make_cloud_account

    engine = make_engine(make_cloud_account(project.organisation), status=EngineStatus.READY)

    with pytest.raises(ValidationError) as caught:
        assign_engine(project, engine, actor=Actor.operator())

    assert "share one cloud account" in caught.value.messages[0]


def test_default_engine_cannot_be_unassigned(project, cloud):
    with pytest.raises(ValidationError):
        unassign_engine(project, cloud.engine, actor=Actor.operator())

    assert project.engine_assignments.get(engine=cloud.engine).state == AssignmentState.ASSIGNED


def test_assignment_waits_for_active_operation(cloud, second_engine):
    project = new_project(cloud.organisation, cloud.engine)
    project.status = "ready"
    project.save()

    with pytest.raises(ValidationError) as caught:
        assign_engine(project, second_engine, actor=Actor.operator())

    assert "operation in progress" in caught.value.messages[0]
    assert not project.engine_assignments.filter(engine=second_engine).exists()
