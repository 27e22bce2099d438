"""Pre-flight of AWS cloud accounts against the sandbox AWS account, with tasks run synchronously.

Every AWS call goes to moto's server in its IAM authorisation mode, except IAM policy
simulation, which moto lacks. The tests that exercise simulation stub it with a botocore Stubber.
"""

import json

import pytest
from botocore.stub import Stubber
from django.urls import reverse

from audit.models import AuditEvent
from engines.choices import CheckResult, OperationStatus
from engines.models import Operation
from engines.preflight_status import accounts_ready_for, latest_preflight, preflight_passed
from engines.providers.aws.permissions import catalogue
from engines.providers.aws.preflight import simulation
from engines.providers.aws.preflight.base import NOT_RUN_DETAIL, REDEPLOY_FIX
from engines.services.cloud_accounts import add_cloud_account
from engines.services.preflight import start_preflight
from organisations.permissions import Actor
from sandbox.aws import CUSTOMER_ROLE_ARN, CUSTOMER_ROLE_NAME
from sandbox.customer import ensure_customer_role
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_cloud_account, make_member, make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

CREATE_CHECKS = ["assume-role", "trust-policy", "caller-identity", "region", "permissions", "quotas"]


def run_preflight(account, mode="create") -> Operation:
    operation = start_preflight(account, actor=Actor.operator(), kind="eks", mode=mode)
    operation.refresh_from_db()
    return operation


def results(operation) -> dict[str, str]:
    return {step.key: step.result for step in operation.steps.all()}


def row(operation, key):
    return operation.steps.get(key=key)


def replace_role_policies(aws_sandbox, document: dict) -> None:
    """Detach the role's published policies and give it one inline policy instead."""
    iam = aws_sandbox.client("iam")
    for attached in iam.list_attached_role_policies(RoleName=CUSTOMER_ROLE_NAME)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyArn=attached["PolicyArn"])
    iam.put_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyName="handmade", PolicyDocument=json.dumps(document))


def allow(actions, **statement) -> dict:
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*", **statement}
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_sandbox_account_passes(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())

    operation = run_preflight(account)

    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert list(results(operation)) == CREATE_CHECKS
    assert results(operation) == {
        "assume-role": CheckResult.PASS,
        "trust-policy": CheckResult.PASS,
        "caller-identity": CheckResult.PASS,
        "region": CheckResult.PASS,
        "permissions": CheckResult.PASS,
        "quotas": CheckResult.WARN,
    }
    assert preflight_passed(operation)
    assert accounts_ready_for(account.organisation, "eks", "create") == [account]


def test_permissions_read_from_role_policies(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())

    detail = row(run_preflight(account), "permissions").detail

    total = len(catalogue("eks", "create").actions())
    assert f"All {total} actions of the EKS create catalogue are allowed" in detail
    assert "IAM policy simulation is unavailable" in detail


def test_quotas_assume_vcpu_default(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())

    quotas = row(run_preflight(account), "quotas")

    assert "VPCs per Region (L-F678F1CE): 1 in use + 1 planned = 2, quota 5 (applied)." in quotas.detail
    assert "L-1216C47A): 0 vCPUs in use + 6 vCPUs planned = 6 vCPUs, quota 5 vCPUs (assumed" in quotas.detail
    assert "L-DB2E81BA): 0 vCPUs in use, quota 0 vCPUs" in quotas.detail
    assert "L-1216C47A" in quotas.fix


def test_vpc_quota_reached_fails(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())
    ec2 = aws_sandbox.client("ec2", "eu-west-1")
    for index in range(4):
        ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")

    quotas = row(run_preflight(account), "quotas")

    assert quotas.result == CheckResult.FAIL
    assert "5 in use + 1 planned = 6, quota 5 (applied). The quota is too low." in quotas.detail
    assert "L-F678F1CE" in quotas.fix


def test_import_mode_skips_quotas(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())

    operation = run_preflight(account, mode="import")

    assert list(results(operation)) == CREATE_CHECKS[:-1]
    assert set(results(operation).values()) == {CheckResult.PASS}
    assert "EKS import catalogue" in row(operation, "permissions").detail


