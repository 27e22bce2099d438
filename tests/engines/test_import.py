"""EKS import against the sandbox: a prepared cluster imports Ready, is checked again, and is deleted harmlessly."""

import pytest

from engines.choices import EngineMode, EngineStatus, OperationKind, OperationStatus, ResourceOwner, ResourceState
from engines.services.engines import start_engine_deletion
from engines.services.imports import start_engine_recheck
from engines.services.operations import retry_operation
from organisations.permissions import Actor
from tests.engines.import_helpers import (administrator_resources_missing, failed_rows, import_engine,
                                          latest_operation, rows, stand_in)
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)

pytestmark = pytest.mark.django_db(transaction=True)

ADMINISTRATOR_TYPES = {"eks_cluster", "vpc", "subnet", "internet_gateway", "route_table", "route", "node_group",
                       "instance_profile", "oidc_provider", "karpenter", "sqs_queue", "efs", "efs_mount_target",
                       "kube_storage_class", "load_balancer"}
FOOTPRINT_TYPES = {"kube_namespace", "kube_service_account", "kube_cluster_role", "kube_cluster_role_binding"}


def test_prepared_cluster_imports_ready(prepared, sync_tasks):
    engine = import_engine(prepared)

    operation = latest_operation(engine)
    assert operation.kind == OperationKind.IMPORT
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert engine.status == EngineStatus.READY
    assert engine.mode == EngineMode.IMPORT
    assert set(rows(operation).values()) == {"pass"}
    assert len(rows(operation)) == 16


def test_import_records_administrator_resources(prepared, sync_tasks):
    engine = import_engine(prepared)

    owners = {resource.type: resource.owner for resource in engine.resources.all()}
    assert {kind for kind, owner in owners.items() if owner == ResourceOwner.ADMINISTRATOR} == ADMINISTRATOR_TYPES
    assert {kind for kind, owner in owners.items() if owner == ResourceOwner.PORTAL} == FOOTPRINT_TYPES
    assert engine.resources.get(key="eks-cluster").cloud_id == prepared.resources["eks-cluster"]
    assert engine.resources.get(key="nlb").cloud_id == prepared.resources["nlb"]
    assert engine.resources.filter(type="subnet").count() == 2
    assert not engine.resources.exclude(state=ResourceState.PRESENT).exists()


def test_import_installs_footprint(prepared, kube_sandbox, sync_tasks):
    import_engine(prepared)

    cluster = stand_in(kube_sandbox)
    assert cluster.get_object("v1", "namespaces", "aichor-system") is not None
    assert cluster.get_object("v1", "serviceaccounts", "aichor-portal", "aichor-system") is not None
    assert cluster.get_object("rbac.authorization.k8s.io/v1", "clusterrolebindings", "aichor-portal") is not None


def test_cluster_endpoint_comes_from_eks(prepared, aws_sandbox, sync_tasks):
    engine = import_engine(prepared)

    described = aws_sandbox.client("eks", prepared.region).describe_cluster(name=prepared.cluster)["cluster"]
    recorded = engine.resources.get(key="eks-cluster").data
    assert recorded["endpoint"] == described["endpoint"]
    assert recorded["certificate_authority"] == described["certificateAuthority"]["data"]
    assert "endpoint" not in engine.parameters


def test_failed_check_installs_nothing(prepared, aws_sandbox, kube_sandbox, sync_tasks):
    aws_sandbox.client("sqs", prepared.region).delete_queue(QueueUrl=prepared.resources["interruption-queue"])

    engine = import_engine(prepared)

    operation = latest_operation(engine)
    assert operation.status == OperationStatus.FAILED
    assert engine.status == EngineStatus.FAILED
    assert "Karpenter's SQS interruption queue exists" in operation.failure_reason
    assert operation.steps.get(key="footprint").status == "pending"
    assert not engine.resources.filter(owner=ResourceOwner.PORTAL).exists()
    assert stand_in(kube_sandbox).get_object("v1", "namespaces", "aichor-system") is None


def test_retry_after_fix_runs_failed_checks(prepared, aws_sandbox, sync_tasks):
    sqs = aws_sandbox.client("sqs", prepared.region)
    sqs.delete_queue(QueueUrl=prepared.resources["interruption-queue"])
    engine = import_engine(prepared)
    operation = latest_operation(engine)
    passed_before = operation.steps.get(key="karpenter").finished_at

    sqs.create_queue(QueueName=prepared.cluster)
    retry_operation(operation, actor=Actor.operator())

    operation.refresh_from_db()
    engine.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert engine.status == EngineStatus.READY
    assert operation.steps.get(key="interruption-queue").result == "pass"
    assert operation.steps.get(key="karpenter").finished_at == passed_before


