"""Helpers for import tests: a cluster prepared by the sandbox administrator, and an engine importing it."""

import pytest

from engines.choices import OperationKind, OperationStatus
from engines.models import Operation
from engines.services.imports import start_engine_import
from organisations.permissions import Actor
from sandbox.prepare_import import answer_egress_probes, prepare_import
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

CLUSTER = "research"
REGION = "eu-west-1"


def answer_probes(kube_sandbox) -> None:
    """Register the sandbox's outcome for egress probe Jobs with the stand-in, once per test run."""
    if not getattr(kube_sandbox, "_answers_egress_probes", False):
        answer_egress_probes(kube_sandbox)
        kube_sandbox._answers_egress_probes = True


@pytest.fixture
def prepared(aws_sandbox, kube_sandbox):
    """An EKS cluster and everything around it, built by the sandbox administrator in eu-west-1."""
    answer_probes(kube_sandbox)
    return prepare_import(CLUSTER, REGION)


def stand_in(kube_sandbox, cluster_name: str = CLUSTER):
    """Return the Kubernetes stand-in cluster of an EKS cluster."""
    clusters = [cluster for cluster in kube_sandbox.clusters.values()
                if cluster.attributes.get("eksClusterName") == cluster_name]
    assert len(clusters) == 1
    return clusters[0]


def import_engine(prepared, *, name: str = "imported", organisation=None, account=None, **overrides):
    """Import the prepared cluster through the service (tasks run synchronously); return the engine, refreshed."""
    organisation = organisation or make_organisation()
    account = account or make_sandbox_account(organisation)
    values = {"region": prepared.region, "cluster_name": prepared.cluster, "storage_class": prepared.storage_class,
              "nlb_ip": prepared.nlb_ip, **overrides}
    engine = start_engine_import(organisation, actor=Actor.operator(), cloud_account=account, name=name, **values)
    engine.refresh_from_db()
    return engine


def latest_operation(engine) -> Operation:
    return engine.operations.order_by("-created_at", "-id").first()


def rows(operation) -> dict[str, str]:
    """Return each check row's result by key (rows without a result are left out)."""
    return {step.key: step.result for step in operation.steps.exclude(result="")}


def failed_rows(operation) -> set[str]:
    return {key for key, result in rows(operation).items() if result == "fail"}


def record_passed_import_preflight(account) -> Operation:
    """Record a finished EKS import pre-flight with no failed row, which the import form requires.

    The pre-flight itself has its own tests; here only its outcome matters.
    """
    return Operation.objects.create(organisation=account.organisation, cloud_account=account,
                                    kind=OperationKind.PREFLIGHT, status=OperationStatus.SUCCEEDED,
                                    parameters={"kind": "eks", "mode": "import"})


def _exists(call) -> bool:
    from botocore.exceptions import ClientError

    try:
        return bool(call())
    except ClientError:
        return False


def administrator_resources_missing(aws_sandbox, prepared) -> list[str]:
    """Return the keys of the resources that the sandbox administrator built which moto no longer has."""
    region, built = prepared.region, prepared.resources
    ec2, iam = aws_sandbox.client("ec2", region), aws_sandbox.client("iam", region)
    eks, efs = aws_sandbox.client("eks", region), aws_sandbox.client("efs", region)
    elbv2, sqs = aws_sandbox.client("elbv2", region), aws_sandbox.client("sqs", region)

    def name(arn: str) -> str:
        return arn.rsplit("/", 1)[-1]

    def default_route(table_id: str) -> bool:
        table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
        return any(route.get("DestinationCidrBlock") == "0.0.0.0/0" for route in table["Routes"])

    checks = {
        "vpc": lambda value: ec2.describe_vpcs(VpcIds=[value])["Vpcs"],
        "subnet-": lambda value: ec2.describe_subnets(SubnetIds=[value])["Subnets"],
        "internet-gateway": lambda value: ec2.describe_internet_gateways(InternetGatewayIds=[value])[
            "InternetGateways"][0]["Attachments"],
        "route-table": default_route,
        "cluster-role": lambda value: iam.get_role(RoleName=name(value)),
        "node-role": lambda value: iam.get_role(RoleName=name(value)),
        "karpenter-role": lambda value: iam.get_role(RoleName=name(value)),
        "instance-profile": lambda value: iam.get_instance_profile(InstanceProfileName=name(value))[
            "InstanceProfile"]["Roles"],
        "eks-cluster": lambda value: eks.describe_cluster(name=name(value))["cluster"]["status"] == "ACTIVE",
        "node-group": lambda value: eks.describe_nodegroup(clusterName=prepared.cluster,
                                                           nodegroupName=value.split("/")[-2]),
        "oidc-provider": lambda value: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=value),
        "interruption-queue": lambda value: sqs.get_queue_attributes(QueueUrl=value),
        "efs-security-group": lambda value: ec2.describe_security_groups(GroupIds=[value])["SecurityGroups"],
        "efs-mount-target-": lambda value: efs.describe_mount_targets(MountTargetId=value)["MountTargets"],
        "efs": lambda value: efs.describe_file_systems(FileSystemId=value)["FileSystems"],
        "elastic-ip": lambda value: ec2.describe_addresses(AllocationIds=[value])["Addresses"][0].get(
            "NetworkInterfaceId"),
        "nlb-network-interface": lambda value: ec2.describe_network_interfaces(NetworkInterfaceIds=[value])[
            "NetworkInterfaces"],
        "nlb": lambda value: elbv2.describe_load_balancers(LoadBalancerArns=[value])["LoadBalancers"],
    }
    missing = []
    for key, value in built.items():
        check = checks.get(key) or next(check for prefix, check in checks.items()
                                        if prefix.endswith("-") and key.startswith(prefix))
        if not _exists(lambda: check(value)):
            missing.append(key)
    return missing
