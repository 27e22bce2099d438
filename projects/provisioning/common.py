"""Tags, role ARNs and ownership checks shared by the project steps."""

from django.core.exceptions import ValidationError

from engines.provisioning.steps import PermanentError
from engines.providers.aws.naming import IAM_PATH
from projects import naming

PROJECT_TAG = "aichor:project"
RESOURCE_TAG = "aichor:resource"


def project_tags(context, key: str) -> dict[str, str]:
    """Return the tags of one project resource: the project's labels, then the portal's own tags."""
    return {**context.project.labels, **context.tags, RESOURCE_TAG: key}


def carries_project_tag(tags: dict[str, str], project) -> bool:
    return tags.get(PROJECT_TAG) == project.tag_value


def foreign_resource(kind: str, name: str, project) -> PermanentError:
    """Return the error for a resource that exists under this project's name without its tag."""
    return PermanentError(
        f"{kind} {name} already exists in the account but does not carry the tag {PROJECT_TAG}={project.tag_value}, "
        "so it was not created for this project.",
        code="ResourceNotOwned",
        fix=f"Delete or rename that {kind.lower()} in the account if it is unused, or delete this project and "
        "create it again (a new project gets a new namespace and new names).",
    )


def checked_name(validate, name: str) -> str:
    """Validate a cloud name before any call; an invalid one fails the step with the rule it breaks."""
    try:
        return validate(name)
    except ValidationError as error:
        raise PermanentError(" ".join(error.messages), code="InvalidName",
                             fix="This is a defect of the portal's naming: contact support.") from None


def role_arn(context, name: str) -> str:
    """Return the ARN of a role that the portal creates (under /aichor/) in the project's account."""
    return f"arn:{context.cloud.partition}:iam::{context.cloud.account_id}:role{IAM_PATH}{name}"


def storage_role_arn(context) -> str:
    return role_arn(context, naming.storage_role_name(context.project))


def workload_role_arn(context, engine) -> str:
    return role_arn(context, naming.workload_role_name(context.project, engine))


def bucket_arns(project, partition: str) -> list[str]:
    """Return the ARNs of the project's buckets."""
    return [f"arn:{partition}:s3:::{name}" for name in project.bucket_names().values()]


def object_arns(project, partition: str) -> list[str]:
    """Return the ARNs that cover every object of the project's buckets."""
    return [f"{arn}/*" for arn in bucket_arns(project, partition)]


def storage_statements(project, partition: str) -> list[dict]:
    """Return the statements that allow reading and writing the project's buckets, and nothing else."""
    return [
        {
            "Sid": "ProjectBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": bucket_arns(project, partition),
        },
        {
            "Sid": "ProjectObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                       "s3:ListMultipartUploadParts"],
            "Resource": object_arns(project, partition),
        },
    ]
