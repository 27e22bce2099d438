"""Tests for evaluating identity policies against actions."""

import json
import urllib.parse

import pytest

from engines.providers.aws.permissions import catalogue
from engines.providers.aws.policy_eval import Decision, Policy, evaluate, load_document


def document(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(policies, action):
    (result,) = evaluate(policies, [action])
    return result


def test_action_as_string():
    result = decide([document(allow("s3:GetObject"))], "s3:GetObject")

    assert result.decision is Decision.ALLOWED
    assert result.resources == ("*",)
    assert result.severity == "pass"


def test_action_as_list():
    result = decide([document(allow(["ec2:DescribeVpcs", "s3:GetObject"]))], "s3:GetObject")

    assert result.decision is Decision.ALLOWED


def test_no_statement_means_not_allowed():
    result = decide([document(allow("s3:GetObject"))], "s3:PutObject")

    assert result.decision is Decision.NOT_ALLOWED
    assert result.statement is None
    assert result.severity == "fail"


def test_no_policies_means_not_allowed():
    assert decide([], "s3:GetObject").decision is Decision.NOT_ALLOWED


@pytest.mark.parametrize(
    ("pattern", "action", "decision"),
    [
        ("s3:Get*", "s3:GetObject", Decision.ALLOWED),
        ("s3:Get*", "s3:PutObject", Decision.NOT_ALLOWED),
        ("s3:*", "s3:PutObject", Decision.ALLOWED),
        ("*", "eks:CreateCluster", Decision.ALLOWED),
        ("s3:*Object", "s3:GetObject", Decision.ALLOWED),
        ("s3:*Object", "s3:GetObjectAcl", Decision.NOT_ALLOWED),
        ("s3:GetObjec?", "s3:GetObject", Decision.ALLOWED),
        ("s3:GetObjec?", "s3:GetObjectAcl", Decision.NOT_ALLOWED),
        ("S3:getobject", "s3:GetObject", Decision.ALLOWED),
        ("s3:GetObject", "S3:GETOBJECT", Decision.ALLOWED),
        ("s3:Get.*", "s3:GetObject", Decision.NOT_ALLOWED),
        ("ec2:*", "s3:GetObject", Decision.NOT_ALLOWED),
    ],
)
def test_action_wildcards(pattern, action, decision):
    assert decide([document(allow(pattern))], action).decision is decision


def test_not_action_allows_everything_else():
    policy = document({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})

    assert decide([policy], "ec2:CreateVpc").decision is Decision.ALLOWED
    assert decide([policy], "iam:CreateRole").decision is Decision.NOT_ALLOWED


def test_not_action_as_string():
    policy = document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})

    assert decide([policy], "IAM:PassRole").decision is Decision.NOT_ALLOWED


def test_explicit_deny_wins():
    policies = [document(allow("*")), document({"Sid": "NoDelete", **deny("s3:DeleteBucket")})]

    result = decide(policies, "s3:DeleteBucket")

    assert result.decision is Decision.DENIED
    assert result.statement.sid == "NoDelete"
    assert result.statement.policy == "policy 2"
    assert "NoDelete" in result.detail


def test_explicit_deny_with_wildcard():
    result = decide([document(allow("s3:DeleteBucket"), deny("s3:Delete*"))], "s3:DeleteBucket")

    assert result.decision is Decision.DENIED


def test_deny_via_not_action():
    policy = document(allow("*"), {"Effect": "Deny", "NotAction": ["ec2:Describe*"], "Resource": "*"})

    assert decide([policy], "ec2:DescribeVpcs").decision is Decision.ALLOWED
    assert decide([policy], "ec2:CreateVpc").decision is Decision.DENIED


def test_deny_without_allow_is_denied():
    assert decide([document(deny("s3:*"))], "s3:GetObject").decision is Decision.DENIED


def test_allow_with_condition_is_conditional():
    condition = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    result = decide([document(allow("ec2:CreateVpc", Condition=condition))], "ec2:CreateVpc")

    assert result.decision is Decision.CONDITIONAL
    assert result.condition == condition
    assert "allowed only under condition" in result.detail.lower()
    assert "eu-west-1" in result.detail
    assert result.severity == "warn"


def test_unconditional_allow_preferred_over_conditional():
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    policy = document(allow("s3:*", Condition=condition), {"Sid": "Plain", **allow("s3:GetObject")})

    result = decide([policy], "s3:GetObject")

    assert result.decision is Decision.ALLOWED
    assert result.statement.sid == "Plain"


