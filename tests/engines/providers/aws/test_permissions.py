"""Tests for the AWS permissions catalogue, checked against policy_sentry's IAM database."""

import json
import re

import pytest
from policy_sentry.shared.iam_data import get_service_prefix_data

from engines.providers.aws.permissions import (
    ALLOW,
    BOUNDARY_POLICY_ARN,
    DENY,
    MAX_POLICY_CHARACTERS,
    UnknownCatalogueError,
    boundary_policy_document,
    catalogue,
    compact_length,
    supported,
)

# The action list of the policy first published to administrators for importing an EKS
# engine, with its missing commas repaired. The catalogue must keep every one of these
# actions unless it lists the action as dropped, with a reason.
PUBLISHED_IMPORT_ACTIONS = (
    "iam:CreateRole", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:AttachRolePolicy",
    "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:GetRole",
    "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
    "iam:ListInstanceProfilesForRole", "iam:ListPolicyVersions", "iam:GetRolePolicy", "iam:TagRole",
    "iam:ListRoleTags", "iam:UntagRole", "iam:TagPolicy", "iam:UntagPolicy", "iam:DeleteRole",
    "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DetachRolePolicy", "iam:DeleteRolePolicy",
    "s3:DeleteAccessPoint", "s3:DeleteAccessPointForObjectLambda", "s3:GetStorageLensGroup",
    "s3:PutLifecycleConfiguration", "s3:PutObjectTagging", "s3:DeleteObject",
    "s3:PutAccessPointPolicyForObjectLambda", "s3:GetBucketWebsite",
    "s3:DeleteStorageLensConfigurationTagging", "s3:GetObjectAttributes",
    "s3:DeleteObjectVersionTagging", "s3:InitiateReplication", "s3:GetObjectLegalHold",
    "s3:GetBucketNotification", "s3:DeleteBucketPolicy", "s3:GetReplicationConfiguration",
    "s3:DescribeMultiRegionAccessPointOperation", "s3:PutObject", "s3:PutBucketNotification",
    "s3:PutObjectVersionAcl", "s3:PutBucketObjectLockConfiguration", "s3:PutAccessPointPolicy",
    "s3:GetStorageLensDashboard", "s3:GetLifecycleConfiguration", "s3:UntagResource",
    "s3:GetBucketTagging", "s3:GetInventoryConfiguration", "s3:GetAccessPointPolicyForObjectLambda",
    "s3:ReplicateTags", "s3:ListBucket", "s3:AbortMultipartUpload", "s3:PutBucketTagging",
    "s3:DeleteBucket", "s3:PutBucketVersioning", "s3:ListBucketMultipartUploads",
    "s3:PutIntelligentTieringConfiguration", "s3:PutMetricsConfiguration",
    "s3:PutStorageLensConfigurationTagging", "s3:PutObjectVersionTagging", "s3:GetBucketVersioning",
    "s3:GetAccessPointConfigurationForObjectLambda", "s3:PutInventoryConfiguration",
    "s3:ObjectOwnerOverrideToBucketOwner", "s3:GetStorageLensConfiguration",
    "s3:DeleteStorageLensConfiguration", "s3:PutBucketWebsite", "s3:PutBucketRequestPayment",
    "s3:PutObjectRetention", "s3:CreateAccessPointForObjectLambda", "s3:GetBucketCORS",
    "s3:DeleteAccessPointPolicy", "s3:GetObjectVersion", "s3:PutAnalyticsConfiguration",
    "s3:PutAccessPointConfigurationForObjectLambda", "s3:GetObjectVersionTagging",
    "s3:CreateBucket", "s3:GetStorageLensConfigurationTagging", "s3:ReplicateObject",
    "s3:GetObjectAcl", "s3:GetBucketObjectLockConfiguration", "s3:DeleteBucketWebsite",
    "s3:GetIntelligentTieringConfiguration", "s3:DeleteAccessPointPolicyForObjectLambda",
    "s3:GetObjectVersionAcl", "s3:PutBucketAcl", "s3:DeleteObjectTagging",
    "s3:GetBucketPolicyStatus", "s3:GetObjectRetention", "s3:TagResource", "s3:PutObjectLegalHold",
    "s3:PutBucketCORS", "s3:ListMultipartUploadParts", "s3:GetObject", "s3:PutBucketLogging",
    "s3:GetAnalyticsConfiguration", "s3:GetObjectVersionForReplication",
    "s3:GetAccessPointForObjectLambda", "s3:CreateAccessPoint", "s3:PutAccelerateConfiguration",
    "s3:DeleteObjectVersion", "s3:GetBucketLogging", "s3:ListBucketVersions", "s3:RestoreObject",
    "s3:GetAccelerateConfiguration", "s3:GetObjectVersionAttributes", "s3:GetBucketPolicy",
    "s3:ListTagsForResource", "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration",
    "s3:GetObjectVersionTorrent", "s3:GetBucketRequestPayment", "s3:GetAccessPointPolicyStatus",
    "s3:DeleteStorageLensGroup", "s3:GetObjectTagging", "s3:GetBucketOwnershipControls",
    "s3:GetMetricsConfiguration", "s3:PutObjectAcl", "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock", "s3:GetAccessPointPolicyStatusForObjectLambda",
    "s3:UpdateStorageLensGroup", "s3:PutBucketOwnershipControls", "s3:GetBucketAcl",
    "s3:BypassGovernanceRetention", "s3:GetObjectTorrent", "s3:PutBucketPolicy",
    "s3:GetBucketLocation", "s3:GetAccessPointPolicy", "s3:ReplicateDelete",
    "s3:ListStorageLensConfigurations", "s3:ListAccessPointsForObjectLambda", "s3:GetAccessPoint",
    "s3:PutAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock", "s3:ListAllMyBuckets",
    "s3:ListAccessPoints", "s3:PutAccessPointPublicAccessBlock", "s3:CreateStorageLensGroup",
    "s3:PutStorageLensConfiguration", "s3:ListMultiRegionAccessPoints", "s3:ListStorageLensGroups",
    "ecr:CreateRepository", "ecr:ListTagsForResource", "ecr:TagResource", "ecr:UntagResource",
    "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy", "ecr:PutImageTagMutability",
    "ecr:GetRepositoryPolicy", "ecr:GetLifecyclePolicy", "ecr:DescribeRepositories",
    "ecr:DeleteRepositoryPolicy", "ecr:DeleteRepository", "ecr:DeleteLifecyclePolicy",
    "eks:DescribeCluster", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource",
    "ssm:DescribeParameters", "kms:Decrypt",
)

