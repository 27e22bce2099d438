"""IAM steps of the EKS plan: the cluster and node roles, and the nodes' instance profile.

Every role lives under the `/aichor/` path and carries the permissions boundary
that the published policy requires.
"""

import json

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import (
    ENGINE_TAG,
    IAM_PATH,
    boundary_policy_arn,
    iam_name,
    resource_tags,
    tag_list,
)


def managed_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
)


def service_trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def ensure_role(context, key: str, name: str, trust: str, policies: tuple[str, ...]) -> dict:
    """Create (or adopt) a role under /aichor/ with the boundary, attach its policies, and record it."""
    iam = context.cloud.client("iam")
    attached = set()
    try:
        role = iam.get_role(RoleName=name)["Role"]
        tags = {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=name)["Tags"]}
        if tags.get(ENGINE_TAG) != context.engine.tag_value:
            raise PermanentError(
                f"IAM role {name} exists but was not created for this engine.",
                code="EntityAlreadyExists",
                fix="Delete or rename that role in the account, then retry.",
            )
        context.log(f"Adopted IAM role {name}")
        attached = {policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        role = iam.create_role(
            Path=IAM_PATH,
            RoleName=name,
            AssumeRolePolicyDocument=trust,
            PermissionsBoundary=boundary_policy_arn(context.cloud.partition, context.cloud.account_id),
            Tags=tag_list(resource_tags(context, key)),
        )["Role"]
    context.record(key, "iam_role", role["Arn"], data={"name": name})

    # A role created just now has no policies; an adopted one may have some of them.
    for policy in policies:
        arn = managed_policy_arn(context.cloud.partition, policy)
        if arn not in attached:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return role


def create_cluster_role(context):
    role = ensure_role(
        context, "cluster-role", iam_name(context.engine, "cluster"), service_trust("eks.amazonaws.com"),
        CLUSTER_POLICIES,
    )
    return Done(role["Arn"])


def create_node_role(context):
    role = ensure_role(
        context, "node-role", iam_name(context.engine, "node"), service_trust("ec2.amazonaws.com"), NODE_POLICIES
    )
    return Done(role["Arn"])


def create_instance_profile(context):
    iam = context.cloud.client("iam")
    name = iam_name(context.engine, "node")
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        context.log(f"Adopted instance profile {name}")
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        profile = iam.create_instance_profile(
            InstanceProfileName=name, Path=IAM_PATH, Tags=tag_list(resource_tags(context, "instance-profile"))
        )["InstanceProfile"]
    context.record("instance-profile", "instance_profile", profile["Arn"], data={"name": name})

    role_name = context.resource("node-role").data["name"]
    if role_name not in {role["RoleName"] for role in profile.get("Roles", [])}:
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role_name)
    return Done(profile["Arn"])


def delete_role(context, resource) -> None:
    """Detach and delete a role's policies, take it out of instance profiles, then delete it."""
    iam = context.cloud.client("iam")
    name = resource.data.get("name") or resource.cloud_id.rsplit("/", 1)[-1]
    try:
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
        iam.delete_role(RoleName=name)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise


def delete_instance_profile(context, resource) -> None:
    iam = context.cloud.client("iam")
    name = resource.data.get("name") or resource.cloud_id.rsplit("/", 1)[-1]
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        for role in profile.get("Roles", []):
            iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
        iam.delete_instance_profile(InstanceProfileName=name)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
