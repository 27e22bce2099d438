"""Permission groups that the import checks and the deletion of an imported EKS engine need beyond eks.py's.

Both modes include them: create mode includes every import permission. Their actions
are read-only; a repeated action keeps the scope it has in the other groups.
"""

from __future__ import annotations

from types import MappingProxyType

from .common import ANY_RESOURCE
from .model import ACCOUNT_ID, PARTITION, PermissionGroup, Scope

IMPORT_LISTS = PermissionGroup(
    key="eks_import_lists",
    title="List instance profiles, launch templates and volumes",
    reason="Import finds the instance profile that holds the node role. Deleting an imported engine ends with "
    "the sweep for anything tagged with the engine id, which lists these; the administrator's resources "
    "carry no such tag, so the sweep leaves them.",
    actions=("iam:ListInstanceProfiles", "ec2:DescribeLaunchTemplates", "ec2:DescribeVolumes"),
    scope=Scope(ANY_RESOURCE, "List and Describe actions of IAM and EC2 accept no resource ARN."),
    notes=MappingProxyType({
        "iam:ListInstanceProfiles": "Finds the instance profile of the node role (an import check), and the "
        "sweep's instance profiles under /aichor/.",
    }),
)

IMPORT_OIDC_TAG_READS = PermissionGroup(
    key="eks_import_oidc_tag_reads",
    title="Read the tags of OIDC providers",
    reason="The sweep that ends the deletion of an imported engine reads each OIDC provider's tags, to leave "
    "the administrator's provider, which has no engine tag.",
    actions=("iam:ListOpenIDConnectProviderTags",),
    scope=Scope(
        (f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.*",),
        "Only providers of EKS issuers, the scope this action has in create mode.",
    ),
)

GROUPS = (IMPORT_LISTS, IMPORT_OIDC_TAG_READS)