PREFLIGHT_ACTIONS = (
    "iam:SimulatePrincipalPolicy", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
    "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "ec2:DescribeRegions",
    "servicequotas:GetServiceQuota", "servicequotas:ListServiceQuotas", "ec2:DescribeVpcs",
    "ec2:DescribeInstances",
)

# Actions that the EKS creation and deletion plans call.
EKS_CREATE_ACTIONS = (
    "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeVpcs", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet",
    "ec2:DeleteSubnet", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute", "ec2:DescribeAvailabilityZones",
    "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways", "ec2:CreateRouteTable",
    "ec2:DeleteRouteTable", "ec2:DescribeRouteTables", "ec2:CreateRoute", "ec2:DeleteRoute",
    "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:CreateTags", "ec2:DeleteTags",
    "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeInstances",
    "ec2:TerminateInstances", "ec2:DescribeVolumes", "ec2:DeleteVolume", "ec2:DescribeLaunchTemplates",
    "ec2:DeleteLaunchTemplate", "ec2:DescribeInstanceTypes",
    "iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
    "iam:GetInstanceProfile", "iam:TagInstanceProfile", "iam:ListInstanceProfilesForRole", "iam:PassRole",
    "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:GetOpenIDConnectProvider",
    "iam:ListOpenIDConnectProviders", "iam:TagOpenIDConnectProvider", "iam:CreateServiceLinkedRole",
    "iam:ListRoles",
    "eks:CreateCluster", "eks:DescribeCluster", "eks:DeleteCluster", "eks:ListClusters", "eks:TagResource",
    "eks:UntagResource", "eks:CreateNodegroup", "eks:DescribeNodegroup", "eks:DeleteNodegroup",
    "eks:ListNodegroups", "eks:CreateAccessEntry", "eks:DeleteAccessEntry", "eks:DescribeAccessEntry",
    "eks:AssociateAccessPolicy", "eks:ListAccessEntries",
    "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl",
    "sqs:ListQueues", "sqs:TagQueue", "sqs:ListQueueTags",
    "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets",
    "events:ListTargetsByRule", "events:ListRules", "events:TagResource", "events:ListTagsForResource",
    "elasticfilesystem:CreateFileSystem", "elasticfilesystem:DeleteFileSystem",
    "elasticfilesystem:DescribeFileSystems", "elasticfilesystem:CreateMountTarget",
    "elasticfilesystem:DeleteMountTarget", "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:TagResource", "elasticfilesystem:ListTagsForResource",
    "elasticfilesystem:DescribeMountTargetSecurityGroups",
    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DeleteLoadBalancer", "tag:GetResources",
)

