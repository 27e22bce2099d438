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


def tag_filters(context, key: str) -> list[dict]:
    """Return EC2 Describe filters that find one resource of the engine by its tags."""
    return [
        {"Name": f"tag:{ENGINE_TAG}", "Values": [context.engine.tag_value]},
        {"Name": f"tag:{RESOURCE_TAG}", "Values": [key]},
    ]


def tag_specifications(resource_type: str, context, key: str, **extra: str) -> list[dict]:
    """Return the TagSpecifications of an EC2 create call, so the resource is tagged as it is created."""
    return [{"ResourceType": resource_type, "Tags": tag_list(resource_tags(context, key, **extra))}]
