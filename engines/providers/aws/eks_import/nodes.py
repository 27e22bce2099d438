"""The node checks: the cluster's managed node groups, their instance profile, and the IAM OIDC provider."""

from engines.choices import ResourceState
from engines.providers.aws.eks_import.base import Outcome, cluster_data, cluster_name, mark_missing, record_found

NODE_GROUP_PREFIX = "node-group-"
INSTANCE_PROFILE_PREFIX = "instance-profile-"


def node_groups(context) -> Outcome:
    eks = context.cloud.client("eks")
    name = cluster_name(context)
    names = []
    for page in eks.get_paginator("list_nodegroups").paginate(clusterName=name):
        names += page["nodegroups"]

    keys, unhealthy = [], []
    for group_name in sorted(names):
        group = eks.describe_nodegroup(clusterName=name, nodegroupName=group_name)["nodegroup"]
        keys.append(f"{NODE_GROUP_PREFIX}{group_name}")
        record_found(context, keys[-1], "node_group", group["nodegroupArn"], name=group_name, cluster=name,
                     node_role=group.get("nodeRole", ""), status=group.get("status", ""))
        if group.get("status") != "ACTIVE":
            unhealthy.append(f"{group_name} ({group.get('status')})")
    mark_missing(context, prefix=NODE_GROUP_PREFIX, keep=keys)

    if not names:
        return Outcome.failed(f"EKS cluster {name} has no managed node group.",
                              "Create a managed node group for the cluster (it runs Karpenter and the system pods), "
                              "then retry.")
    if len(unhealthy) == len(names):
        return Outcome.failed(f"No node group of {name} is ACTIVE: {', '.join(unhealthy)}.",
                              "Look at the node groups' health in the EKS console, then retry.")
    if unhealthy:
        return Outcome.warning(f"{len(names) - len(unhealthy)} node group(s) ACTIVE; not ACTIVE: {', '.join(unhealthy)}",
                               "Look at those node groups' health in the EKS console.")
    return Outcome.passed(f"{len(names)} node group(s) ACTIVE: {', '.join(sorted(names))}")


def _role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


def instance_profile(context) -> Outcome:
    """Check that an instance profile contains the node groups' node role (Karpenter launches nodes with it)."""
    groups = context.engine.resources.filter(type="node_group", key__startswith=NODE_GROUP_PREFIX).exclude(
        state=ResourceState.MISSING)
    roles = sorted({group.data.get("node_role", "") for group in groups if group.data.get("node_role")})
    if not roles:
        return Outcome.failed("The node groups name no node role.", "Check the node groups in the EKS console.")

    profiles = []
    paginator = context.cloud.client("iam").get_paginator("list_instance_profiles")
    for page in paginator.paginate():
        profiles += [profile for profile in page["InstanceProfiles"]
                     if any(role["Arn"] in roles for role in profile.get("Roles", []))]
    profiles.sort(key=lambda profile: profile["InstanceProfileName"])

    keys = []
    for profile in profiles:
        keys.append(f"{INSTANCE_PROFILE_PREFIX}{profile['InstanceProfileName']}")
        record_found(context, keys[-1], "instance_profile", profile["Arn"], name=profile["InstanceProfileName"],
                     roles=[role["Arn"] for role in profile.get("Roles", [])])
    mark_missing(context, prefix=INSTANCE_PROFILE_PREFIX, keep=keys)

    if not profiles:
        names = ", ".join(_role_name(role) for role in roles)
        return Outcome.failed(f"No instance profile contains the node role ({names}).",
                              f"Create an instance profile and add the node role {names} to it (IAM console or "
                              "`aws iam add-role-to-instance-profile`), then retry.")
    return Outcome.passed(f"Instance profile(s) {', '.join(profile['InstanceProfileName'] for profile in profiles)}")


def oidc_provider(context) -> Outcome:
    issuer = cluster_data(context).get("oidc_issuer", "")
    if not issuer:
        return Outcome.failed("EKS returned no OIDC issuer for the cluster.", "Check the cluster in the EKS console.")
    iam = context.cloud.client("iam")
    url = issuer.removeprefix("https://")
    arn = next((provider["Arn"] for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
                if provider["Arn"].endswith(f"oidc-provider/{url}")), None)
    if arn is None:
        mark_missing(context, keys=["oidc-provider"])
        return Outcome.failed(f"No IAM OIDC provider exists for the cluster's issuer {issuer}.",
                              "Associate an IAM OIDC provider with the cluster (`eksctl utils "
                              "associate-iam-oidc-provider --approve`, or the IAM console), then retry.")
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    record_found(context, "oidc-provider", "oidc_provider", arn, issuer=issuer)
    if "sts.amazonaws.com" not in provider.get("ClientIDList", []):
        return Outcome.failed(f"OIDC provider {arn} does not list sts.amazonaws.com as a client id (audience).",
                              "Add the audience sts.amazonaws.com to the provider in the IAM console, then retry.")
    return Outcome.passed(f"{arn} serves the cluster's issuer")