# Global condition keys that apply to every action, so policy_sentry does not list them per action.
GLOBAL_CONDITION_PREFIXES = ("aws:PrincipalArn", "aws:RequestedRegion", "aws:SourceIp", "aws:CalledVia")

# Groups whose writes could name resources but use "*". Storage Lens ARNs carry a region,
# which moto 5.2.5 rejects for S3 in any policy, and the sandbox deploys these policies there.
UNSCOPED_WRITE_GROUPS = {"storage_lens"}

ALL_CATALOGUES = [catalogue(kind, mode) for kind, mode in supported()]


def catalogue_id(permissions):
    return f"{permissions.kind}-{permissions.mode}"


RENDERINGS = [
    ("aws", "*"),
    ("aws", "000123456789"),
    ("aws-cn", "123456789012"),
    ("aws-us-gov", "123456789012"),
    ("${AWS::Partition}", "${AWS::AccountId}"),
]


def action_data(action):
    """Return policy_sentry's record of an action, or None when the database lacks it."""
    service, name = action.split(":")
    return get_service_prefix_data(service).get("privileges", {}).get(name)


def all_groups():
    seen = {}
    for permissions in ALL_CATALOGUES:
        for group in permissions.groups:
            seen[id(group)] = group
    return list(seen.values())


def arn_template_pattern(template):
    """Compile policy_sentry's ARN template (arn:${Partition}:s3:::${BucketName}) into a regex."""
    parts = re.split(r"(\$\{[A-Za-z]+\})", template)
    body = []
    for part in parts:
        if part == "${Partition}":
            body.append("aws")
        elif part.startswith("${"):
            body.append(".*")
        else:
            body.append(re.escape(part))
    return re.compile("".join(body))


def example_arn(resource):
    """Return an ARN that a catalogue resource pattern matches, with each wildcard filled in."""
    return resource.replace("${Partition}", "aws").replace("${AccountId}", "123456789012").replace("*", "x")


def condition_key_supported(action, key):
    """Return True when policy_sentry lists `key` as a condition key of `action`."""
    if key.startswith(GLOBAL_CONDITION_PREFIXES):
        return True
    data = action_data(action)
    service = action.split(":")[0]
    resources = get_service_prefix_data(service)["resources"]
    keys = []
    for resource_type, details in data["resource_types"].items():
        keys.extend(details["condition_keys"])
        if resource_type:
            keys.extend(resources[resource_type]["condition_keys"])
    for listed in keys:
        pattern = re.escape(listed).replace(re.escape("${TagKey}"), ".+")
        if re.fullmatch(pattern, key):
            return True
    return False


def test_supported_kinds_and_modes():
    assert ("eks", "import") in supported()
    assert ("eks", "create") in supported()


def test_unknown_kind_rejected():
    with pytest.raises(UnknownCatalogueError) as caught:
        catalogue("gke", "create")

    assert "'gke'" in str(caught.value)
    assert "eks/create" in str(caught.value)


