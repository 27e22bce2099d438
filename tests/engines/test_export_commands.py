"""The `export_permissions`, `cloudaccount` and `preflight` management commands."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from engines.models import CloudAccount
from engines.providers.aws.clients import assume_customer_role
from engines.providers.aws.permissions import MAX_POLICY_CHARACTERS, catalogue
from sandbox.aws import CUSTOMER_ROLE_ARN
from sandbox.customer import ensure_customer_role
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_cloud_account, make_organisation

REGION = "eu-west-1"


def run(*arguments) -> str:
    output = io.StringIO()
    call_command(*arguments, stdout=output)
    return output.getvalue()


@pytest.mark.parametrize("mode", ["import", "create"])
def test_json_documents_fit_limit(mode):
    documents = json.loads(run("export_permissions", "--kind", "eks", "--mode", mode, "--format", "json"))

    assert len(documents) >= 1
    for document in documents:
        assert len(json.dumps(document, separators=(",", ":"))) < MAX_POLICY_CHARACTERS


@pytest.mark.parametrize("mode", ["import", "create"])
def test_json_actions_written_out(mode):
    documents = json.loads(run("export_permissions", "--kind", "eks", "--mode", mode, "--format", "json"))

    actions = [action for document in documents for statement in document["Statement"]
               for action in statement["Action"]]
    assert not [action for action in actions if "*" in action or "?" in action]
    assert set(catalogue("eks", mode).actions()) <= set(actions)


def test_json_names_account():
    text = run("export_permissions", "--kind", "eks", "--mode", "create", "--format", "json",
               "--account-id", "012345678901")

    assert "arn:aws:iam::012345678901:role/aichor/*" in text


def test_boundary_format():
    document = json.loads(run("export_permissions", "--kind", "eks", "--mode", "create", "--format", "boundary"))

    assert document["Version"] == "2012-10-17"


@override_settings(AICHOR_AWS_PRINCIPAL_ARN="")
def test_template_needs_principal():
    with pytest.raises(CommandError, match="AICHOR_AWS_PRINCIPAL_ARN is not set"):
        run("export_permissions", "--kind", "eks", "--mode", "create", "--format", "cloudformation")


def test_template_deploys_in_sandbox(aws_sandbox):
    template = run("export_permissions", "--kind", "eks", "--mode", "import", "--format", "cloudformation")
    cloudformation = aws_sandbox.client("cloudformation", REGION)

    cloudformation.create_stack(
        StackName="exported", TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": "ExternalId", "ParameterValue": "exported-external-id"}],
    )

    stack = cloudformation.describe_stacks(StackName="exported")["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs["RoleArn"] == CUSTOMER_ROLE_ARN
    assert assume_customer_role(outputs["RoleArn"], "exported-external-id", REGION) is not None


@pytest.mark.django_db
def test_add_prints_external_id():
    organisation = make_organisation()

    output = run("cloudaccount", "add", "--org", organisation.slug, "--provider", "aws", "--name", "production",
                 "--role-arn", "arn:aws:iam::012345678901:role/AIchorPortalRole", "--region", "us-east-2")

    account = CloudAccount.objects.get(organisation=organisation)
    assert f"ExternalId: {account.external_id}\n" in output
    assert account.aws_account_id == "012345678901"
    assert account.default_region == "us-east-2"


@pytest.mark.django_db
def test_add_names_broken_rule():
    organisation = make_organisation()

    with pytest.raises(CommandError) as excinfo:
        run("cloudaccount", "add", "--org", organisation.slug, "--provider", "aws", "--name", "production",
            "--role-arn", "arn:aws:iam:eu-west-1:123456789012:role/R")

    assert "role_arn: Invalid IAM role ARN 'arn:aws:iam:eu-west-1:123456789012:role/R'" in str(excinfo.value)
    assert "the region field must be empty" in str(excinfo.value)


@pytest.mark.django_db
def test_add_rejects_other_provider():
    with pytest.raises(CommandError, match="only aws"):
        run("cloudaccount", "add", "--org", make_organisation().slug, "--provider", "gcp", "--name", "g")


@pytest.mark.django_db
def test_delete_lists_engines():
    from tests.factories import make_engine

    account = make_cloud_account(make_organisation(), "production")
    make_engine(account, "research")

    with pytest.raises(CommandError, match="still has engine\\(s\\): research"):
        run("cloudaccount", "delete", "production", "--org", account.organisation.slug, "--yes")


@pytest.mark.django_db(transaction=True)
def test_preflight_wait_prints_rows(aws_sandbox, sync_tasks):
    account = make_sandbox_account(make_organisation(), name="sandbox")

    output = run("preflight", "--org", account.organisation.slug, "--account", "sandbox", "--kind", "eks",
                 "--mode", "import", "--wait")

    assert "PASS  Assume the role with this account's ExternalId\n" in output
    assert "PASS  Role has the EKS import permissions\n" in output
    assert "5 passed, 0 warned, 0 failed." in output


@pytest.mark.django_db(transaction=True)
def test_preflight_wait_fails_on_row(aws_sandbox, sync_tasks):
    account = make_cloud_account(make_organisation(), "untrusted", role_arn=CUSTOMER_ROLE_ARN)
    ensure_customer_role("the-external-id-of-another-cloud-account")
    output = io.StringIO()

    with pytest.raises(SystemExit) as excinfo:
        call_command("preflight", "--org", account.organisation.slug, "--account", "untrusted", "--kind", "eks",
                     "--mode", "create", "--wait", stdout=output)

    assert excinfo.value.code == 1
    assert "FAIL  Assume the role with this account's ExternalId" in output.getvalue()
    assert "Fix: Check the role ARN." in output.getvalue()
    assert "0 passed, 0 warned, 6 failed." in output.getvalue()


@pytest.mark.django_db
def test_preflight_without_wait_returns():
    account = make_cloud_account(make_organisation(), "production")

    output = run("preflight", "--org", account.organisation.slug, "--account", "production", "--kind", "eks",
                 "--mode", "create")

    assert "add --wait to follow them here" in output
    assert account.operations.count() == 1