def test_cross_organisation_same_role(aws_sandbox, sync_tasks):
    trusted = add_cloud_account(make_organisation(), actor=Actor.operator(), name="ml",
                                role_arn=CUSTOMER_ROLE_ARN, default_region="eu-west-1")
    # Another organisation registers the same role, but cannot make it trust its own ExternalId.
    intruder = make_cloud_account(make_organisation(), "ml", role_arn=CUSTOMER_ROLE_ARN)

    trusted_run = run_preflight(trusted)
    intruder_run = run_preflight(intruder)

    assert trusted.external_id != intruder.external_id
    assert row(trusted_run, "trust-policy").result == CheckResult.PASS
    assert row(intruder_run, "assume-role").result == CheckResult.FAIL
    assert "AccessDenied" in row(intruder_run, "assume-role").detail
    assert row(intruder_run, "trust-policy").result == CheckResult.FAIL
    assert not preflight_passed(intruder_run)
    assert preflight_passed(trusted_run)


def test_checks_not_run_without_role(aws_sandbox, sync_tasks):
    ensure_customer_role("the-external-id-of-another-cloud-account")
    account = make_cloud_account(make_organisation(), "ml", role_arn=CUSTOMER_ROLE_ARN)

    operation = run_preflight(account)

    assert operation.status == OperationStatus.SUCCEEDED
    assert row(operation, "assume-role").result == CheckResult.FAIL
    for key in CREATE_CHECKS[1:]:
        assert row(operation, key).result == CheckResult.FAIL
        assert row(operation, key).detail == NOT_RUN_DETAIL


def test_trust_without_external_id_fails(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/aichor-portal"},
        "Action": "sts:AssumeRole",
    }]}
    aws_sandbox.client("iam").update_assume_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyDocument=json.dumps(trust))

    operation = run_preflight(account)

    assert row(operation, "assume-role").result == CheckResult.PASS
    trust_row = row(operation, "trust-policy")
    assert trust_row.result == CheckResult.FAIL
    assert "without requiring an ExternalId" in trust_row.detail
    assert account.external_id in trust_row.fix


def test_missing_actions_listed_by_group(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())
    preflight_actions = next(group for group in catalogue("eks", "create").groups if group.key == "preflight").actions
    replace_role_policies(aws_sandbox, allow(list(preflight_actions)))

    operation = run_preflight(account)

    permissions = row(operation, "permissions")
    assert permissions.result == CheckResult.FAIL
    assert "actions of the EKS create catalogue are missing" in permissions.detail
    assert ("Create IAM roles with the AIchor boundary (The portal creates roles for clusters, nodes, controllers "
            "and projects.) Missing: iam:CreateRole, iam:PutRolePermissionsBoundary") in permissions.detail
    assert "Build the cluster network" in permissions.detail
    assert "iam:GetRole" not in permissions.detail
    assert permissions.fix == REDEPLOY_FIX
    assert row(operation, "trust-policy").result == CheckResult.PASS


def test_explicit_deny_explained(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoVpcs", "Effect": "Deny", "Action": "ec2:CreateVpc", "Resource": "*"},
    ]}
    aws_sandbox.client("iam").put_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyName="guardrail",
                                              PolicyDocument=json.dumps(deny))

    permissions = row(run_preflight(account), "permissions")

    assert permissions.result == CheckResult.FAIL
    assert "1 of" in permissions.detail
    explanation = "ec2:CreateVpc (Explicitly denied by statement 'NoVpcs' of policy 'guardrail (inline)')"
    assert explanation in permissions.detail