def test_unknown_mode_rejected():
    with pytest.raises(ValueError):
        catalogue("eks", "adopt")


@pytest.mark.parametrize("permissions", ALL_CATALOGUES, ids=catalogue_id)
def test_every_action_exists_in_policy_sentry(permissions):
    unknown = [action for action in permissions.actions() + permissions.denied_actions() if action_data(action) is None]

    assert unknown == []


def test_dropped_actions_exist_in_policy_sentry():
    for permissions in ALL_CATALOGUES:
        for dropped in permissions.dropped:
            assert action_data(dropped.action) is not None, dropped.action


def test_published_actions_exist_in_policy_sentry():
    unknown = [action for action in PUBLISHED_IMPORT_ACTIONS if action_data(action) is None]

    assert unknown == []


def test_actions_written_out():
    for group in all_groups():
        for action in group.actions:
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action), (group.key, action)


def test_eks_import_keeps_published_actions():
    eks_import = catalogue("eks", "import")
    dropped = {item.action for item in eks_import.dropped}

    missing = [action for action in PUBLISHED_IMPORT_ACTIONS if action not in eks_import.actions()]

    assert sorted(missing) == sorted(dropped)


def test_dropped_actions_have_reasons():
    for permissions in ALL_CATALOGUES:
        for dropped in permissions.dropped:
            assert len(dropped.reason) > 40
            assert dropped.action not in permissions.actions()


def test_eks_import_includes_preflight():
    missing = [action for action in PREFLIGHT_ACTIONS if action not in catalogue("eks", "import").actions()]

    assert missing == []


def test_eks_create_includes_plan_actions():
    missing = [action for action in EKS_CREATE_ACTIONS if action not in catalogue("eks", "create").actions()]

    assert missing == []


def test_eks_create_includes_import():
    create_actions = set(catalogue("eks", "create").actions())

    assert set(catalogue("eks", "import").actions()) <= create_actions


def test_get_caller_identity_not_listed():
    for permissions in ALL_CATALOGUES:
        assert "sts:GetCallerIdentity" not in permissions.actions()


def test_additions_to_published_list_explained():
    """Each import action beyond the published list has a note, or its group exists for it alone."""
    eks_import = catalogue("eks", "import")
    published = set(PUBLISHED_IMPORT_ACTIONS)
    for group in eks_import.groups:
        if group.effect != ALLOW:
            continue
        added = [action for action in group.actions if action not in published]
        if not added or not set(group.actions) & published:
            continue
        unexplained = [action for action in added if action not in group.notes]
        assert unexplained == [], group.key


def test_groups_described():
    keys = [group.key for group in all_groups()]

    assert len(keys) == len(set(keys))
    for group in all_groups():
        assert group.title, group.key
        assert group.reason.endswith("."), group.key
        assert group.scope.reason.endswith("."), group.key
        assert group.scope.resources, group.key
        assert group.effect in (ALLOW, DENY)
        assert set(group.notes) <= set(group.actions), group.key
        assert len(group.actions) == len(set(group.actions)), group.key


@pytest.mark.parametrize("permissions", ALL_CATALOGUES, ids=catalogue_id)
def test_repeated_action_has_one_scope(permissions):
    scopes = {}
    for group in permissions.groups:
        if group.effect != ALLOW:
            continue
        for action in group.actions:
            scopes.setdefault(action, set()).add(group.scope.key())

    assert {action: len(keys) for action, keys in scopes.items() if len(keys) > 1} == {}


def test_scoped_resources_match_action_resource_types():
    """A scoped statement must name a resource type of each action, or it grants nothing."""
    for group in all_groups():
        if group.scope.resources == ("*",):
            continue
        for action in group.actions:
            service = action.split(":")[0]
            resource_types = [name for name in action_data(action)["resource_types"] if name]
            assert resource_types, f"{action} accepts no resource ARN but group {group.key} is scoped"
            templates = [get_service_prefix_data(service)["resources"][name]["arn"] for name in resource_types]
            patterns = [arn_template_pattern(template) for template in templates]
            examples = [example_arn(resource) for resource in group.scope.resources]
            assert any(pattern.fullmatch(example) for pattern in patterns for example in examples), (
                group.key,
                action,
                templates,
            )


