"""The project's IAM roles: the storage role behind people's credentials, and one workload role per engine.

Both live under /aichor/ with the permissions boundary, and their inline policy allows
exactly the project's buckets (and, for workload roles, its repository).
"""

import json

from botocore.exceptions import ClientError

from engines.choices import ResourceState
from engines.models import Engine
from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws import clients
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import IAM_PATH, boundary_policy_arn, tag_list
from projects import naming
from projects.provisioning.common import (
    carries_project_tag,
    foreign_resource,
    project_tags,
    storage_statements,
)

ROLE_TYPE = "iam_role"
STORAGE_ROLE_KEY = "storage-role"
POLICY_NAME = "aichor-project-access"
# AWS caps a session of a role assumed by another role's session ("role chaining") at one hour.
MAX_SESSION_SECONDS = 3600


def workload_role_key(engine_id: int) -> str:
    return f"workload-role-eng-{engine_id}"


def create_storage_role(context):
    """Create the role that people's temporary storage credentials come from.

    Only the customer role may assume it, with the cloud account's ExternalId, so the
    portal reaches it solely through the customer role it already assumes for this account.
    """
    account = context.cloud.account
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": customer_role_principals(context)},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": account.external_id}},
            }
        ],
    }
    policy = {"Version": "2012-10-17", "Statement": storage_statements(context.project, context.cloud.partition)}
    arn = ensure_role(context, STORAGE_ROLE_KEY, naming.storage_role_name(context.project), trust, policy,
                      description=f"People's storage credentials for AIchor project {context.project.name}")
    return Done(arn)


def customer_role_principals(context) -> list[str]:
    """Return the principals that stand for the customer role's sessions in a trust policy.

    AWS matches the role's ARN against every session of the role. moto 5.2.5 matches only the
    session's own ARN (a role session principal, which AWS accepts too), hence the second entry.
    """
    cloud = context.cloud
    role_name = cloud.account.role_arn.rsplit("/", 1)[-1]
    session = f"arn:{cloud.partition}:sts::{cloud.account_id}:assumed-role/{role_name}/{clients.SESSION_NAME}"
    return [cloud.account.role_arn, session]


def workload_role_step(engine_id: int):
    """Return the step function that creates the project's workload role for one engine."""

    def create_workload_role(context):
        engine = Engine.objects.select_related("cloud_account").get(pk=engine_id)
        project = context.project
        provider_arn, issuer = oidc_provider_of(context, engine)
        subject = f"system:serviceaccount:{project.namespace}:{naming.SERVICE_ACCOUNT_NAME}"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"}},
                }
            ],
        }
        policy = {"Version": "2012-10-17", "Statement": workload_statements(context)}
        arn = ensure_role(context, workload_role_key(engine_id), naming.workload_role_name(project, engine), trust,
                          policy, engine=engine,
                          description=f"AIchor project {project.name} on engine {engine.name}")
        return Done(arn)

    create_workload_role.__name__ = f"create_workload_role_{engine_id}"
    return create_workload_role


def workload_statements(context) -> list[dict]:
    """Return the workload role's statements: the project's buckets and its repository, nothing else."""
    cloud = context.cloud
    repository_arn = f"arn:{cloud.partition}:ecr:{context.region}:{cloud.account_id}:repository/{context.project.repository_name}"
    return [
        *storage_statements(context.project, cloud.partition),
        {
            "Sid": "ProjectRepository",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:DescribeImages",
                "ecr:ListImages",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ],
            "Resource": repository_arn,
        },
        {
            # ECR issues registry tokens per account: this action accepts no resource ARN.
            "Sid": "RegistryLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
    ]


