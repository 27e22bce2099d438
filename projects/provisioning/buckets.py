"""The project's S3 buckets: created with strict access, protected by a bucket policy, and purged on request.

Every bucket has default encryption, all four Block Public Access settings, versioning,
and object ownership enforced, so ACLs are disabled and the portal never calls an ACL API.
Its policy denies non-TLS access, and every principal other than the project's roles and
the portal's own role.
"""

import json

from botocore.exceptions import ClientError

from engines.choices import ResourceState
from engines.provisioning.steps import Done, PermanentError, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import tag_list
from projects import naming
from projects.models import AssignmentState
from projects.provisioning.common import (
    carries_project_tag,
    checked_name,
    foreign_resource,
    project_tags,
    storage_role_arn,
    workload_role_arn,
)

BUCKET_TYPE = "s3_bucket"
# us-east-1 is S3's default location: CreateBucket rejects it as a location constraint.
DEFAULT_LOCATION = "us-east-1"
INCOMPLETE_UPLOAD_DAYS = 7
# One DeleteObjects request removes at most 1,000 keys.
DELETE_BATCH = 1000
PURGE_PAGES_PER_RUN = 20


def bucket_key(purpose: str) -> str:
    return f"bucket-{purpose}"


def bucket_step(purpose: str):
    """Return the step function that creates (or adopts) and configures one project bucket."""

    def create_bucket(context):
        project = context.project
        name = checked_name(naming.validate_bucket_name, project.bucket_names()[purpose])
        key = bucket_key(purpose)
        s3 = context.cloud.client("s3")
        tags = project_tags(context, key)

        recorded_before = context.resource(key) is not None
        if not recorded_before:
            context.record(key, BUCKET_TYPE, name, state=ResourceState.CREATING, data={"purpose": purpose})
        adopted = _create_or_adopt(context, s3, name, tags, recorded_before)
        context.record(key, BUCKET_TYPE, name, data={"purpose": purpose, "region": context.region})

        _configure(s3, name, tags)
        return Done(f"{'Adopted' if adopted else 'Created'} bucket {name} in {context.region}")

    create_bucket.__name__ = f"create_{purpose}_bucket"
    return create_bucket


def _create_or_adopt(context, s3, name: str, tags: dict, recorded_before: bool) -> bool:
    """Create the bucket; return True when it existed and carries (or may carry) this project's tag."""
    configuration = {"Tags": tag_list(tags)}
    if context.region != DEFAULT_LOCATION:
        configuration["LocationConstraint"] = context.region
    try:
        s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced", CreateBucketConfiguration=configuration)
    except ClientError as error:
        code = error_code(error)
        if code == "BucketAlreadyExists":
            raise PermanentError(
                f"Bucket name {name} is taken by another AWS account.",
                code=code,
                fix="Delete this project and create it again: a new project gets a new random namespace.",
            ) from None
        if code != "BucketAlreadyOwnedByYou":
            raise
        existing = _bucket_tags(s3, name)
        # NOTE: S3 applies the tags of CreateBucketConfiguration in the create call, but moto 5.2.5
        # ignores them. A bucket with no tags at all is adopted only when an earlier run of this
        # step recorded that it was creating it (its name contains 64 random bits).
        if not carries_project_tag(existing, context.project) and not (recorded_before and not existing):
            raise foreign_resource("Bucket", name, context.project) from None
        context.log(f"Adopted bucket {name}")
        return True

    # In us-east-1, CreateBucket also succeeds for a bucket this account already owns.
    existing = _bucket_tags(s3, name)
    if existing and not carries_project_tag(existing, context.project):
        raise foreign_resource("Bucket", name, context.project)
    return False


def _bucket_tags(s3, name: str) -> dict[str, str]:
    try:
        tag_set = s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except ClientError as error:
        if error_code(error) == "NoSuchTagSet":
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def _configure(s3, name: str, tags: dict) -> None:
    """Apply the bucket's settings; each call is idempotent, so an adopted bucket is set right again."""
    s3.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    # SSE-S3 rather than the AWS-managed KMS key: that key cannot be shared, so it would lock
    # out a workload role of another account if projects ever span accounts.
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "aichor-abort-incomplete-uploads",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": INCOMPLETE_UPLOAD_DAYS},
                }
            ]
        },
    )
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})


def allowed_principals(context) -> list[str]:
    """Return the roles the bucket policy lets in: the portal's role, the storage role, the workload roles."""
    engines = context.project.engine_assignments.filter(state=AssignmentState.ASSIGNED).select_related("engine")
    return [
        context.cloud.account.role_arn,
        storage_role_arn(context),
        *sorted(workload_role_arn(context, assignment.engine) for assignment in engines),
    ]


def bucket_policy(project, partition: str, bucket: str, principals: list[str]) -> dict:
    """Return the policy of one project bucket: TLS only, and only the given roles."""
    resources = [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                # aws:PrincipalArn is the role's ARN for every session of the role.
                "Sid": "DenyEveryOtherPrincipal",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": principals}},
            },
        ],
    }


def put_bucket_policies(context):
    """Put the policy on both buckets, with the roles of the engines assigned now."""
    s3 = context.cloud.client("s3")
    principals = allowed_principals(context)
    for name in context.project.bucket_names().values():
        document = bucket_policy(context.project, context.cloud.partition, name, principals)
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(document))
    return Done(f"Only {len(principals)} roles may use the buckets, over TLS")


def purge_step(purpose: str):
    """Return the step function that empties a bucket (every version and delete marker) and deletes it."""

    def purge_bucket(context):
        key = bucket_key(purpose)
        resource = context.resource(key)
        name = resource.cloud_id if resource else context.project.bucket_names()[purpose]
        s3 = context.cloud.client("s3")
        if not _bucket_exists(s3, name):
            context.set_state(key, ResourceState.DELETED)
            return Done(f"Bucket {name} is already gone")

        # The policy goes first: moto ignores its conditions, so its Deny statements would reject the portal's
        # object calls in the sandbox, and a purge must not depend on how a condition is evaluated.
        context.set_state(key, ResourceState.DELETING)
        s3.delete_bucket_policy(Bucket=name)
        if not _delete_a_batch_of_versions(s3, name):
            return Wait(f"more object versions of bucket {name} to be deleted", 0)
        _abort_multipart_uploads(s3, name)
        s3.delete_bucket(Bucket=name)
        context.set_state(key, ResourceState.DELETED)
        return Done(f"Emptied and deleted bucket {name}")

    purge_bucket.__name__ = f"purge_{purpose}_bucket"
    return purge_bucket


def _bucket_exists(s3, name: str) -> bool:
    try:
        s3.get_bucket_location(Bucket=name)
    except ClientError as error:
        if error_code(error) == "NoSuchBucket":
            return False
        raise
    return True


def _delete_a_batch_of_versions(s3, name: str) -> bool:
    """Delete up to PURGE_PAGES_PER_RUN pages of versions and delete markers; return True when none remain."""
    for _ in range(PURGE_PAGES_PER_RUN):
        page = s3.list_object_versions(Bucket=name, MaxKeys=DELETE_BATCH)
        keys = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if not keys:
            return True
        response = s3.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        if response.get("Errors"):
            first = response["Errors"][0]
            raise PermanentError(
                f"Deleting objects of bucket {name} failed for {len(response['Errors'])} keys, first "
                f"{first.get('Key')}: {first.get('Code')} {first.get('Message', '')}",
                code=first.get("Code", "DeleteObjectsFailed"),
                fix="Remove object locks or legal holds on those objects, then retry.",
            )
    return False


def _abort_multipart_uploads(s3, name: str) -> None:
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