def test_condition_keys_apply_to_actions():
    for group in all_groups():
        for values in group.scope.condition.values():
            for key in values:
                for action in group.actions:
                    assert condition_key_supported(action, key), (group.key, action, key)


def test_write_actions_scoped_to_portal_names():
    """IAM, S3 and ECR writes apply only to the portal's paths and name prefixes."""
    eks_create = catalogue("eks", "create")
    for group in eks_create.groups:
        if group.effect != ALLOW:
            continue
        for action in group.actions:
            service = action.split(":")[0]
            level = action_data(action)["access_level"]
            if service not in ("iam", "s3", "ecr") or level in ("Read", "List"):
                continue
            if group.key in UNSCOPED_WRITE_GROUPS:
                continue
            if group.scope.resources == ("*",):
                resource_types = [name for name in action_data(action)["resource_types"] if name]
                assert resource_types == [], f"{action} could be scoped but group {group.key} uses *"
                continue
            for resource in group.scope.resources:
                assert re.search(r"(/aichor/|:aichor-|/aichor-|aws-service-role/|oidc-provider/oidc\.eks\.)",
                                 resource), (action, resource)


def test_role_creation_requires_boundary():
    for permissions in ALL_CATALOGUES:
        (group,) = permissions.groups_of("iam:CreateRole")
        assert group.scope.condition == {"ArnLike": {"iam:PermissionsBoundary": BOUNDARY_POLICY_ARN}}
        assert "iam:PutRolePermissionsBoundary" in group.actions


def test_boundary_policy_protected():
    for permissions in ALL_CATALOGUES:
        denies = [group for group in permissions.groups if group.effect == DENY]
        protected = {action for group in denies if BOUNDARY_POLICY_ARN in group.scope.resources
                     for action in group.actions}
        assert {"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy",
                "iam:SetDefaultPolicyVersion"} <= protected


def test_pass_role_limited_to_eks_and_ec2():
    (group,) = catalogue("eks", "create").groups_of("iam:PassRole")
    services = set(group.scope.condition["StringEquals"]["iam:PassedToService"])

    assert {"eks.amazonaws.com", "ec2.amazonaws.com"} <= services
    assert all(service.startswith(("eks.", "ec2.")) for service in services)


