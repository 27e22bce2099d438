"""The project's container registry: one ECR repository with scan on push, encryption and a lifecycle policy."""

import json

from botocore.exceptions import ClientError

from engines.choices import ResourceState
from engines.provisioning.steps import Done, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import tag_list
from projects import naming
from projects.provisioning.common import carries_project_tag, checked_name, foreign_resource, project_tags

REGISTRY_KEY = "registry"
REGISTRY_TYPE = "ecr_repository"
UNTAGGED_IMAGE_DAYS = 14
MAX_IMAGES = 1000
# One BatchDeleteImage request removes at most 100 images.
DELETE_BATCH = 100
PURGE_PAGES_PER_RUN = 20

LIFECYCLE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": f"Expire untagged images after {UNTAGGED_IMAGE_DAYS} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": UNTAGGED_IMAGE_DAYS,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Keep the newest {MAX_IMAGES} images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": MAX_IMAGES},
            "action": {"type": "expire"},
        },
    ]
}


def create_registry(context):
    """Create (or adopt) the project's ECR repository, then set its lifecycle policy and tags."""
    project = context.project
    name = checked_name(naming.validate_repository_name, project.repository_name)
    ecr = context.cloud.client("ecr")
    tags = project_tags(context, REGISTRY_KEY)

    try:
        repository = ecr.create_repository(
            repositoryName=name,
            imageTagMutability="MUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "AES256"},
            tags=tag_list(tags),
        )["repository"]
        verb = "Created"
    except ClientError as error:
        if error_code(error) != "RepositoryAlreadyExistsException":
            raise
        repository = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        if not carries_project_tag(_repository_tags(ecr, repository["repositoryArn"]), project):
            raise foreign_resource("Repository", name, project) from None
        verb = "Adopted"
    context.record(REGISTRY_KEY, REGISTRY_TYPE, repository["repositoryArn"],
                   data={"name": name, "uri": repository["repositoryUri"]})

    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(LIFECYCLE_POLICY))
    _set_tags(ecr, repository["repositoryArn"], tags)
    return Done(f"{verb} repository {repository['repositoryUri']}")


def _repository_tags(ecr, arn: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


def _set_tags(ecr, arn: str, tags: dict[str, str]) -> None:
    """Make the repository's tags exactly `tags` (labels removed from the project leave the repository)."""
    stale = sorted(set(_repository_tags(ecr, arn)) - set(tags))
    if stale:
        ecr.untag_resource(resourceArn=arn, tagKeys=stale)
    ecr.tag_resource(resourceArn=arn, tags=tag_list(tags))


def purge_registry(context):
    """Delete every image of the repository, then the repository."""
    resource = context.resource(REGISTRY_KEY)
    name = resource.data.get("name") if resource else context.project.repository_name
    ecr = context.cloud.client("ecr")
    context.set_state(REGISTRY_KEY, ResourceState.DELETING)

    for _ in range(PURGE_PAGES_PER_RUN):
        try:
            images = ecr.list_images(repositoryName=name, maxResults=DELETE_BATCH)["imageIds"]
        except ClientError as error:
            if error_code(error) != "RepositoryNotFoundException":
                raise
            context.set_state(REGISTRY_KEY, ResourceState.DELETED)
            return Done(f"Repository {name} is already gone")
        if not images:
            break
        ecr.batch_delete_image(repositoryName=name, imageIds=images)
    else:
        return Wait(f"more images of repository {name} to be deleted", 0)

    try:
        # force also removes images pushed since the listing above.
        ecr.delete_repository(repositoryName=name, force=True)
    except ClientError as error:
        if error_code(error) != "RepositoryNotFoundException":
            raise
    context.set_state(REGISTRY_KEY, ResourceState.DELETED)
    return Done(f"Deleted repository {name} and its images")
