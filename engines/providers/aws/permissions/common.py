"""Permission groups that every AWS engine kind needs, in both modes.

They cover pre-flight, the IAM roles the portal creates for AIchor, and each project's
storage buckets, container registry and parameters.
"""

from __future__ import annotations

from types import MappingProxyType

from .boundary import BOUNDARY_POLICY_ARN
from .model import ACCOUNT_ID, DENY, PARTITION, ContextValue, DroppedAction, PermissionGroup, Scope

# sts:GetCallerIdentity is missing on purpose: it needs no permission, because AWS
# serves it to every principal and not even an explicit Deny blocks it.

ANY_RESOURCE = ("*",)

PORTAL_ROLES = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/aichor/*"
PORTAL_POLICIES = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy/aichor/*"
PORTAL_INSTANCE_PROFILES = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:instance-profile/aichor/*"
PORTAL_BUCKETS = (f"arn:{PARTITION}:s3:::aichor-*", f"arn:{PARTITION}:s3:::aichor-*/*")
PORTAL_ACCESS_POINTS = (
    f"arn:{PARTITION}:s3:*:{ACCOUNT_ID}:accesspoint/aichor-*",
    f"arn:{PARTITION}:s3:*:{ACCOUNT_ID}:accesspoint/aichor-*/object/*",
)
PORTAL_REPOSITORIES = f"arn:{PARTITION}:ecr:*:{ACCOUNT_ID}:repository/aichor-*"

PREFLIGHT = PermissionGroup(
    key="preflight",
    title="Pre-flight checks",
    reason="Pre-flight reads the role's own policies, the region, the quotas and the capacity in use "
    "before anything is created or imported.",
    actions=(
        "iam:SimulatePrincipalPolicy",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "ec2:DescribeRegions",
        "ec2:DescribeVpcs",
        "ec2:DescribeInstances",
        "servicequotas:GetServiceQuota",
        "servicequotas:GetAWSDefaultServiceQuota",
        "servicequotas:ListServiceQuotas",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "The customer role and its policies, AWS managed policies included, may have any path. "
        "EC2 Describe actions accept no resource ARN, and quotas are read for several services.",
    ),
    notes=MappingProxyType({
        "iam:SimulatePrincipalPolicy": "Checks that the role holds every action of this catalogue.",
        "iam:GetRole": "Reads the customer role, and checks that a role the portal created exists.",
        "iam:ListAttachedRolePolicies": "Lists the role's managed policies when simulation is unavailable.",
        "iam:ListRolePolicies": "Lists the role's inline policies when simulation is unavailable.",
        "iam:GetRolePolicy": "Reads an inline policy of the role.",
        "iam:GetPolicy": "Finds the default version of a managed policy, and checks that the boundary exists.",
        "iam:GetPolicyVersion": "Reads the document of a managed policy.",
        "ec2:DescribeRegions": "Checks that the region exists and is enabled (opt-in status) for the account.",
        "ec2:DescribeVpcs": "Counts the VPCs against the per-region VPC quota.",
        "ec2:DescribeInstances": "Adds up the vCPUs of running instances against the vCPU quotas.",
        "servicequotas:GetServiceQuota": "Reads the account's applied quota values (vCPUs, VPCs, EIPs).",
        "servicequotas:GetAWSDefaultServiceQuota": "Reads a quota's default when no value was applied.",
        "servicequotas:ListServiceQuotas": "Finds the quota codes of a service.",
    }),
)

PORTAL_ROLE_CREATION = PermissionGroup(
    key="portal_role_creation",
    title="Create IAM roles with the AIchor boundary",
    reason="The portal creates roles for clusters, nodes, controllers and projects.",
    actions=("iam:CreateRole", "iam:PutRolePermissionsBoundary"),
    scope=Scope(
        (PORTAL_ROLES,),
        "Only roles under the path /aichor/, and only with the AIchor permissions boundary, so a role "
        "the portal creates can never do more than the boundary allows.",
        condition=MappingProxyType({"ArnLike": {"iam:PermissionsBoundary": BOUNDARY_POLICY_ARN}}),
        context=MappingProxyType({"iam:PermissionsBoundary": ContextValue(BOUNDARY_POLICY_ARN, "arn")}),
    ),
    notes=MappingProxyType({
        "iam:PutRolePermissionsBoundary": "Puts the boundary back on a portal role that lost it.",
    }),
)

