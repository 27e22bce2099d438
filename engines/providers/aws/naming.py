"""Names and tags of the AWS resources the portal creates.

Names derive from the engine's tag value (`eng-<id>`), so a rerun finds what an
earlier run created. IAM names are at most 64 characters and unique per account.
"""

IAM_PATH = "/aichor/"
BOUNDARY_POLICY_NAME = "AIchorPermissionsBoundary"
ENGINE_TAG = "aichor:engine"
ORGANISATION_TAG = "aichor:organisation"
RESOURCE_TAG = "aichor:resource"
IAM_NAME_MAX = 64


def boundary_policy_arn(partition: str, account_id: str) -> str:
    """Return the ARN of the permissions boundary every role the portal creates carries."""
    return f"arn:{partition}:iam::{account_id}:policy{IAM_PATH}{BOUNDARY_POLICY_NAME}"


def iam_name(engine, suffix: str) -> str:
    name = f"aichor-{engine.tag_value}-{suffix}"
    if len(name) > IAM_NAME_MAX:
        raise ValueError(f"IAM name {name!r} is longer than {IAM_NAME_MAX} characters.")
    return name


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Return tags in the Key/Value list form of EC2, IAM and most APIs."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def resource_tags(context, key: str, **extra: str) -> dict[str, str]:
    """Return the tags of one resource: the engine's, its plan key, and a readable Name."""
    return {**context.tags, RESOURCE_TAG: key, "Name": f"{context.engine.name}-{key}", **extra}
