"""The EKS plan end to end against the sandbox AWS account, with tasks run synchronously."""

import pytest

from engines.choices import EngineStatus, OperationStatus, ResourceState
from engines.services.engines import start_engine_creation, start_engine_deletion
from organisations.permissions import Actor
from tests.engines.cloud_state import engine_leftovers
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

CREATED_TYPES = {
    "vpc", "subnet", "internet_gateway", "route_table", "route", "iam_role", "instance_profile",
    "eks_cluster", "oidc_provider", "node_group", "sqs_queue", "event_rule", "security_group", "efs",
    "efs_mount_target", "karpenter", "karpenter_node_pool", "kube_namespace", "kube_service_account",
    "kube_cluster_role", "kube_cluster_role_binding",
}


def tagged_leftovers(aws_sandbox, engine) -> list[str]:
    """List what moto still holds for the engine, service by service."""
    return engine_leftovers(aws_sandbox, engine)


def test_create_reaches_ready(aws_sandbox, kube_sandbox, sync_tasks):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)

    engine = start_engine_creation(
        organisation, actor=Actor.operator(), cloud_account=account, name="research", kind="eks", region="eu-west-1"
    )

    engine.refresh_from_db()
    operation = engine.operations.get()
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert engine.status == EngineStatus.READY
    assert {resource.type for resource in engine.resources.all()} == CREATED_TYPES
    assert engine.resources.filter(type="subnet").count() == 2


def test_delete_leaves_nothing(aws_sandbox, kube_sandbox, sync_tasks):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(
        organisation, actor=Actor.operator(), cloud_account=account, name="research", kind="eks", region="eu-west-1"
    )

    start_engine_deletion(engine, actor=Actor.operator())

    engine.refresh_from_db()
    assert engine.status == EngineStatus.DELETED, engine.status_reason
    assert not engine.resources.exclude(state=ResourceState.DELETED).exists()
    assert tagged_leftovers(aws_sandbox, engine) == []