PORTAL_ROLE_MANAGEMENT = PermissionGroup(
    key="portal_role_management",
    title="Manage the IAM roles and policies the portal created",
    reason="The portal attaches policies to its roles, sets their trust, tags them and deletes them.",
    actions=(
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:ListPolicyVersions",
        "iam:TagPolicy",
        "iam:UntagPolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRoleTags",
        "iam:ListInstanceProfilesForRole",
    ),
    scope=Scope(
        (PORTAL_ROLES, PORTAL_POLICIES),
        "Only roles and policies under the path /aichor/, which is where the portal creates them.",
    ),
    notes=MappingProxyType({
        "iam:ListInstanceProfilesForRole": "A role must leave its instance profiles before it is deleted.",
        "iam:ListPolicyVersions": "A policy keeps at most five versions, so old ones are deleted first.",
    }),
)

BOUNDARY_PROTECTION = PermissionGroup(
    key="boundary_protection",
    title="Keep the permissions boundary as the administrator created it",
    reason="The boundary policy lives under /aichor/, where the portal may otherwise create and change "
    "policies. Changing it would lift the cap on every role the portal creates.",
    actions=(
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    ),
    scope=Scope((BOUNDARY_POLICY_ARN,), "Only the boundary policy itself."),
    effect=DENY,
)

PORTAL_IAM_LISTS = PermissionGroup(
    key="portal_iam_lists",
    title="List IAM roles and policies",
    reason="Teardown finds the roles and policies it created by path, because the tagging API does "
    "not return IAM resources.",
    actions=("iam:ListRoles", "iam:ListPolicies"),
    scope=Scope(ANY_RESOURCE, "List actions of IAM accept no resource ARN."),
)

PROJECT_BUCKETS = PermissionGroup(
    key="project_buckets",
    title="Project storage buckets",
    reason="Each project gets input and output buckets with encryption, strict access, lifecycle "
    "rules and tags. Deleting a project empties and deletes them.",
    actions=(
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:ListBucketMultipartUploads",
        "s3:ListMultipartUploadParts",
        "s3:GetBucketLocation",
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
        "s3:GetBucketCORS",
        "s3:PutBucketCORS",
        "s3:GetBucketLogging",
        "s3:PutBucketLogging",
        "s3:GetBucketNotification",
        "s3:PutBucketNotification",
        "s3:GetBucketObjectLockConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:GetBucketOwnershipControls",
        "s3:PutBucketOwnershipControls",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
        "s3:GetBucketRequestPayment",
        "s3:PutBucketRequestPayment",
        "s3:GetBucketTagging",
        "s3:PutBucketTagging",
        "s3:GetBucketVersioning",
        "s3:PutBucketVersioning",
        "s3:GetBucketWebsite",
        "s3:PutBucketWebsite",
        "s3:DeleteBucketWebsite",
        "s3:GetAccelerateConfiguration",
        "s3:PutAccelerateConfiguration",
        "s3:GetAnalyticsConfiguration",
        "s3:PutAnalyticsConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:GetIntelligentTieringConfiguration",
        "s3:PutIntelligentTieringConfiguration",
        "s3:GetInventoryConfiguration",
        "s3:PutInventoryConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:GetMetricsConfiguration",
        "s3:PutMetricsConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:InitiateReplication",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetObjectAttributes",
        "s3:GetObjectLegalHold",
        "s3:GetObjectRetention",
        "s3:GetObjectTagging",
        "s3:GetObjectTorrent",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionAttributes",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectVersionTorrent",
        "s3:PutObject",
        "s3:PutObjectAcl",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionAcl",
        "s3:PutObjectVersionTagging",
        "s3:DeleteObject",
        "s3:DeleteObjectTagging",
        "s3:DeleteObjectVersion",
        "s3:DeleteObjectVersionTagging",
        "s3:AbortMultipartUpload",
        "s3:RestoreObject",
        "s3:BypassGovernanceRetention",
        "s3:ObjectOwnerOverrideToBucketOwner",
        "s3:CreateAccessPoint",
        "s3:DeleteAccessPoint",
        "s3:GetAccessPointPolicy",
        "s3:PutAccessPointPolicy",
        "s3:DeleteAccessPointPolicy",
        "s3:GetAccessPointPolicyStatus",
        "s3:TagResource",
        "s3:UntagResource",
        "s3:ListTagsForResource",
    ),
    scope=Scope(
        PORTAL_BUCKETS + PORTAL_ACCESS_POINTS,
        "Only buckets, objects and access points whose names start with aichor-, which is how the "
        "portal names them.",
    ),
    notes=MappingProxyType({
        "s3:BypassGovernanceRetention": "Deleting a project removes objects kept under governance-mode retention.",
        "s3:TagResource": "Tags buckets and access points through the S3 Control API.",
    }),
)

