"""Karpenter at a pinned version: its controller role, its installation, and the engine's node pool.

The controller's IAM role is trusted through the cluster's OIDC provider (IRSA) for the
`karpenter` service account only. The manifests are kept in the repository (see
`manifests/karpenter-<version>/NOTE.md`) and applied by server-side apply. Karpenter
launches nodes with the engine's instance profile and reads the interruption queue.
"""

import json
import time
from urllib.parse import unquote

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, PermanentError, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks import queue
from engines.providers.aws.eks.iam import ensure_role
from engines.providers.aws.eks.incluster import cluster_kube, engine_cluster_name, list_or_empty
from engines.providers.aws.eks.manifests import KARPENTER_VERSION, karpenter_controller, karpenter_node_pool
from engines.providers.aws.naming import iam_name
from engines.providers.kube.apply import apply_manifests

NAMESPACE = "karpenter"
SERVICE_ACCOUNT = "karpenter"
CONTROLLER_POLICY_NAME = "karpenter-controller"
DEFAULT_CPU_LIMIT = "1000"
POLL_SECONDS = 15
# A controller that is not available after this long will not become so by itself.
READY_TIMEOUT_SECONDS = 600


def _document(value) -> dict:
    """Return a policy document that IAM returned as a dict or as URL-encoded JSON."""
    return json.loads(unquote(value)) if isinstance(value, str) else value


def controller_trust(oidc_provider_arn: str, issuer: str) -> dict:
    """Return the trust policy: web identities of the cluster's `karpenter` service account only."""
    host = issuer.removeprefix("https://")
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{host}:sub": f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}",
                f"{host}:aud": "sts.amazonaws.com",
            }},
        }],
    }


