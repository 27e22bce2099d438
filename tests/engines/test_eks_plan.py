"""The EKS plan end to end against the sandbox AWS account, with tasks run synchronously."""

import pytest

from engines.choices import EngineStatus, OperationStatus, ResourceState
from engines.services.engines import start_engine_creation, start_engine_deletion
from organisations.permissions import Actor
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

CREATED_TYPES = {
    "vpc", "subnet", "internet_gateway", "route_table", "route", "iam_role", "instance_profile",
    "eks_cluster", "oidc_provider", "node_group",
}


def tagged_leftovers(aws_sandbox, engine) -> list[str]:
    """List what moto still holds with the engine's tag, service by service."""
    ec2 = aws_sandbox.client("ec2", engine.region)
    iam = aws_sandbox.client("iam")
    eks = aws_sandbox.client("eks", engine.region)
    found = []
    filters = [{"Name": "tag:aichor:engine", "Values": [engine.tag_value]}]
    found += [vpc["VpcId"] for vpc in ec2.describe_vpcs(Filters=filters)["Vpcs"]]
    found += [subnet["SubnetId"] for subnet in ec2.describe_subnets(Filters=filters)["Subnets"]]
    found += [gw["InternetGatewayId"] for gw in ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]]
    found += [table["RouteTableId"] for table in ec2.describe_route_tables(Filters=filters)["RouteTables"]]
    found += [role["RoleName"] for role in iam.list_roles(PathPrefix="/aichor/")["Roles"]]
    found += [profile["InstanceProfileName"] for profile in iam.list_instance_profiles(PathPrefix="/aichor/")["InstanceProfiles"]]
    found += [provider["Arn"] for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    found += eks.list_clusters()["clusters"]
    return found


def test_create_reaches_ready(aws_sandbox, sync_tasks):
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


def test_delete_leaves_nothing(aws_sandbox, sync_tasks):
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
