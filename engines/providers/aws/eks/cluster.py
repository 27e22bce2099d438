"""Cluster steps of the EKS plan: the cluster, its IAM OIDC provider and the managed node groups."""

from botocore.exceptions import ClientError

from engines.choices import ResourceOwner
from engines.provisioning.steps import Done, PermanentError, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import ENGINE_TAG, resource_tags, tag_list

DEFAULT_KUBERNETES_VERSION = "1.33"
DEFAULT_NODE_INSTANCE_TYPE = "m6i.large"
# The periodic pass re-checks due steps every 30 seconds, boto3's EKS waiter interval. A wait
# shorter than that makes every pass re-check the step. A wait of exactly 30 seconds falls
# due just after a pass, so the step would be checked only every other pass.
POLL_SECONDS = 15
# The thumbprint of the root CA behind EKS OIDC issuers; IAM no longer checks it for them,
# but the API still asks for one on older SDKs.
EKS_OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def cluster_name(context) -> str:
    return context.engine.name


def _describe_cluster(eks, name: str) -> dict | None:
    try:
        return eks.describe_cluster(name=name)["cluster"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise


def create_cluster(context):
    eks = context.cloud.client("eks")
    name = cluster_name(context)
    cluster = _describe_cluster(eks, name)

    if cluster is None:
        subnets = [resource.cloud_id for resource in context.engine.resources.filter(type="subnet").order_by("key")]
        cluster = eks.create_cluster(
            name=name,
            version=context.engine.parameters.get("kubernetes_version", DEFAULT_KUBERNETES_VERSION),
            roleArn=context.cloud_id("cluster-role"),
            resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": True, "endpointPrivateAccess": True},
            accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
            tags=resource_tags(context, "eks-cluster"),
            clientRequestToken=f"{context.engine.tag_value}-cluster",
        )["cluster"]
    elif cluster.get("tags", {}).get(ENGINE_TAG) != context.engine.tag_value:
        raise PermanentError(
            f"An EKS cluster named {name} already exists in {context.engine.region} and was not created for "
            "this engine.",
            code="ResourceInUseException",
            fix="Delete this engine and create it again with another name.",
        )
    context.record("eks-cluster", "eks_cluster", cluster["arn"], data={"name": name})

    status = cluster.get("status")
    if status in ("CREATING", "UPDATING", "PENDING"):
        return Wait(f"EKS cluster {name} to become ACTIVE (now {status})", POLL_SECONDS)
    if status != "ACTIVE":
        raise PermanentError(
            f"EKS cluster {name} is {status}.",
            code=f"Cluster{status}",
            fix="Look at the cluster's health in the EKS console, delete this engine, and create it again.",
        )
    context.record(
        "eks-cluster", "eks_cluster", cluster["arn"],
        data={"name": name, "endpoint": cluster.get("endpoint", ""), "version": cluster.get("version", ""),
              "oidc_issuer": cluster.get("identity", {}).get("oidc", {}).get("issuer", ""),
              "certificate_authority": cluster.get("certificateAuthority", {}).get("data", "")},
    )
    return Done(f"{name} is ACTIVE")


def create_oidc_provider(context):
    iam = context.cloud.client("iam")
    issuer = context.resource("eks-cluster").data["oidc_issuer"]
    url = issuer.removeprefix("https://")
    owner = ResourceOwner.PORTAL
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if provider["Arn"].endswith(f"oidc-provider/{url}"):
            arn = provider["Arn"]
            tags = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"]
            if {"Key": ENGINE_TAG, "Value": context.engine.tag_value} in tags:
                context.log(f"Adopted OIDC provider {arn}")
            else:
                # One provider per issuer: someone else made it, so teardown must leave it.
                owner = ResourceOwner.ADMINISTRATOR
                context.log(f"OIDC provider {arn} already exists and was not made for this engine: using it, "
                            "and leaving it in place at teardown", "warning")
            break
    else:
        arn = iam.create_open_id_connect_provider(
            Url=issuer,
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=[EKS_OIDC_THUMBPRINT],
            Tags=tag_list(resource_tags(context, "oidc-provider")),
        )["OpenIDConnectProviderArn"]
    context.record("oidc-provider", "oidc_provider", arn, owner=owner, data={"issuer": issuer})
    return Done(arn)


def node_group_step(key: str, *, gpu: bool):
    """Return the step function that creates a managed node group (the default one, or the GPU one)."""

    def create_node_group(context):
        eks = context.cloud.client("eks")
        parameters = context.engine.parameters
        name = f"{context.engine.tag_value}-{'gpu' if gpu else 'default'}"
        cluster = cluster_name(context)
        try:
            group = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            prefix = "gpu_" if gpu else "node_"
            arguments = {
                "clusterName": cluster,
                "nodegroupName": name,
                "scalingConfig": {
                    "minSize": int(parameters.get(f"{prefix}min", 0 if gpu else 1)),
                    "maxSize": int(parameters.get(f"{prefix}max", 2 if gpu else 3)),
                    "desiredSize": int(parameters.get(f"{prefix}desired", 0 if gpu else 2)),
                },
                "subnets": [r.cloud_id for r in context.engine.resources.filter(type="subnet").order_by("key")],
                "instanceTypes": [parameters.get(f"{prefix}instance_type", DEFAULT_NODE_INSTANCE_TYPE)],
                "nodeRole": context.cloud_id("node-role"),
                "tags": resource_tags(context, key),
                "labels": {"aichor.ai/pool": "gpu" if gpu else "default"},
                "clientRequestToken": f"{context.engine.tag_value}-{key}",
            }
            if gpu:
                arguments["amiType"] = "AL2023_x86_64_NVIDIA"
                arguments["taints"] = [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
            group = eks.create_nodegroup(**arguments)["nodegroup"]
        context.record(key, "node_group", group["nodegroupArn"], data={"name": name, "cluster": cluster})

        status = group.get("status")
        if status in ("CREATING", "UPDATING"):
            return Wait(f"node group {name} to become ACTIVE (now {status})", POLL_SECONDS)
        if status != "ACTIVE":
            raise PermanentError(
                f"Node group {name} is {status}.",
                code=f"Nodegroup{status}",
                fix="Look at the node group's health issues in the EKS console, then retry.",
            )
        return Done(f"{name} is ACTIVE")

    create_node_group.__name__ = f"create_{key.replace('-', '_')}"
    return create_node_group


def delete_node_group(context, resource):
    """Start deleting a node group; return a Wait until it is gone."""
    eks = context.cloud.client("eks")
    cluster, name = resource.data["cluster"], resource.data["name"]
    try:
        group = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    if group["status"] != "DELETING":
        eks.delete_nodegroup(clusterName=cluster, nodegroupName=name)
    try:
        eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return Wait(f"node group {name} to be deleted", POLL_SECONDS)


def delete_cluster(context, resource):
    eks = context.cloud.client("eks")
    name = resource.data["name"]
    cluster = _describe_cluster(eks, name)
    if cluster is None:
        return None
    if cluster["status"] != "DELETING":
        eks.delete_cluster(name=name)
    if _describe_cluster(eks, name) is None:
        return None
    return Wait(f"EKS cluster {name} to be deleted", POLL_SECONDS)


def delete_oidc_provider(context, resource):
    iam = context.cloud.client("iam")
    try:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=resource.cloud_id)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
    return None