def test_delete_removes_only_footprint(prepared, aws_sandbox, kube_sandbox, sync_tasks):
    engine = import_engine(prepared)

    start_engine_deletion(engine, actor=Actor.operator())

    engine.refresh_from_db()
    assert engine.status == EngineStatus.DELETED, engine.status_reason
    assert administrator_resources_missing(aws_sandbox, prepared) == []
    cluster = stand_in(kube_sandbox)
    assert cluster.get_object("v1", "namespaces", "aichor-system") is None
    assert cluster.get_object("rbac.authorization.k8s.io/v1", "clusterroles", "aichor-portal") is None
    assert cluster.get_object("apps/v1", "deployments", "karpenter", "kube-system") is not None
    assert cluster.get_object("storage.k8s.io/v1", "storageclasses", "efs-sc") is not None
    assert cluster.get_object("v1", "services", "ingress-nginx-controller", "ingress-nginx") is not None


def test_delete_keeps_administrator_rows_present(prepared, sync_tasks):
    engine = import_engine(prepared)

    start_engine_deletion(engine, actor=Actor.operator())

    states = {resource.owner: set() for resource in engine.resources.all()}
    for resource in engine.resources.all():
        states[resource.owner].add(resource.state)
    assert states[ResourceOwner.PORTAL] == {ResourceState.DELETED}
    assert states[ResourceOwner.ADMINISTRATOR] == {ResourceState.PRESENT}


def test_delete_plan_touches_footprint_only(prepared, sync_tasks):
    engine = import_engine(prepared)

    deletion = start_engine_deletion(engine, actor=Actor.operator())

    keys = [step.key for step in deletion.steps.order_by("position")]
    assert keys == ["delete-footprint-cluster-role-binding", "delete-footprint-cluster-role",
                    "delete-footprint-service-account", "delete-footprint-namespace", "sweep"]
    deletion.refresh_from_db()
    assert deletion.steps.get(key="sweep").detail == "Nothing left tagged with this engine"


def test_recheck_passes_on_unchanged_cluster(prepared, sync_tasks):
    engine = import_engine(prepared)

    check = start_engine_recheck(engine, actor=Actor.operator())

    check.refresh_from_db()
    engine.refresh_from_db()
    assert check.kind == OperationKind.CHECK
    assert check.status == OperationStatus.SUCCEEDED, check.failure_reason
    assert rows(check)["footprint"] == "pass"
    assert set(rows(check).values()) == {"pass"}
    assert engine.status == EngineStatus.READY


def test_recheck_shows_deleted_queue(prepared, aws_sandbox, sync_tasks):
    engine = import_engine(prepared)
    aws_sandbox.client("sqs", prepared.region).delete_queue(QueueUrl=prepared.resources["interruption-queue"])

    check = start_engine_recheck(engine, actor=Actor.operator())

    check.refresh_from_db()
    engine.refresh_from_db()
    assert check.status == OperationStatus.FAILED
    assert failed_rows(check) == {"interruption-queue"}
    assert engine.resources.get(key="interruption-queue").state == ResourceState.MISSING
    assert engine.status == EngineStatus.READY


def test_recheck_shows_removed_default_route(prepared, aws_sandbox, sync_tasks):
    engine = import_engine(prepared)
    aws_sandbox.client("ec2", prepared.region).delete_route(RouteTableId=prepared.resources["route-table"],
                                                            DestinationCidrBlock="0.0.0.0/0")

    check = start_engine_recheck(engine, actor=Actor.operator())

    check.refresh_from_db()
    assert failed_rows(check) == {"default-route"}
    row = check.steps.get(key="default-route")
    assert prepared.resources["route-table"] in row.detail
    assert "Add a route 0.0.0.0/0" in row.fix
    assert engine.resources.get(key="default-route-1").state == ResourceState.MISSING


def test_recheck_shows_deleted_footprint(prepared, kube_sandbox, sync_tasks):
    engine = import_engine(prepared)
    stand_in(kube_sandbox).delete_object("rbac.authorization.k8s.io/v1", "clusterrolebindings", "aichor-portal")

    check = start_engine_recheck(engine, actor=Actor.operator())

    check.refresh_from_db()
    assert failed_rows(check) == {"footprint"}
    assert "ClusterRoleBinding aichor-portal" in check.steps.get(key="footprint").detail
    assert engine.resources.get(key="footprint-cluster-role-binding").state == ResourceState.MISSING