def test_service_linked_roles_limited_to_eks_and_efs():
    (group,) = catalogue("eks", "create").groups_of("iam:CreateServiceLinkedRole")
    names = set(group.scope.condition["StringEquals"]["iam:AWSServiceName"])

    assert names == {"eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "elasticfilesystem.amazonaws.com"}


def test_load_balancer_deletion_needs_engine_tag():
    (group,) = catalogue("eks", "create").groups_of("elasticloadbalancing:DeleteLoadBalancer")

    assert group.scope.condition == {"Null": {"aws:ResourceTag/aichor:engine": "false"}}


def test_missing_reports_uncovered_actions():
    eks_import = catalogue("eks", "import")

    assert eks_import.missing(["*"]) == []
    assert eks_import.missing([]) == eks_import.actions()
    missing = eks_import.missing(["S3:*", "iam:*", "ECR:*", "ssm:get*", "ssm:ListTagsForResource"])
    assert "s3:GetObject" not in missing
    assert "ssm:DescribeParameters" in missing
    assert "kms:Decrypt" in missing


def test_actions_sorted_unique():
    eks_create = catalogue("eks", "create")
    actions = eks_create.actions()

    assert actions == sorted(set(actions))


@pytest.mark.parametrize("permissions", ALL_CATALOGUES, ids=catalogue_id)
@pytest.mark.parametrize(("partition", "account_id"), RENDERINGS)
def test_policy_documents_fit_iam_limit(permissions, partition, account_id):
    documents = permissions.policy_documents(partition, account_id)

    for document in documents:
        assert compact_length(document) < MAX_POLICY_CHARACTERS
        assert json.loads(json.dumps(document)) == document
        assert "${Partition}" not in json.dumps(document)
        assert "${AccountId}" not in json.dumps(document)


@pytest.mark.parametrize("permissions", ALL_CATALOGUES, ids=catalogue_id)
def test_policy_documents_grant_exactly_catalogue(permissions):
    allowed = set()
    denied = set()
    for document in permissions.policy_documents("aws", "123456789012"):
        assert document["Version"] == "2012-10-17"
        sids = [statement["Sid"] for statement in document["Statement"]]
        assert len(sids) == len(set(sids))
        for statement in document["Statement"]:
            assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"])
            for action in statement["Action"]:
                assert "*" not in action
                assert "?" not in action
            target = allowed if statement["Effect"] == "Allow" else denied
            target.update(statement["Action"])

    assert sorted(allowed) == permissions.actions()
    assert sorted(denied) == permissions.denied_actions()


def test_policy_documents_fill_account():
    documents = catalogue("eks", "create").policy_documents("aws-cn", "000123456789")
    text = json.dumps(documents)

    assert "arn:aws-cn:iam::000123456789:role/aichor/*" in text
    assert "arn:aws-cn:s3:::aichor-*" in text
    assert "arn:aws:" not in text


def test_long_group_split_into_statements():
    from engines.providers.aws.permissions import PermissionGroup, Scope
    from engines.providers.aws.permissions.documents import policy_documents
    from engines.providers.aws.permissions.model import Catalogue

    actions = tuple(f"ec2:Describe{'X' * 40}{number}" for number in range(400))
    group = PermissionGroup("huge", "Huge", "Many actions.", actions, Scope(("*",), "Test."))
    documents = policy_documents(Catalogue("test", "test", (group,)))

    assert len(documents) > 2
    statements = [statement for document in documents for statement in document["Statement"]]
    assert [statement["Sid"] for statement in statements][:2] == ["Huge1", "Huge2"]
    assert sum(len(statement["Action"]) for statement in statements) == 400
    for document in documents:
        assert compact_length(document) < MAX_POLICY_CHARACTERS


@pytest.mark.parametrize("permissions", ALL_CATALOGUES, ids=catalogue_id)
def test_simulation_context_covers_conditions(permissions):
    context = permissions.simulation_context("aws", "123456789012")
    names = {entry["ContextKeyName"] for entry in context}

    for group in permissions.groups:
        for values in group.scope.condition.values():
            assert set(values) <= names, group.key
    boundary = next(entry for entry in context if entry["ContextKeyName"] == "iam:PermissionsBoundary")
    assert boundary["ContextKeyValues"] == ["arn:aws:iam::123456789012:policy/aichor/AIchorPermissionsBoundary"]
    assert boundary["ContextKeyType"] == "arn"


def test_boundary_document_valid():
    document = boundary_policy_document("aws", "123456789012")
    text = json.dumps(document)

    assert compact_length(document) < MAX_POLICY_CHARACTERS
    assert "${" not in text
    assert "arn:aws:s3:::aichor-*" in text
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"


def test_boundary_actions_exist():
    """Each boundary action, wildcards included, names at least one real action."""
    for statement in boundary_policy_document()["Statement"]:
        for pattern in statement["Action"]:
            service, name = pattern.split(":")
            privileges = get_service_prefix_data(service).get("privileges", {})
            regex = re.compile(re.escape(name).replace(r"\*", ".*"))
            assert any(regex.fullmatch(action) for action in privileges), pattern


def test_boundary_grants_no_iam_writes():
    """A role under the boundary cannot create roles, users or policies, or lift its boundary."""
    for statement in boundary_policy_document()["Statement"]:
        for pattern in statement["Action"]:
            service, name = pattern.split(":")
            if service == "iam":
                assert name in ("GetInstanceProfile", "ListInstanceProfiles", "PassRole", "CreateServiceLinkedRole")
        if "iam:PassRole" in statement["Action"] or "iam:CreateServiceLinkedRole" in statement["Action"]:
            assert statement["Condition"]