def oidc_provider_of(context, engine) -> tuple[str, str]:
    """Return the ARN of an engine's IAM OIDC provider and its issuer without https://."""
    provider = engine.resources.filter(type="oidc_provider").exclude(state=ResourceState.DELETED).first()
    if provider is not None and provider.cloud_id:
        issuer = provider.data.get("issuer") or provider.cloud_id.split(":oidc-provider/", 1)[-1]
        return provider.cloud_id, issuer.removeprefix("https://")

    from projects.kube import EngineCloud, cluster_name

    cluster = EngineCloud(engine).client("eks").describe_cluster(name=cluster_name(engine))["cluster"]
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer", "").removeprefix("https://")
    arn = f"arn:{context.cloud.partition}:iam::{engine.cloud_account.aws_account_id}:oidc-provider/{issuer}"
    known = {item["Arn"] for item in context.cloud.client("iam").list_open_id_connect_providers()[
        "OpenIDConnectProviderList"]}
    if not issuer or arn not in known:
        raise PermanentError(
            f"Engine {engine} has no IAM OIDC provider for its cluster's issuer, so no Kubernetes service "
            "account can assume a project role there.",
            code="OidcProviderMissing",
            fix="Create the IAM OIDC provider of the cluster (EKS console, Overview, OpenID Connect provider URL), "
            "then retry.",
        )
    return arn, issuer


def ensure_role(context, key: str, name: str, trust: dict, policy: dict, *, description: str,
                engine=None) -> str:
    """Create (or adopt) a project role, record it, then set its trust, inline policy and tags; return its ARN."""
    iam = context.cloud.client("iam")
    tags = project_tags(context, key)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        role = iam.create_role(
            Path=IAM_PATH,
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            PermissionsBoundary=boundary_policy_arn(context.cloud.partition, context.cloud.account_id),
            MaxSessionDuration=MAX_SESSION_SECONDS,
            Description=description,
            Tags=tag_list(tags),
        )["Role"]
    else:
        if not carries_project_tag(_role_tags(iam, name), context.project):
            raise foreign_resource("IAM role", name, context.project)
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        context.log(f"Adopted IAM role {name}")
    context.record(key, ROLE_TYPE, role["Arn"], data={"name": name}, engine=engine)

    iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
    stale = sorted(set(_role_tags(iam, name)) - set(tags))
    if stale:
        iam.untag_role(RoleName=name, TagKeys=stale)
    iam.tag_role(RoleName=name, Tags=tag_list(tags))
    return role["Arn"]


def _role_tags(iam, name: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=name)["Tags"]}


def delete_role_step(key: str, role_name: str):
    """Return the step function that deletes one project role, if it exists and carries the project's tag."""

    def delete_role(context):
        deleted = delete_project_role(context, role_name)
        context.set_state(key, ResourceState.DELETED)
        return Done(f"Deleted IAM role {role_name}" if deleted else f"IAM role {role_name} is already gone")

    delete_role.__name__ = f"delete_{key.replace('-', '_')}"
    return delete_role


def delete_project_role(context, name: str) -> bool:
    """Delete a role's policies, then the role; return False when it did not exist.

    A role that exists under this name without the project's tag is left alone and logged.
    """
    iam = context.cloud.client("iam")
    try:
        if not carries_project_tag(_role_tags(iam, name), context.project):
            context.log(f"IAM role {name} does not carry this project's tag: left in place", level="warning")
            return False
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=name)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        return False
    return True


def sweep_roles(context):
    """Delete roles under /aichor/ that carry this project's name prefix and tag but that the inventory missed."""
    iam = context.cloud.client("iam")
    prefix = naming.project_role_prefix(context.project)
    names = [
        role["RoleName"]
        for page in iam.get_paginator("list_roles").paginate(PathPrefix=IAM_PATH)
        for role in page["Roles"]
        if role["RoleName"].startswith(prefix)
    ]
    deleted = [name for name in names if delete_project_role(context, name)]
    if deleted:
        context.log(f"Swept IAM roles the inventory missed: {', '.join(deleted)}", level="warning")
    return Done(f"{len(deleted)} leftover roles deleted")