def test_condition_makes_warning(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())
    replace_role_policies(aws_sandbox, allow("*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))

    permissions = row(run_preflight(account), "permissions")

    assert permissions.result == CheckResult.WARN
    assert "only with limits" in permissions.detail
    assert "aws:RequestedRegion" in permissions.detail


def test_missing_role_not_assumable(aws_sandbox, sync_tasks):
    account = make_cloud_account(make_organisation(), "ml", role_arn="arn:aws:iam::123456789012:role/Mistyped")

    assume = row(run_preflight(account, mode="import"), "assume-role")

    assert assume.result == CheckResult.FAIL
    assert "arn:aws:iam::123456789012:role/Mistyped" in assume.detail
    assert "Check the role ARN" in assume.fix


def test_region_not_enabled(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation(), region="ap-east-1")

    region = row(run_preflight(account, mode="import"), "region")

    assert region.result == CheckResult.FAIL
    assert "Region ap-east-1 is not enabled for account 123456789012 (opt-in status not-opted-in)." == region.detail
    assert "Enable ap-east-1" in region.fix


def test_rerun_latest_decides(aws_sandbox, sync_tasks):
    account = make_cloud_account(make_organisation(), "ml", role_arn=CUSTOMER_ROLE_ARN)
    ensure_customer_role("the-external-id-of-another-cloud-account")
    first = run_preflight(account)
    ensure_customer_role(account.external_id)

    second = run_preflight(account)

    assert not preflight_passed(first)
    assert latest_preflight(account, "eks", "create") == second
    assert preflight_passed(second)


def test_preflight_audited(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation())

    operation = run_preflight(account)

    requested = AuditEvent.objects.get(action="cloud_account.preflight_requested")
    assert requested.details == {"kind": "eks", "mode": "create", "operation": operation.pk}
    assert AuditEvent.objects.filter(action="operation.preflight.succeeded", target_id=str(account.pk)).exists()


def stub_simulation(monkeypatch, aws_sandbox, account, denied=()):
    """Stub IAM policy simulation with a Stubber that allows every action except `denied`."""
    requests = simulation.simulation_requests(
        catalogue("eks", "create"), account.role_arn, "aws", account.aws_account_id, account.default_region
    )
    stubbers = []

    def stubbed_client(target):
        iam = target.session.client("iam", region_name=target.region, endpoint_url=aws_sandbox.endpoint)
        stubber = Stubber(iam)
        for request in requests:
            evaluations = [
                {"EvalActionName": action, "EvalResourceName": "*",
                 "EvalDecision": "implicitDeny" if action in denied else "allowed"}
                for action in request["ActionNames"]
            ]
            stubber.add_response("simulate_principal_policy",
                                 {"EvaluationResults": evaluations, "IsTruncated": False}, request)
        stubber.activate()
        stubbers.append(stubber)
        return iam

    monkeypatch.setattr(simulation, "simulation_client", stubbed_client)
    return stubbers


def test_simulation_allows_all(aws_sandbox, sync_tasks, monkeypatch):
    account = make_sandbox_account(make_organisation())
    stubbers = stub_simulation(monkeypatch, aws_sandbox, account)

    permissions = row(run_preflight(account), "permissions")

    assert permissions.result == CheckResult.PASS
    assert permissions.detail.endswith("(checked by IAM policy simulation).")
    stubbers[0].assert_no_pending_responses()


def test_simulation_denials_listed(aws_sandbox, sync_tasks, monkeypatch):
    account = make_sandbox_account(make_organisation())
    stub_simulation(monkeypatch, aws_sandbox, account, denied=("eks:CreateCluster", "sqs:CreateQueue"))

    permissions = row(run_preflight(account), "permissions")

    assert permissions.result == CheckResult.FAIL
    assert "2 of" in permissions.detail
    assert "Create and delete the EKS cluster" in permissions.detail
    assert "Missing: eks:CreateCluster" in permissions.detail
    assert "Karpenter's interruption queue" in permissions.detail
    assert "sqs:CreateQueue" in permissions.detail


def test_running_preflight_reused():
    account = make_cloud_account(make_organisation(), "ml")

    first = start_preflight(account, actor=Actor.operator(), kind="eks", mode="create")
    second = start_preflight(account, actor=Actor.operator(), kind="eks", mode="create")

    assert first == second


def test_unsupported_mode_rejected():
    account = make_cloud_account(make_organisation(), "ml")

    with pytest.raises(Exception) as excinfo:
        start_preflight(account, actor=Actor.operator(), kind="eks", mode="adopt")

    assert "No pre-flight for 'eks' engines in 'adopt' mode" in str(excinfo.value)


def test_page_runs_preflight(aws_sandbox, sync_tasks, client):
    account = make_sandbox_account(make_organisation())
    client.force_login(make_member(account.organisation))
    start = reverse("engines:cloud-account-preflight", kwargs={"org": account.organisation.slug, "pk": account.pk})
    live = reverse("engines:cloud-account-preflight-live",
                   kwargs={"org": account.organisation.slug, "pk": account.pk})

    response = client.post(start, {"kind": "eks", "mode": "create"})
    panel = client.get(live).content.decode()

    assert response.status_code == 302
    assert 'data-check="assume-role" data-result="pass"' in panel
    assert 'data-check="quotas" data-result="warn"' in panel
    assert "hx-trigger" not in panel