def controller_policy(*, partition: str, region: str, account_id: str, cluster_name: str, queue_arn: str,
                      node_role_arn: str) -> dict:
    """Return the controller's permissions, scoped to this cluster's nodes (within the portal's boundary)."""
    regional = f"arn:{partition}:ec2:{region}"
    owned = {f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    owned_resource = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    launched = [f"{regional}:*:{kind}/*" for kind in ("fleet", "instance", "volume", "network-interface",
                                                      "launch-template")]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "LaunchFromSharedResources", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
             "Resource": [f"{regional}::image/*", f"{regional}::snapshot/*", f"{regional}:*:spot-instances-request/*",
                          f"{regional}:*:security-group/*", f"{regional}:*:subnet/*", f"{regional}:*:launch-template/*"]},
            {"Sid": "LaunchClusterNodes", "Effect": "Allow",
             "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], "Resource": launched,
             "Condition": {"StringEquals": owned, "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
            {"Sid": "TagAtLaunch", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": launched,
             "Condition": {"StringEquals": {**owned, "ec2:CreateAction": ["RunInstances", "CreateFleet",
                                                                          "CreateLaunchTemplate"]},
                           "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
            {"Sid": "TagClusterNodes", "Effect": "Allow", "Action": "ec2:CreateTags",
             "Resource": f"{regional}:*:instance/*",
             "Condition": {"StringEquals": owned_resource,
                           "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                           "ForAllValues:StringEquals": {"aws:TagKeys": ["karpenter.sh/nodeclaim", "Name"]}}},
            {"Sid": "RemoveClusterNodes", "Effect": "Allow",
             "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
             "Resource": [f"{regional}:*:instance/*", f"{regional}:*:launch-template/*"],
             "Condition": {"StringEquals": owned_resource,
                           "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}}},
            {"Sid": "RegionalReads", "Effect": "Allow",
             "Action": ["ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances",
                        "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets"],
             "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": region}}},
            {"Sid": "PublicParameters", "Effect": "Allow", "Action": "ssm:GetParameter",
             "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*"},
            {"Sid": "Pricing", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
            {"Sid": "InterruptionQueue", "Effect": "Allow",
             "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
             "Resource": queue_arn},
            {"Sid": "PassNodeRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": node_role_arn,
             "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
            {"Sid": "InstanceProfileReads", "Effect": "Allow", "Action": "iam:GetInstanceProfile", "Resource": "*"},
            {"Sid": "ClusterEndpoint", "Effect": "Allow", "Action": "eks:DescribeCluster",
             "Resource": f"arn:{partition}:eks:{region}:{account_id}:cluster/{cluster_name}"},
        ],
    }


def create_controller_role(context):
    iam = context.cloud.client("iam")
    cloud = context.cloud
    oidc = context.resource("oidc-provider")
    trust = controller_trust(oidc.cloud_id, oidc.data["issuer"])
    name = iam_name(context.engine, "karpenter")
    role = ensure_role(context, "karpenter-role", name, json.dumps(trust), ())

    if _document(role["AssumeRolePolicyDocument"]) != trust:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    policy = controller_policy(
        partition=cloud.partition, region=cloud.region, account_id=cloud.account_id,
        cluster_name=engine_cluster_name(context), queue_arn=context.cloud_id("interruption-queue"),
        node_role_arn=context.cloud_id("node-role"),
    )
    try:
        current = _document(iam.get_role_policy(RoleName=name, PolicyName=CONTROLLER_POLICY_NAME)["PolicyDocument"])
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        current = None
    if current != policy:
        iam.put_role_policy(RoleName=name, PolicyName=CONTROLLER_POLICY_NAME, PolicyDocument=json.dumps(policy))
    return Done(role["Arn"])


def controller_values(context) -> dict[str, str]:
    cluster = context.resource("eks-cluster")
    return {
        "NAMESPACE": NAMESPACE,
        "KARPENTER_ROLE_ARN": context.cloud_id("karpenter-role"),
        "CLUSTER_NAME": cluster.data["name"],
        "CLUSTER_ENDPOINT": cluster.data.get("endpoint", "").rstrip("/"),
        "INTERRUPTION_QUEUE": queue.queue_name(context.engine),
        "REGION": context.engine.region,
    }


def install_karpenter(context):
    kube = cluster_kube(context, recorded=True)
    if kube is None:
        raise PermanentError(
            f"EKS cluster {engine_cluster_name(context)} is not ACTIVE, so Karpenter cannot be installed.",
            code="ClusterNotActive", fix="Look at the cluster in the EKS console, then retry.",
        )
    result = apply_manifests(kube, karpenter_controller(controller_values(context)))
    context.record("karpenter", "karpenter", f"{NAMESPACE}/karpenter",
                   data={"version": KARPENTER_VERSION, "namespace": NAMESPACE, "cluster": engine_cluster_name(context)})
    if result.applied:
        context.log(f"Karpenter {KARPENTER_VERSION}: {result.summary()}")

    deployment = kube.get("apps/v1", "Deployment", "karpenter", NAMESPACE) or {}
    if _available(deployment):
        return Done(f"Karpenter {KARPENTER_VERSION} is available ({result.summary()})")

    started = context.state.setdefault("waiting_since", time.time())
    context.save_state()
    if time.time() - started > READY_TIMEOUT_SECONDS:
        raise PermanentError(
            f"Karpenter's deployment in namespace {NAMESPACE} is not available after "
            f"{READY_TIMEOUT_SECONDS // 60} minutes.",
            code="KarpenterNotAvailable",
            fix=f"Look at the pods of namespace {NAMESPACE} (events, image pulls, the node group's capacity), "
            "then retry.",
        )
    return Wait("Karpenter's deployment to become available", POLL_SECONDS)


def _available(deployment: dict) -> bool:
    status = deployment.get("status") or {}
    conditions = {condition.get("type"): condition.get("status") for condition in status.get("conditions", [])}
    current = status.get("observedGeneration", 0) >= deployment.get("metadata", {}).get("generation", 0)
    return current and conditions.get("Available") == "True" and status.get("availableReplicas", 0) >= 1


def node_pool_manifests(context) -> list[dict]:
    values = {
        "INSTANCE_PROFILE": context.resource("instance-profile").data["name"],
        "CLUSTER_NAME": engine_cluster_name(context),
        "CPU_LIMIT": str(context.engine.parameters.get("karpenter_cpu_limit", DEFAULT_CPU_LIMIT)),
    }
    manifests = karpenter_node_pool(values)
    for manifest in manifests:
        if manifest["kind"] == "EC2NodeClass":
            # Instances, volumes and interfaces that Karpenter launches carry the engine's tags.
            manifest["spec"]["tags"] = {**context.tags, "aichor:resource": "karpenter-node"}
    return manifests


def create_node_pool(context):
    kube = cluster_kube(context, recorded=True)
    if kube is None:
        raise PermanentError(
            f"EKS cluster {engine_cluster_name(context)} is not ACTIVE, so the node pool cannot be created.",
            code="ClusterNotActive", fix="Look at the cluster in the EKS console, then retry.",
        )
    result = apply_manifests(kube, node_pool_manifests(context))
    context.record("karpenter-node-pool", "karpenter_node_pool", "default",
                   data={"node_class": "default", "instance_profile": context.resource("instance-profile").data["name"]})
    return Done(f"Node pool default on node class default ({result.summary()})")


def delete_node_pool(context, resource):
    """Delete the engine's node pool and node class; wait until Karpenter removed their node claims."""
    kube = cluster_kube(context)
    if kube is None:
        return None
    kube.delete("karpenter.sh/v1", "NodePool", resource.cloud_id)
    kube.delete("karpenter.k8s.aws/v1", "EC2NodeClass", resource.data.get("node_class", resource.cloud_id))
    claims = [claim for claim in list_or_empty(kube, "karpenter.sh/v1", "NodeClaim")
              if (claim["metadata"].get("labels") or {}).get("karpenter.sh/nodepool") == resource.cloud_id]
    if claims:
        return Wait(f"Karpenter to remove {len(claims)} node claim(s) of node pool {resource.cloud_id}", POLL_SECONDS)
    return None


def delete_karpenter(context, resource) -> None:
    """Remove Karpenter's objects from the cluster, newest first (CRDs last, after the node pools)."""
    kube = cluster_kube(context)
    if kube is None:
        return None
    manifests = karpenter_controller(placeholder_values())
    for manifest in reversed(manifests):
        metadata = manifest["metadata"]
        kube.delete(manifest["apiVersion"], manifest["kind"], metadata["name"], metadata.get("namespace"))
    return None


def placeholder_values() -> dict[str, str]:
    """Return values that render the manifests when only their names and kinds matter."""
    values = {name: "unused" for name in ("KARPENTER_ROLE_ARN", "CLUSTER_NAME", "CLUSTER_ENDPOINT",
                                          "INTERRUPTION_QUEUE", "REGION")}
    return {**values, "NAMESPACE": NAMESPACE}
