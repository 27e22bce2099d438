"""The fault harness over the EKS plan: every step survives a transient error, a crash and a denial."""

import pytest
from django.utils import timezone

from engines.choices import EngineStatus, OperationStatus
from engines.models import Operation
from engines.provisioning import runner
from engines.services.engines import start_engine_creation, start_engine_deletion
from organisations.permissions import Actor
from tests.engines.faults import FaultInjector, SimulatedCrash
from tests.engines.helpers import make_sandbox_account
from tests.engines.test_eks_plan import tagged_leftovers
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

EKS_STEPS = [
    "vpc", "subnet-1", "subnet-2", "internet-gateway", "route-table", "default-route", "cluster-role",
    "node-role", "instance-profile", "eks-cluster", "oidc-provider", "node-group",
]


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.AICHOR_RETRY_BASE_SECONDS = 0.01


def new_engine(name="faults"):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name=name,
                                   kind="eks", region="eu-west-1")
    return engine, engine.operations.get()


def run_to_end(operation: Operation) -> Operation:
    """Advance an operation as workers would, until it ends."""
    for _ in range(20):
        runner.advance(operation.pk)
        operation.refresh_from_db()
        if operation.status in OperationStatus.terminal():
            return operation
    raise AssertionError(f"operation {operation.pk} still {operation.status}")


def moto_counts(aws_sandbox, engine) -> dict[str, int]:
    """Count what moto holds for the engine, per resource type."""
    ec2 = aws_sandbox.client("ec2", engine.region)
    iam = aws_sandbox.client("iam")
    eks = aws_sandbox.client("eks", engine.region)
    filters = [{"Name": "tag:aichor:engine", "Values": [engine.tag_value]}]
    return {
        "vpc": len(ec2.describe_vpcs(Filters=filters)["Vpcs"]),
        "subnet": len(ec2.describe_subnets(Filters=filters)["Subnets"]),
        "internet_gateway": len(ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]),
        "route_table": len(ec2.describe_route_tables(Filters=filters)["RouteTables"]),
        "iam_role": len(iam.list_roles(PathPrefix="/aichor/")["Roles"]),
        "instance_profile": len(iam.list_instance_profiles(PathPrefix="/aichor/")["InstanceProfiles"]),
        "oidc_provider": len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]),
        "eks_cluster": len(eks.list_clusters()["clusters"]),
        "node_group": len(eks.list_nodegroups(clusterName=engine.name)["nodegroups"]),
    }


EXPECTED_COUNTS = {
    "vpc": 1, "subnet": 2, "internet_gateway": 1, "route_table": 1, "iam_role": 2, "instance_profile": 1,
    "oidc_provider": 1, "eks_cluster": 1, "node_group": 1,
}


@pytest.mark.parametrize("step", EKS_STEPS)
def test_transient_error_still_ready(aws_sandbox, monkeypatch, step):
    injector = FaultInjector(monkeypatch, step=step, fault="transient")
    engine, operation = new_engine()

    operation = run_to_end(operation)

    assert injector.fired
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert operation.steps.get(key=step).attempts == 2
    assert moto_counts(aws_sandbox, engine) == EXPECTED_COUNTS


@pytest.mark.parametrize("step", EKS_STEPS)
def test_crash_after_create_adopts_by_tag(aws_sandbox, monkeypatch, step):
    injector = FaultInjector(monkeypatch, step=step, fault="crash")
    engine, operation = new_engine()

    with pytest.raises(SimulatedCrash):
        runner.advance(operation.pk)
    # The dead worker's lease runs out.
    Operation.objects.filter(pk=operation.pk).update(lease_until=timezone.now())
    operation = run_to_end(operation)

    assert injector.fired
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert moto_counts(aws_sandbox, engine) == EXPECTED_COUNTS
    assert engine.resources.count() == sum(EXPECTED_COUNTS.values()) + 1  # and the default route


@pytest.mark.parametrize("step", EKS_STEPS)
def test_permanent_error_fails_then_delete_cleans(aws_sandbox, monkeypatch, step, sync_tasks):
    injector = FaultInjector(monkeypatch, step=step, fault="permanent", code="AccessDenied")
    engine, operation = new_engine()
    operation = run_to_end(operation)

    engine.refresh_from_db()
    assert injector.fired
    assert operation.status == OperationStatus.FAILED
    assert "AccessDenied" in operation.failure_reason
    assert "policy" in operation.failure_fix
    assert engine.status == EngineStatus.FAILED

    start_engine_deletion(engine, actor=Actor.operator())
    engine.refresh_from_db()
    assert engine.status == EngineStatus.DELETED, engine.status_reason
    assert tagged_leftovers(aws_sandbox, engine) == []
