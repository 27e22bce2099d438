"""Reading a project's resources back from the sandbox clouds, as the administrator sees them."""

import json

from botocore.exceptions import ClientError

from projects import naming
from projects.kube import kube_client_for


def bucket_tags(aws, name: str) -> dict[str, str]:
    tag_set = aws.client("s3").get_bucket_tagging(Bucket=name)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def bucket_policy(aws, name: str) -> dict:
    return json.loads(aws.client("s3").get_bucket_policy(Bucket=name)["Policy"])


def existing_buckets(aws, project) -> list[str]:
    names = {bucket["Name"] for bucket in aws.client("s3").list_buckets()["Buckets"]}
    return sorted(names & set(project.bucket_names().values()))


def existing_repositories(aws, project, region: str = "eu-west-1") -> list[str]:
    ecr = aws.client("ecr", region)
    return [repository["repositoryName"] for repository in ecr.describe_repositories()["repositories"]
            if repository["repositoryName"] == project.repository_name]


def existing_roles(aws, project) -> list[str]:
    roles = aws.client("iam").list_roles(PathPrefix="/aichor/")["Roles"]
    return sorted(role["RoleName"] for role in roles if role["RoleName"].startswith(naming.project_role_prefix(project)))


def role_tags(aws, name: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in aws.client("iam").list_role_tags(RoleName=name)["Tags"]}


def namespace(engine, project) -> dict | None:
    return kube_client_for(engine).get("v1", "Namespace", project.namespace)


def service_account(engine, project) -> dict | None:
    return kube_client_for(engine).get("v1", "ServiceAccount", naming.SERVICE_ACCOUNT_NAME, project.namespace)


def object_versions(aws, bucket: str) -> int:
    """Return how many versions and delete markers a bucket holds, or -1 when the bucket is gone."""
    try:
        page = aws.client("s3").list_object_versions(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return -1
        raise
    return len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))


def bucket_policy_or_none(aws, name: str) -> dict | None:
    try:
        return bucket_policy(aws, name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise
