"""Which IAM actions an AWS API call needs: a reviewed table for the calls whose action has another name.

Most calls need the action `<prefix>:<operation name>`, with the service's IAM prefix.
The exceptions below follow the AWS Service Authorization Reference. Some S3 operations
have actions of other names, and a few calls need no permission. Other calls need further
actions because of what they carry (tags at creation) or do (EFS makes a mount target's
network interface with the caller's permissions).
"""

from __future__ import annotations

# botocore service name -> IAM action prefix, where they differ.
SERVICE_PREFIXES = {
    "efs": "elasticfilesystem",
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "resourcegroupstaggingapi": "tag",
    "s3control": "s3",
    "service-quotas": "servicequotas",
}

# (service, operation) -> the actions it needs instead of `<prefix>:<operation>`.
RENAMED: dict[tuple[str, str], tuple[str, ...]] = {
    ("sts", "GetCallerIdentity"): (),  # AWS serves it to every principal, without a permission check.
    ("s3", "ListBuckets"): ("s3:ListAllMyBuckets",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "CopyObject"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "CreateMultipartUpload"): ("s3:PutObject",),
    ("s3", "UploadPart"): ("s3:PutObject",),
    ("s3", "CompleteMultipartUpload"): ("s3:PutObject",),
    ("s3", "DeleteObjects"): ("s3:DeleteObject",),
    ("s3", "GetBucketEncryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "PutBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "GetBucketLifecycleConfiguration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "PutBucketLifecycleConfiguration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "GetPublicAccessBlock"): ("s3:GetBucketPublicAccessBlock",),
    ("s3", "PutPublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "DeletePublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "DeleteBucketTagging"): ("s3:PutBucketTagging",),
    ("s3", "DeleteBucketOwnershipControls"): ("s3:PutBucketOwnershipControls",),
    ("s3", "DeleteBucketCors"): ("s3:PutBucketCORS",),
    ("s3", "GetBucketCors"): ("s3:GetBucketCORS",),
    ("s3", "PutBucketCors"): ("s3:PutBucketCORS",),
}

# Parameters whose presence in a call needs one more action: tags given at creation.
TAGGING_PARAMETERS: dict[tuple[str, str], tuple[str, str]] = {
    ("iam", "CreateRole"): ("Tags", "iam:TagRole"),
    ("iam", "CreatePolicy"): ("Tags", "iam:TagPolicy"),
    ("iam", "CreateInstanceProfile"): ("Tags", "iam:TagInstanceProfile"),
    ("iam", "CreateOpenIDConnectProvider"): ("Tags", "iam:TagOpenIDConnectProvider"),
    ("eks", "CreateCluster"): ("tags", "eks:TagResource"),
    ("eks", "CreateNodegroup"): ("tags", "eks:TagResource"),
    ("eks", "CreateAccessEntry"): ("tags", "eks:TagResource"),
    ("eks", "CreateAddon"): ("tags", "eks:TagResource"),
    ("sqs", "CreateQueue"): ("tags", "sqs:TagQueue"),
    ("events", "PutRule"): ("Tags", "events:TagResource"),
    ("efs", "CreateFileSystem"): ("Tags", "elasticfilesystem:TagResource"),
    ("elbv2", "CreateLoadBalancer"): ("Tags", "elasticloadbalancing:AddTags"),
    ("ecr", "CreateRepository"): ("tags", "ecr:TagResource"),
}

# Actions a call needs besides its own, whatever its parameters.
ALSO_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    # EFS makes and removes the mount target's network interface with the caller's permissions.
    ("efs", "CreateMountTarget"): ("ec2:CreateNetworkInterface", "ec2:DescribeSubnets",
                                   "ec2:DescribeNetworkInterfaces"),
    ("efs", "DeleteMountTarget"): ("ec2:DeleteNetworkInterface",),
}


def iam_prefix(service: str) -> str:
    return SERVICE_PREFIXES.get(service, service)


def iam_actions(service: str, operation: str, parameters: dict | None = None) -> set[str]:
    """Return the IAM actions that one call needs, given its botocore service name, operation and parameters."""
    parameters = parameters or {}
    key = (service, operation)
    actions = set(RENAMED.get(key, (f"{iam_prefix(service)}:{operation}",)))
    actions.update(ALSO_NEEDS.get(key, ()))
    tagging = TAGGING_PARAMETERS.get(key)
    if tagging and parameters.get(tagging[0]):
        actions.add(tagging[1])
    # Every EC2 call that tags what it creates is also authorised as ec2:CreateTags.
    if service == "ec2" and parameters.get("TagSpecifications"):
        actions.add("ec2:CreateTags")
    return actions