def test_deny_with_condition_is_conditional():
    condition = {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
    policy = document(allow("ec2:*"), {"Sid": "RegionLock", **deny("ec2:*", Condition=condition)})

    result = decide([policy], "ec2:CreateVpc")

    assert result.decision is Decision.CONDITIONAL
    assert result.statement.sid == "RegionLock"
    assert "denied under condition" in result.detail


def test_conditional_deny_without_allow_not_allowed():
    condition = {"Bool": {"aws:SecureTransport": "false"}}

    result = decide([document(deny("s3:*", Condition=condition))], "s3:GetObject")

    assert result.decision is Decision.NOT_ALLOWED


def test_unconditional_deny_beats_conditional_allow():
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    policy = document(allow("s3:*", Condition=condition), deny("s3:GetObject"))

    assert decide([policy], "s3:GetObject").decision is Decision.DENIED


def test_scoped_allow_notes_resources():
    result = decide([document(allow("s3:PutObject", ["arn:aws:s3:::aichor-*/*"]))], "s3:PutObject")

    assert result.decision is Decision.ALLOWED
    assert result.scoped
    assert result.resources == ("arn:aws:s3:::aichor-*/*",)
    assert "some resources" in result.detail
    assert result.severity == "pass"


def test_unscoped_allow_preferred_over_scoped():
    policy = document(allow("s3:GetObject", "arn:aws:s3:::a/*"), allow("s3:GetObject", ["arn:aws:s3:::b", "*"]))

    result = decide([policy], "s3:GetObject")

    assert not result.scoped
    assert result.resources == ("*",)


def test_scoped_deny_narrows_allow():
    policy = document(allow("iam:CreatePolicy"), deny("iam:CreatePolicy", "arn:aws:iam::*:policy/aichor/Boundary"))

    result = decide([policy], "iam:CreatePolicy")

    assert result.decision is Decision.ALLOWED
    assert result.scoped
    assert result.excluded == ("arn:aws:iam::*:policy/aichor/Boundary",)
    assert "except" in result.detail


def test_not_resource_allow_is_scoped():
    policy = document({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})

    result = decide([policy], "s3:GetObject")

    assert result.scoped
    assert result.resources == ("all but arn:aws:s3:::secret/*",)


def test_statement_as_single_object():
    policy = {"Version": "2012-10-17", "Statement": allow("eks:DescribeCluster")}

    assert decide([policy], "eks:DescribeCluster").decision is Decision.ALLOWED


def test_named_policies_in_detail():
    policies = [Policy("AIchorPortalRolePolicy1", document({"Sid": "Reads", **allow("eks:Describe*")}))]

    result = decide(policies, "eks:DescribeCluster")

    assert result.statement.policy == "AIchorPortalRolePolicy1"
    assert "'Reads' of policy 'AIchorPortalRolePolicy1'" in result.detail


def test_statement_without_sid_numbered():
    result = decide([Policy("inline", document(allow("ec2:CreateVpc"), allow("ec2:DeleteVpc")))], "ec2:DeleteVpc")

    assert "statement #2 of policy 'inline'" in result.detail


def test_document_as_json_text():
    text = json.dumps(document(allow("sqs:CreateQueue")))

    assert decide([text], "sqs:CreateQueue").decision is Decision.ALLOWED


def test_document_url_encoded():
    text = urllib.parse.quote(json.dumps(document(allow("sqs:CreateQueue"))))

    assert decide([text], "sqs:CreateQueue").decision is Decision.ALLOWED


def test_document_not_object_rejected():
    with pytest.raises(ValueError):
        load_document("[1, 2]")


def test_results_in_request_order():
    results = evaluate([document(allow("s3:*"))], ["s3:GetObject", "ec2:CreateVpc", "s3:PutObject"])

    assert [result.action for result in results] == ["s3:GetObject", "ec2:CreateVpc", "s3:PutObject"]
    assert [result.decision for result in results] == [Decision.ALLOWED, Decision.NOT_ALLOWED, Decision.ALLOWED]


@pytest.mark.parametrize("mode", ["import", "create"])
def test_catalogue_documents_grant_catalogue(mode):
    """The published policy passes its own check: conditional only where the catalogue sets a condition."""
    eks = catalogue("eks", mode)
    results = evaluate(eks.policy_documents("aws", "123456789012"), eks.actions())
    conditioned = {
        action for group in eks.groups if group.effect == "Allow" and group.scope.condition for action in group.actions
    }

    assert [result.action for result in results if result.severity == "fail"] == []
    assert {result.action for result in results if result.decision is Decision.CONDITIONAL} == conditioned
    assert {result.action for result in results if result.scoped} >= {"iam:CreatePolicy", "s3:PutObject"}