PROJECT_OBJECT_LAMBDA = PermissionGroup(
    key="project_object_lambda",
    title="Object Lambda access points of project buckets",
    reason="Object Lambda access points can transform a project's objects as they are read.",
    actions=(
        "s3:CreateAccessPointForObjectLambda",
        "s3:DeleteAccessPointForObjectLambda",
        "s3:GetAccessPointForObjectLambda",
        "s3:GetAccessPointConfigurationForObjectLambda",
        "s3:PutAccessPointConfigurationForObjectLambda",
        "s3:GetAccessPointPolicyForObjectLambda",
        "s3:PutAccessPointPolicyForObjectLambda",
        "s3:DeleteAccessPointPolicyForObjectLambda",
        "s3:GetAccessPointPolicyStatusForObjectLambda",
    ),
    scope=Scope(
        (f"arn:{PARTITION}:s3-object-lambda:*:{ACCOUNT_ID}:accesspoint/aichor-*",),
        "Only Object Lambda access points whose names start with aichor-.",
    ),
)

STORAGE_LENS = PermissionGroup(
    key="storage_lens",
    title="S3 Storage Lens for project buckets",
    reason="Storage Lens configurations and groups report the usage of project buckets.",
    actions=(
        "s3:PutStorageLensConfiguration",
        "s3:GetStorageLensConfiguration",
        "s3:DeleteStorageLensConfiguration",
        "s3:GetStorageLensConfigurationTagging",
        "s3:PutStorageLensConfigurationTagging",
        "s3:DeleteStorageLensConfigurationTagging",
        "s3:GetStorageLensDashboard",
        "s3:CreateStorageLensGroup",
        "s3:GetStorageLensGroup",
        "s3:UpdateStorageLensGroup",
        "s3:DeleteStorageLensGroup",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "Storage Lens settings are account-level usage reports that hold no bucket data, and the "
        "create actions accept no resource ARN.",
    ),
    notes=MappingProxyType({
        "s3:DeleteStorageLensConfiguration": "NOTE: configurations and groups could be limited to "
        "storage-lens/aichor-* and storage-lens-group/aichor-*, but those ARNs carry a region, and "
        "moto 5.2.5, which runs the sandbox, rejects S3 ARNs with a region in any policy.",
    }),
)

S3_ACCOUNT_WRITES = PermissionGroup(
    key="s3_account_writes",
    title="S3 account-level writes",
    reason="Blocking public access on the access points of project buckets.",
    actions=("s3:PutAccessPointPublicAccessBlock",),
    scope=Scope(ANY_RESOURCE, "This action accepts no resource ARN in IAM, so it cannot be scoped."),
)

S3_ACCOUNT_READS = PermissionGroup(
    key="s3_account_reads",
    title="S3 account-level reads",
    reason="Finding existing buckets and access points, and reading the account's public access block.",
    actions=(
        "s3:ListAllMyBuckets",
        "s3:ListAccessPoints",
        "s3:ListAccessPointsForObjectLambda",
        "s3:GetAccessPoint",
        "s3:ListMultiRegionAccessPoints",
        "s3:DescribeMultiRegionAccessPointOperation",
        "s3:ListStorageLensConfigurations",
        "s3:ListStorageLensGroups",
        "s3:GetAccountPublicAccessBlock",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "List and account-level reads accept no resource ARN, and a multi-Region operation's ARN "
        "holds a token that AWS picks.",
    ),
)

