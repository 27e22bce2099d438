"""Comparing the role's own policies with the published catalogue, action by action."""

import pytest

from engines.choices import CheckResult
from engines.providers.aws.permissions import catalogue
from engines.providers.aws.policy_eval import Policy, evaluate
from engines.providers.aws.preflight.coverage import assess, covers, expectations

ACCOUNT_ID = "123456789012"


def verdicts(documents, kind="eks", mode="create") -> dict[str, tuple[str, str]]:
    published = catalogue(kind, mode)
    expected = expectations(published, "aws", ACCOUNT_ID)
    policies = [Policy(f"policy {number}", document) for number, document in enumerate(documents, start=1)]
    found = {}
    for result in evaluate(policies, published.actions()):
        finding = assess(result, expected[result.action.lower()])
        found[finding.action] = (finding.result, finding.explanation)
    return found


@pytest.mark.parametrize("account_id", [ACCOUNT_ID, "*"])
@pytest.mark.parametrize("mode", ["create", "import"])
def test_published_policy_passes(mode, account_id):
    documents = catalogue("eks", mode).policy_documents("aws", account_id)

    results = verdicts(documents, mode=mode)

    assert {action: result for action, result in results.items() if result[0] != CheckResult.PASS} == {}


def test_allow_all_passes():
    results = verdicts([{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}])

    assert {result for result, _ in results.values()} == {CheckResult.PASS}


def test_missing_action_fails():
    results = verdicts([{"Statement": [{"Effect": "Allow", "NotAction": "eks:CreateCluster", "Resource": "*"}]}])

    assert results["eks:CreateCluster"] == (CheckResult.FAIL, "")
    assert results["eks:DeleteCluster"][0] == CheckResult.PASS


def test_explicit_deny_fails():
    document = {"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoQueues", "Effect": "Deny", "Action": "sqs:Create*", "Resource": "*"},
    ]}

    results = verdicts([document])

    assert results["sqs:CreateQueue"][0] == CheckResult.FAIL
    assert "Explicitly denied by statement 'NoQueues'" in results["sqs:CreateQueue"][1]


def test_other_condition_warns():
    document = {"Statement": [{
        "Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }]}

    results = verdicts([document])

    assert results["ec2:CreateVpc"][0] == CheckResult.WARN
    assert "aws:MultiFactorAuthPresent" in results["ec2:CreateVpc"][1]


def test_narrower_scope_warns():
    document = {"Statement": [
        {"Effect": "Allow", "NotAction": "iam:CreateRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/aichor/eks-*"},
    ]}

    results = verdicts([document])

    assert results["iam:CreateRole"][0] == CheckResult.WARN
    assert f"arn:aws:iam::{ACCOUNT_ID}:role/aichor/*" in results["iam:CreateRole"][1]


def test_wider_scope_passes():
    document = {"Statement": [
        {"Effect": "Allow", "NotAction": "iam:CreateRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "arn:aws:iam::*:role/*"},
    ]}

    results = verdicts([document])

    assert results["iam:CreateRole"][0] == CheckResult.PASS


def test_extra_scoped_deny_warns():
    document = {"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/aichor/keep"},
    ]}

    results = verdicts([document])

    assert results["iam:DeleteRole"][0] == CheckResult.WARN


def test_covers_patterns():
    assert covers("*", "arn:aws:s3:::aichor-*")
    assert covers("arn:aws:s3:::aichor-*", "arn:aws:s3:::aichor-*/*")
    assert covers("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/aichor/*")
    assert not covers("arn:aws:iam::123456789012:role/aichor/eks-*", "arn:aws:iam::123456789012:role/aichor/*")
    assert not covers("arn:aws:s3:::other-*", "arn:aws:s3:::aichor-*")
