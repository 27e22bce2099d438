"""The requests that IAM policy simulation of the catalogue sends: one per scope, on sample ARNs."""

import boto3
import pytest
from botocore.stub import Stubber

from engines.providers.aws.permissions import ALLOW, catalogue
from engines.providers.aws.preflight.simulation import (
    SimulationUnavailable,
    sample_arn,
    simulate,
    simulation_requests,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/AIchorPortalRole"


def requests_for(mode="create"):
    return simulation_requests(catalogue("eks", mode), ROLE_ARN, "aws", "123456789012", "eu-west-1")


def stubbed_iam():
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    return iam, Stubber(iam)


def test_sample_arn_fills_wildcards():
    assert sample_arn("arn:aws:iam::123456789012:role/aichor/*", "eu-west-1") == \
        "arn:aws:iam::123456789012:role/aichor/preflight"
    assert sample_arn("arn:aws:ecr:*:123456789012:repository/aichor-*", "eu-west-1") == \
        "arn:aws:ecr:eu-west-1:123456789012:repository/aichor-preflight"
    assert sample_arn("arn:aws:s3:::aichor-*/*", "eu-west-1") == "arn:aws:s3:::aichor-preflight/preflight"
    assert sample_arn("*", "eu-west-1") == "*"


@pytest.mark.parametrize("mode", ["create", "import"])
def test_requests_cover_catalogue(mode):
    requested = [action for request in requests_for(mode) for action in request["ActionNames"]]

    assert sorted(set(requested)) == catalogue("eks", mode).actions()


def test_requests_one_per_scope():
    published = catalogue("eks", "create")
    scopes = {group.scope.key() for group in published.groups if group.effect == ALLOW}

    assert len(requests_for()) == len(scopes)


def test_scoped_request_names_resources():
    request = next(request for request in requests_for() if "iam:CreateRole" in request["ActionNames"])

    assert request["PolicySourceArn"] == ROLE_ARN
    assert request["ResourceArns"] == ["arn:aws:iam::123456789012:role/aichor/preflight"]
    assert request["ContextEntries"] == [{
        "ContextKeyName": "iam:PermissionsBoundary",
        "ContextKeyValues": ["arn:aws:iam::123456789012:policy/aichor/AIchorPermissionsBoundary"],
        "ContextKeyType": "arn",
    }]


def test_unscoped_request_omits_resources():
    request = next(request for request in requests_for() if "ec2:DescribeRegions" in request["ActionNames"])

    assert "ResourceArns" not in request
    assert "ContextEntries" not in request


def test_simulate_follows_marker():
    iam, stubber = stubbed_iam()
    request = {"PolicySourceArn": ROLE_ARN, "ActionNames": ["ec2:CreateVpc", "ec2:DeleteVpc"]}
    stubber.add_response("simulate_principal_policy", {
        "EvaluationResults": [{"EvalActionName": "ec2:CreateVpc", "EvalDecision": "allowed"}],
        "IsTruncated": True, "Marker": "next",
    }, request)
    stubber.add_response("simulate_principal_policy", {
        "EvaluationResults": [{"EvalActionName": "ec2:DeleteVpc", "EvalDecision": "explicitDeny"}],
        "IsTruncated": False,
    }, {**request, "Marker": "next"})

    with stubber:
        result = simulate(iam, [request])

    assert result.decisions == {"ec2:createvpc": "allowed", "ec2:deletevpc": "explicitDeny"}


def test_any_denied_resource_denies():
    iam, stubber = stubbed_iam()
    request = {"PolicySourceArn": ROLE_ARN, "ActionNames": ["s3:PutObject"], "ResourceArns": ["a", "b"]}
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [
        {"EvalActionName": "s3:PutObject", "EvalResourceName": "a", "EvalDecision": "allowed"},
        {"EvalActionName": "s3:PutObject", "EvalResourceName": "b", "EvalDecision": "implicitDeny",
         "MissingContextValues": ["aws:ResourceTag/aichor:engine"]},
    ], "IsTruncated": False}, request)

    with stubber:
        result = simulate(iam, [request])

    assert result.decisions == {"s3:putobject": "implicitDeny"}
    assert result.missing_context == {"s3:putobject": ("aws:ResourceTag/aichor:engine",)}


def test_access_denied_is_unavailable():
    iam, stubber = stubbed_iam()
    stubber.add_client_error("simulate_principal_policy", service_error_code="AccessDenied", http_status_code=403)

    with stubber, pytest.raises(SimulationUnavailable) as excinfo:
        simulate(iam, [{"PolicySourceArn": ROLE_ARN, "ActionNames": ["ec2:CreateVpc"]}])

    assert "may not call iam:SimulatePrincipalPolicy" in str(excinfo.value)


def test_server_error_is_unavailable():
    iam, stubber = stubbed_iam()
    stubber.add_client_error("simulate_principal_policy", service_error_code="InternalFailure", http_status_code=500)

    with stubber, pytest.raises(SimulationUnavailable):
        simulate(iam, [{"PolicySourceArn": ROLE_ARN, "ActionNames": ["ec2:CreateVpc"]}])
