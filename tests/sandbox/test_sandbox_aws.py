"""The sandbox AWS account: moto's server in IAM authorisation mode, the customer role, and seeding."""

import io
import json

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command

from audit.models import AuditEvent
from engines.choices import EngineStatus, OperationKind, OperationStatus, ResourceState
from engines.models import EngineResource, Operation
from engines.providers.aws.clients import assume_customer_role
from organisations.models import Organisation
from sandbox.aws import CUSTOMER_ROLE_ARN
from sandbox.customer import ensure_customer_role
from sandbox.seed import ADMIN_USERNAME, ORGANISATION_SLUG, agree_with_fresh_cloud, seed_organisation
from tests.factories import make_cloud_account, make_engine, make_organisation

REGION = "eu-west-1"


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_portal_identity_is_known(aws_sandbox):
    sts = aws_sandbox.client("sts", keys=aws_sandbox.portal_keys)

    identity = sts.get_caller_identity()

    assert identity["Arn"] == "arn:aws:iam::123456789012:user/aichor-portal"


def test_portal_identity_cannot_describe_vpcs(aws_sandbox):
    ec2 = aws_sandbox.client("ec2", keys=aws_sandbox.portal_keys)

    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs()

    assert error_code(excinfo) == "AccessDenied"


def test_portal_identity_cannot_list_roles(aws_sandbox):
    iam = aws_sandbox.client("iam", keys=aws_sandbox.portal_keys)

    with pytest.raises(ClientError) as excinfo:
        iam.list_roles()

    assert error_code(excinfo) == "AccessDenied"


def test_admin_identity_can_list_roles(aws_sandbox):
    iam = aws_sandbox.client("iam")

    assert "Roles" in iam.list_roles()


def test_customer_role_assumable_with_external_id(aws_sandbox):
    role_arn = ensure_customer_role("external-id-one")

    session = assume_customer_role(role_arn, "external-id-one", REGION)

    identity = session.client("sts", endpoint_url=aws_sandbox.endpoint).get_caller_identity()
    assert role_arn == CUSTOMER_ROLE_ARN
    assert ":assumed-role/AIchorPortalRole/" in identity["Arn"]


def test_customer_role_rejects_wrong_external_id(aws_sandbox):
    role_arn = ensure_customer_role("external-id-one")

    with pytest.raises(ClientError) as excinfo:
        assume_customer_role(role_arn, "external-id-two", REGION)

    assert error_code(excinfo) == "AccessDenied"


def test_customer_role_session_reaches_account(aws_sandbox):
    session = assume_customer_role(ensure_customer_role("external-id-one"), "external-id-one", REGION)

    ec2 = session.client("ec2", endpoint_url=aws_sandbox.endpoint)

    assert "Vpcs" in ec2.describe_vpcs()


def test_updated_role_trusts_new_external_id(aws_sandbox):
    ensure_customer_role("external-id-one")

    role_arn = ensure_customer_role("external-id-two")

    assert assume_customer_role(role_arn, "external-id-two", REGION) is not None
    with pytest.raises(ClientError) as excinfo:
        assume_customer_role(role_arn, "external-id-one", REGION)
    assert error_code(excinfo) == "AccessDenied"


@pytest.mark.django_db
def test_info_json_prints_access(aws_sandbox):
    output = io.StringIO()

    call_command("sandbox", "info", "--json", stdout=output)

    info = json.loads(output.getvalue())
    assert info["organisation"] == ORGANISATION_SLUG
    assert info["aws_role_arn"] == CUSTOMER_ROLE_ARN
    assert info["aws_endpoint"] == aws_sandbox.endpoint
    assert info["aws_admin_access_key_id"] == aws_sandbox.admin_keys.access_key_id
    assert info["aws_admin_secret_access_key"] == aws_sandbox.admin_keys.secret_access_key


@pytest.mark.django_db
def test_info_keys_inspect_account(aws_sandbox):
    output = io.StringIO()
    call_command("sandbox", "info", "--json", stdout=output)
    info = json.loads(output.getvalue())
    ensure_customer_role("external-id-one")

    import boto3

    iam = boto3.client(
        "iam",
        region_name=REGION,
        endpoint_url=info["aws_endpoint"],
        aws_access_key_id=info["aws_admin_access_key_id"],
        aws_secret_access_key=info["aws_admin_secret_access_key"],
    )

    assert iam.get_role(RoleName="AIchorPortalRole")["Role"]["Arn"] == info["aws_role_arn"]


@pytest.mark.django_db
def test_seed_returns_password_once():
    organisation, password = seed_organisation()

    again, second_password = seed_organisation()

    assert organisation.slug == ORGANISATION_SLUG
    assert again == organisation
    assert password
    assert second_password is None
    assert Organisation.objects.filter(slug=ORGANISATION_SLUG).count() == 1


@pytest.mark.django_db
def test_seeded_admin_signs_in(client):
    organisation, password = seed_organisation()

    response = client.post("/login/", {"username": ADMIN_USERNAME, "password": password}, follow=True)

    assert response.redirect_chain[-1][0] == f"/o/{organisation.slug}/"


@pytest.mark.django_db
def test_agreement_marks_engines_deleted(aws_sandbox):
    engine = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.READY)

    messages = agree_with_fresh_cloud()

    engine.refresh_from_db()
    assert engine.status == EngineStatus.DELETED
    assert "empty AWS state" in engine.status_reason
    assert engine.deleted_at is not None
    assert len(messages) == 1
    assert engine.name in messages[0]


@pytest.mark.django_db
def test_agreement_marks_resources_deleted(aws_sandbox):
    engine = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.READY)
    resource = EngineResource.objects.create(
        engine=engine, key="vpc", type="vpc", cloud_id="vpc-1", state=ResourceState.PRESENT
    )

    agree_with_fresh_cloud()

    resource.refresh_from_db()
    assert resource.state == ResourceState.DELETED


@pytest.mark.django_db
def test_agreement_keeps_deleted_engines(aws_sandbox):
    engine = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.DELETED)

    messages = agree_with_fresh_cloud()

    engine.refresh_from_db()
    assert messages == []
    assert engine.status_reason == ""
    assert engine.deleted_at is None


@pytest.mark.django_db
def test_agreement_cancels_active_operations(aws_sandbox):
    engine = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.PROVISIONING)
    operation = Operation.objects.create(
        organisation=engine.organisation, kind=OperationKind.CREATE, engine=engine, status=OperationStatus.RUNNING
    )

    agree_with_fresh_cloud()

    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    assert operation.finished_at is not None


@pytest.mark.django_db
def test_agreement_records_audit_event(aws_sandbox):
    engine = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.READY)

    agree_with_fresh_cloud()

    event = AuditEvent.objects.get(action="engine.sandbox_reset")
    assert event.target_id == str(engine.pk)
    assert event.organisation == engine.organisation
    assert event.details == {"previous_status": EngineStatus.READY}


@pytest.mark.django_db
def test_agreement_recreates_customer_role(aws_sandbox):
    account = make_cloud_account(make_organisation())

    agree_with_fresh_cloud()

    session = assume_customer_role(account.role_arn, account.external_id, REGION)
    assert session.get_credentials().access_key