PROJECT_REGISTRIES = PermissionGroup(
    key="project_registries",
    title="Project container registries",
    reason="Each project gets one ECR repository with a lifecycle policy, a repository policy and tags.",
    actions=(
        "ecr:CreateRepository",
        "ecr:DeleteRepository",
        "ecr:GetRepositoryPolicy",
        "ecr:SetRepositoryPolicy",
        "ecr:DeleteRepositoryPolicy",
        "ecr:GetLifecyclePolicy",
        "ecr:PutLifecyclePolicy",
        "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageTagMutability",
        "ecr:TagResource",
        "ecr:UntagResource",
        "ecr:ListTagsForResource",
        "ecr:ListImages",
        "ecr:BatchDeleteImage",
    ),
    scope=Scope(
        (PORTAL_REPOSITORIES,),
        "Only repositories whose names start with aichor-, which is how the portal names them.",
    ),
    notes=MappingProxyType({
        "ecr:ListImages": "Purging a deleted project's registry lists its images first.",
        "ecr:BatchDeleteImage": "Purging a deleted project's registry deletes its images before the repository.",
    }),
)

PROJECT_STORAGE_CREDENTIALS = PermissionGroup(
    key="project_storage_credentials",
    title="Issue project storage credentials",
    reason="A project member can ask for temporary credentials to the project's buckets: the portal assumes "
    "the project's storage role from its session in this role, with a session policy limited to those buckets.",
    actions=("sts:AssumeRole",),
    scope=Scope(
        (PORTAL_ROLES,),
        "Only roles under the path /aichor/, and each project's storage role trusts this role only, with "
        "the cloud account's ExternalId.",
    ),
)

REGISTRY_LISTING = PermissionGroup(
    key="registry_listing",
    title="List container registries",
    reason="Finding a project's repository, and repositories that teardown missed.",
    actions=("ecr:DescribeRepositories",),
    scope=Scope(ANY_RESOURCE, "Listing every repository of a region is authorised on all repositories."),
)

PARAMETERS = PermissionGroup(
    key="parameters",
    title="Read SSM parameters",
    reason="AWS publishes the EKS-optimised AMI ids and other defaults as public SSM parameters, "
    "and AIchor settings may be stored under /aichor/.",
    actions=("ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"),
    scope=Scope(
        (
            f"arn:{PARTITION}:ssm:*::parameter/aws/service/*",
            f"arn:{PARTITION}:ssm:*:{ACCOUNT_ID}:parameter/aichor/*",
        ),
        "Only AWS's public parameters and parameters under /aichor/, because other parameters of "
        "the account may hold the customer's secrets.",
    ),
)

PARAMETER_LISTING = PermissionGroup(
    key="parameter_listing",
    title="List SSM parameters",
    reason="Finding the parameters under /aichor/.",
    actions=("ssm:DescribeParameters",),
    scope=Scope(ANY_RESOURCE, "ssm:DescribeParameters accepts no resource ARN."),
)

DECRYPTION = PermissionGroup(
    key="decryption",
    title="Decrypt through SSM and S3",
    reason="Reading SecureString parameters and objects encrypted with a customer-managed KMS key.",
    actions=("kms:Decrypt",),
    scope=Scope(
        ANY_RESOURCE,
        "The customer chooses the keys, so their ARNs are unknown in advance. The condition allows "
        "decryption only as part of an SSM or S3 request, never a direct call.",
        condition=MappingProxyType({"StringLike": {"kms:ViaService": ("ssm.*", "s3.*")}}),
        context=MappingProxyType({"kms:ViaService": ContextValue("ssm.us-east-1.amazonaws.com")}),
    ),
)

COMMON_GROUPS = (
    PREFLIGHT,
    PORTAL_ROLE_CREATION,
    PORTAL_ROLE_MANAGEMENT,
    BOUNDARY_PROTECTION,
    PORTAL_IAM_LISTS,
    PROJECT_BUCKETS,
    PROJECT_OBJECT_LAMBDA,
    STORAGE_LENS,
    S3_ACCOUNT_WRITES,
    S3_ACCOUNT_READS,
    PROJECT_REGISTRIES,
    PROJECT_STORAGE_CREDENTIALS,
    REGISTRY_LISTING,
    PARAMETERS,
    PARAMETER_LISTING,
    DECRYPTION,
)

COMMON_DROPPED = (
    DroppedAction(
        "s3:PutAccountPublicAccessBlock",
        "The portal blocks public access per bucket (s3:PutBucketPublicAccessBlock). The account-wide "
        "setting protects every bucket of the customer, and the portal never needs to change it.",
    ),
)
