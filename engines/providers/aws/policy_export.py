"""Export the permissions catalogue as policy JSON and as a CloudFormation template.

The administrator downloads one of them to create the role that the portal assumes in
the customer's account.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .permissions import (
    BOUNDARY_POLICY_NAME,
    BOUNDARY_POLICY_PATH,
    boundary_policy_document,
    catalogue,
)

# CloudFormation replaces these in Fn::Sub strings with the stack's partition and account.
_CFN_PARTITION = "${AWS::Partition}"
_CFN_ACCOUNT_ID = "${AWS::AccountId}"

# STS accepts an ExternalId of 2 to 1,224 characters among letters, digits and +=,.@:/-.
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)

# The portal may create and change roles under /aichor/, so its own role must live elsewhere,
# or it could widen its own permissions.
_ROLE_PATH_PATTERN = "/|/(?!aichor/)[!-~]*/"


def policy_json(kind: str, mode: str, partition: str = "aws", account_id: str = "*", indent: int | None = 2) -> str:
    """Return the IAM policy documents of a kind and mode as one JSON array."""
    documents = catalogue(kind, mode).policy_documents(partition, account_id)
    return json.dumps(documents, indent=indent)


def boundary_policy_json(partition: str = "aws", account_id: str = "*", indent: int | None = 2) -> str:
    """Return the permissions boundary document, which the administrator creates as
    AIchorPermissionsBoundary under the path /aichor/."""
    return json.dumps(boundary_policy_document(partition, account_id), indent=indent)


def cloudformation_template(
    kind: str,
    mode: str,
    portal_principal_arn: str,
    external_id: str | None = None,
    role_name: str = "AIchorPortalRole",
) -> str:
    """Return a CloudFormation template (JSON) that creates the customer role for the portal.

    The stack creates the permissions boundary, one managed policy per policy document, and
    the role, which trusts only `portal_principal_arn` and only with the ExternalId given as
    the stack parameter (its default when `external_id` is given). Raises ValueError for an
    invalid principal ARN, external id or role name.
    """
    if not portal_principal_arn.startswith("arn:"):
        raise ValueError(
            f"Invalid portal principal {portal_principal_arn!r}: it must be an IAM ARN, "
            "for example arn:aws:iam::123456789012:role/aichor-portal."
        )
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise ValueError(
            f"Invalid external id {external_id!r}: it must have 2 to 1224 characters among "
            "letters, digits and +=,.@:/-."
        )
    if not _ROLE_NAME.fullmatch(role_name):
        raise ValueError(
            f"Invalid role name {role_name!r}: it must have 1 to 64 characters among letters, digits and +=,.@_-."
        )

    documents = catalogue(kind, mode).policy_documents(_CFN_PARTITION, _CFN_ACCOUNT_ID)
    resources: dict[str, Any] = {
        "PermissionsBoundary": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": BOUNDARY_POLICY_NAME,
                "Path": BOUNDARY_POLICY_PATH,
                "Description": "Maximum permissions of every IAM role that the AIchor portal creates.",
                "PolicyDocument": _substituted(boundary_policy_document(_CFN_PARTITION, _CFN_ACCOUNT_ID)),
            },
        }
    }
    for number, document in enumerate(documents, start=1):
        resources[f"PortalPolicy{number}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                # The path stays "/": the portal may change policies under /aichor/.
                "ManagedPolicyName": {"Fn::Sub": f"${{RoleName}}Policy{number}"},
                "Path": "/",
                "Description": f"AIchor portal permissions for {kind} in {mode} mode, "
                f"part {number} of {len(documents)}.",
                "PolicyDocument": _substituted(document),
                # Attached from the policy side: moto 5.2.5 ignores a role's ManagedPolicyArns.
                "Roles": [{"Ref": "PortalRole"}],
            },
        }
    resources["PortalRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": {"Ref": "RoleName"},
            "Path": {"Ref": "RolePath"},
            "Description": "Role that the AIchor portal assumes to manage engines in this account.",
            "AssumeRolePolicyDocument": _trust_policy(portal_principal_arn),
        },
    }

    external_id_parameter: dict[str, Any] = {
        "Type": "String",
        "Description": "The ExternalId that the AIchor portal shows for this cloud account.",
        "MinLength": 2,
        "MaxLength": 1224,
        "AllowedPattern": r"[\w+=,.@:/-]*",
    }
    if external_id is not None:
        external_id_parameter["Default"] = external_id

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"IAM role for the AIchor portal: {kind} engines in {mode} mode.",
        "Parameters": {
            "ExternalId": external_id_parameter,
            "RoleName": {
                "Type": "String",
                "Default": role_name,
                "AllowedPattern": r"[\w+=,.@-]{1,64}",
                "Description": "Name of the role that the portal assumes.",
            },
            "RolePath": {
                "Type": "String",
                "Default": "/",
                "AllowedPattern": _ROLE_PATH_PATTERN,
                "ConstraintDescription": "must start and end with / and must not be under /aichor/, "
                "where the portal may change roles",
                "Description": "IAM path of the role.",
            },
        },
        "Resources": resources,
        "Outputs": {
            "RoleArn": {
                "Description": "Enter this ARN in the AIchor portal.",
                "Value": {"Fn::GetAtt": ["PortalRole", "Arn"]},
            },
            "PermissionsBoundaryArn": {
                "Description": "The boundary of the roles the portal creates.",
                "Value": {"Ref": "PermissionsBoundary"},
            },
        },
    }
    return json.dumps(template, indent=2)


def _trust_policy(portal_principal_arn: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AIchorPortal",
                "Effect": "Allow",
                "Principal": {"AWS": portal_principal_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
            }
        ],
    }


def _substituted(value: Any) -> Any:
    """Wrap every string that contains a ${AWS::...} placeholder in Fn::Sub."""
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${" in value else value
    if isinstance(value, dict):
        return {key: _substituted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substituted(item) for item in value]
    return value
