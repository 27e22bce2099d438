"""Import checks against the sandbox: each missing or wrong resource fails its own row, with the fix."""

import pytest

from engines.choices import EngineStatus, OperationStatus
from sandbox.prepare_import import prepare_import
from tests.engines.import_helpers import failed_rows, import_engine, latest_operation, rows, stand_in
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)

pytestmark = pytest.mark.django_db(transaction=True)


def delete_internet_gateway(aws_sandbox, kube_sandbox, prepared):
    ec2 = aws_sandbox.client("ec2", prepared.region)
    gateway_id = prepared.resources["internet-gateway"]
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=prepared.resources["vpc"])
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)


def delete_default_route(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("ec2", prepared.region).delete_route(RouteTableId=prepared.resources["route-table"],
                                                            DestinationCidrBlock="0.0.0.0/0")


def delete_node_group(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("eks", prepared.region).delete_nodegroup(clusterName=prepared.cluster,
                                                                nodegroupName=f"{prepared.cluster}-system")


def empty_instance_profile(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("iam").remove_role_from_instance_profile(InstanceProfileName=f"{prepared.cluster}-node",
                                                                RoleName=f"{prepared.cluster}-node")


def delete_oidc_provider(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("iam").delete_open_id_connect_provider(
        OpenIDConnectProviderArn=prepared.resources["oidc-provider"])


def delete_queue(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("sqs", prepared.region).delete_queue(QueueUrl=prepared.resources["interruption-queue"])


def uninstall_karpenter(aws_sandbox, kube_sandbox, prepared):
    stand_in(kube_sandbox).delete_object("apps/v1", "deployments", "karpenter", "kube-system")


def delete_file_system(aws_sandbox, kube_sandbox, prepared):
    efs = aws_sandbox.client("efs", prepared.region)
    for key in ("efs-mount-target-1", "efs-mount-target-2"):
        efs.delete_mount_target(MountTargetId=prepared.resources[key])
    efs.delete_file_system(FileSystemId=prepared.resources["efs"])


def delete_one_mount_target(aws_sandbox, kube_sandbox, prepared):
    aws_sandbox.client("efs", prepared.region).delete_mount_target(MountTargetId=prepared.resources["efs-mount-target-2"])


def delete_ingress_service(aws_sandbox, kube_sandbox, prepared):
    stand_in(kube_sandbox).delete_object("v1", "services", "ingress-nginx-controller", "ingress-nginx")


def block_auth0(aws_sandbox, kube_sandbox, prepared):
    stand_in(kube_sandbox).attributes["unreachableHostnames"] = ["ichorai.eu.auth0.com"]


def revoke_kubernetes_access(aws_sandbox, kube_sandbox, prepared):
    stand_in(kube_sandbox).force_unauthorized(1000)


# (how to break the prepared account, the rows that fail, words of the failed row's detail, words of its fix)
CASES = {
    "internet gateway": (delete_internet_gateway, {"internet-gateway", "default-route"},
                         "No internet gateway is attached", "attach it to the VPC"),
    "default route": (delete_default_route, {"default-route"}, "have no active route from 0.0.0.0/0",
                      "Add a route 0.0.0.0/0"),
    "node group": (delete_node_group, {"node-groups", "instance-profile"}, "has no managed node group",
                   "Create a managed node group"),
    "instance profile": (empty_instance_profile, {"instance-profile"}, "No instance profile contains the node role",
                         "add the node role research-node"),
    "OIDC provider": (delete_oidc_provider, {"oidc-provider"}, "No IAM OIDC provider exists",
                      "associate-iam-oidc-provider"),
    "interruption queue": (delete_queue, {"interruption-queue"}, "SQS queue research (from Karpenter's "
                           "INTERRUPTION_QUEUE setting) was not found", "Create Karpenter's interruption queue"),
    "Karpenter": (uninstall_karpenter, {"karpenter"}, "Karpenter is not installed", "Install Karpenter"),
    "EFS file system": (delete_file_system, {"efs"}, "No EFS file system has mount targets",
                        "Create an EFS file system"),
    "EFS mount target": (delete_one_mount_target, {"efs"}, "has no available mount target in eu-west-1b",
                         "Create a mount target"),
    "NLB": (delete_ingress_service, {"nlb-address"}, "but no network load balancer in eu-west-1 uses it",
            "network load balancer in front of the cluster's ingress"),
    "egress": (block_auth0, {"egress"}, "Not reached from the cluster on port 443: ichorai.eu.auth0.com",
               "Allow outbound HTTPS"),
    "Kubernetes access": (revoke_kubernetes_access,
                          {"kubernetes-access", "karpenter", "interruption-queue", "storage-class", "nlb-address",
                           "egress"},
                          "401", "access entry"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_missing_resource_fails_its_row(case, prepared, aws_sandbox, kube_sandbox, sync_tasks):
    breaker, expected_rows, detail_words, fix_words = CASES[case]
    breaker(aws_sandbox, kube_sandbox, prepared)

    engine = import_engine(prepared)

    operation = latest_operation(engine)
    first = operation.steps.filter(key__in=expected_rows).order_by("position").first()
    assert failed_rows(operation) == expected_rows
    assert detail_words in first.detail
    assert fix_words in first.fix
    assert first.status == "failed"
    assert operation.status == OperationStatus.FAILED
    assert engine.status == EngineStatus.FAILED


def test_dependent_rows_say_not_checked(prepared, aws_sandbox, kube_sandbox, sync_tasks):
    revoke_kubernetes_access(aws_sandbox, kube_sandbox, prepared)

    engine = import_engine(prepared)

    row = latest_operation(engine).steps.get(key="karpenter")
    assert row.detail == ("Not checked, because this check failed: The customer role can use the cluster's "
                          "Kubernetes API.")


def test_misspelled_storage_class_lists_real_ones(prepared, sync_tasks):
    engine = import_engine(prepared, storage_class="efs-sc1")

    operation = latest_operation(engine)
    row = operation.steps.get(key="storage-class")
    assert failed_rows(operation) == {"storage-class"}
    assert "Storage class efs-sc1 does not exist in cluster research" in row.detail
    assert "Its storage classes: efs-sc, gp2." in row.detail
    assert "Did you mean efs-sc?" in row.detail
    assert "create storage class efs-sc1" in row.fix


def test_block_storage_class_warns_about_shared_volumes(prepared, sync_tasks):
    engine = import_engine(prepared, storage_class="gp2")

    operation = latest_operation(engine)
    row = operation.steps.get(key="storage-class")
    assert row.result == "warn"
    assert "cannot serve ReadWriteMany" in row.detail
    assert engine.status == EngineStatus.READY


def test_shared_storage_class_says_read_write_many(prepared, sync_tasks):
    engine = import_engine(prepared)

    row = latest_operation(engine).steps.get(key="storage-class")
    assert "can be mounted by many nodes (ReadWriteMany)" in row.detail


def test_cluster_in_another_region_reported(aws_sandbox, kube_sandbox, sync_tasks):
    elsewhere = prepare_import("research", "us-east-1")

    engine = import_engine(elsewhere, region="eu-west-1")

    operation = latest_operation(engine)
    row = operation.steps.get(key="cluster")
    assert row.result == "fail"
    assert "EKS cluster research is not in eu-west-1: it exists in us-east-1" in row.detail
    assert "with region us-east-1" in row.fix
    assert engine.status == EngineStatus.FAILED


def test_absent_cluster_reported(prepared, sync_tasks):
    engine = import_engine(prepared, cluster_name="nowhere")

    operation = latest_operation(engine)
    row = operation.steps.get(key="cluster")
    assert "EKS cluster nowhere was not found in account 123456789012, in eu-west-1 or any other enabled region" in (
        row.detail)
    assert "names are case-sensitive" in row.fix
    assert set(rows(operation)) - failed_rows(operation) == set()
