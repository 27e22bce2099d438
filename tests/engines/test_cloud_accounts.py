"""AWS cloud accounts: the form's rules, the services with their audit events, the pages and downloads."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from engines.choices import EngineStatus
from engines.cloud_account_forms import AwsCloudAccountForm
from engines.models import CloudAccount
from engines.services.cloud_accounts import add_cloud_account, delete_cloud_account, update_cloud_account
from organisations.permissions import Actor
from sandbox.aws import CUSTOMER_ROLE_ARN, CUSTOMER_ROLE_NAME
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation

pytestmark = pytest.mark.django_db

ROLE_ARN = "arn:aws:iam::123456789012:role/AIchorPortalRole"

# (role ARN, expected part of the message): one case per rule of a role ARN.
BAD_ROLE_ARNS = [
    ("arn:aws-cn:iam::123456789012:role/AIchorPortalRole", "cannot assume a role in another partition"),
    ("arn:aws-moon:iam::123456789012:role/AIchorPortalRole", "partition 'aws-moon' is unknown"),
    ("AIchorPortalRole", "six fields"),
    ("arn:aws:sts::123456789012:assumed-role/AIchorPortalRole/session", "assumed-role session"),
    ("arn:aws:s3:::aichor-bucket", "the service field is 's3'"),
    ("arn:aws:iam:us-east-1:123456789012:role/AIchorPortalRole", "the region field must be empty"),
    ("arn:aws:iam::12345678901:role/AIchorPortalRole", "exactly 12 digits"),
    ("arn:aws:iam::123456789012:user/aichor", "the resource must be 'role/NAME'"),
    ("arn:aws:iam::123456789012:role/AIchor#Role", "the role name 'AIchor#Role'"),
    ("arn:aws:iam::123456789012:role/" + "r" * 65, "1 to 64 characters"),
    ("arn:aws:iam::123456789012:role/a\u00e9b/AIchorPortalRole", "the role path"),
]

# (region, expected part of the message): one case per rule of a region name.
BAD_REGIONS = [
    ("US-EAST-1", "region names are lower case. Use 'us-east-1'"),
    ("us-east-1a", "availability zone or local zone, not a region. Use its region 'us-east-1'"),
    ("cn-north-1", "belongs to partition 'aws-cn'"),
    ("us-est-1", "Did you mean"),
    ("mars-north-1", "no region of partition 'aws' has this name"),
]


def form_data(**fields):
    data = {"name": "production", "role_arn": ROLE_ARN, "default_region": "eu-west-1"}
    data.update(fields)
    return data


def admin_client_for(client, organisation):
    client.force_login(make_member(organisation))
    return client


@pytest.mark.parametrize("role_arn, rule", BAD_ROLE_ARNS, ids=[case[1] for case in BAD_ROLE_ARNS])
def test_form_rejects_role_arn(role_arn, rule):
    form = AwsCloudAccountForm(form_data(role_arn=role_arn), organisation=make_organisation())

    assert not form.is_valid()
    message = " ".join(form.errors["role_arn"])
    assert rule in message
    assert repr(role_arn.strip()) in message


@pytest.mark.parametrize("region, rule", BAD_REGIONS, ids=[case[0] for case in BAD_REGIONS])
def test_form_rejects_region(region, rule):
    form = AwsCloudAccountForm(form_data(default_region=region), organisation=make_organisation())

    assert not form.is_valid()
    message = " ".join(form.errors["default_region"])
    assert rule in message
    assert repr(region) in message


def test_form_keeps_leading_zeros():
    organisation = make_organisation()
    form = AwsCloudAccountForm(form_data(role_arn="arn:aws:iam::012345678901:role/AIchorPortalRole"),
                               organisation=organisation)
    assert form.is_valid(), form.errors

    account = add_cloud_account(organisation, actor=Actor.operator(), **form.cleaned_data)

    account.refresh_from_db()
    assert account.aws_account_id == "012345678901"
    assert account.role_arn == "arn:aws:iam::012345678901:role/AIchorPortalRole"


def test_form_accepts_role_path():
    form = AwsCloudAccountForm(form_data(role_arn="arn:aws:iam::123456789012:role/platform/ml/AIchorPortalRole"),
                               organisation=make_organisation())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["role_arn"] == "arn:aws:iam::123456789012:role/platform/ml/AIchorPortalRole"


def test_form_strips_whitespace():
    organisation = make_organisation()
    form = AwsCloudAccountForm(
        form_data(name="  production ", role_arn=f"\t {ROLE_ARN} \n", default_region=" eu-west-1 "),
        organisation=organisation,
    )
    assert form.is_valid(), form.errors

    account = add_cloud_account(organisation, actor=Actor.operator(), **form.cleaned_data)

    account.refresh_from_db()
    assert account.name == "production"
    assert account.role_arn == ROLE_ARN
    assert account.default_region == "eu-west-1"


def test_form_rejects_duplicate_name():
    organisation = make_organisation()
    make_cloud_account(organisation, "production")

    form = AwsCloudAccountForm(form_data(), organisation=organisation)

    assert not form.is_valid()
    assert "'production'" in form.errors["name"][0]
    assert "unique in an organisation" in form.errors["name"][0]


def test_name_free_in_other_organisation():
    make_cloud_account(make_organisation(), "production")

    form = AwsCloudAccountForm(form_data(), organisation=make_organisation())

    assert form.is_valid(), form.errors


def test_form_rejects_invalid_name():
    form = AwsCloudAccountForm(form_data(name="prod/eu"), organisation=make_organisation())

    assert not form.is_valid()
    assert "'prod/eu'" in form.errors["name"][0]


def test_external_id_generated_per_account():
    organisation = make_organisation()

    first = add_cloud_account(organisation, actor=Actor.operator(), name="one", role_arn=ROLE_ARN,
                              default_region="eu-west-1")
    second = add_cloud_account(organisation, actor=Actor.operator(), name="two", role_arn=ROLE_ARN,
                               default_region="eu-west-1")

    assert len(first.external_id) >= 32
    assert len(second.external_id) >= 32
    assert first.external_id != second.external_id


def test_service_rejects_invalid_fields():
    with pytest.raises(ValidationError) as excinfo:
        add_cloud_account(make_organisation(), actor=Actor.operator(), name="production",
                          role_arn="arn:aws:iam::123:role/R", default_region="EU-WEST-1")

    assert set(excinfo.value.message_dict) == {"role_arn", "default_region"}


def test_add_records_audit_event():
    organisation = make_organisation()

    account = add_cloud_account(organisation, actor=Actor.operator(), name="production", role_arn=ROLE_ARN,
                                default_region="eu-west-1")

    event = AuditEvent.objects.get(action="cloud_account.created")
    assert event.target_id == str(account.pk)
    assert event.organisation == organisation
    assert event.details["role_arn"] == ROLE_ARN
    assert account.external_id not in json.dumps(event.details)


def test_update_keeps_external_id():
    account = make_cloud_account(make_organisation(), "production")
    external_id = account.external_id

    update_cloud_account(account, actor=Actor.operator(), name="renamed", role_arn=ROLE_ARN,
                         default_region="us-east-2")

    account.refresh_from_db()
    assert account.name == "renamed"
    assert account.default_region == "us-east-2"
    assert account.external_id == external_id
    event = AuditEvent.objects.get(action="cloud_account.updated")
    assert event.details["changed"] == ["name", "default_region"]


def test_update_rejects_other_account_with_engines():
    account = make_cloud_account(make_organisation(), "production")
    make_engine(account, "research")

    with pytest.raises(ValidationError) as excinfo:
        update_cloud_account(account, actor=Actor.operator(), name="production",
                             role_arn="arn:aws:iam::210987654321:role/AIchorPortalRole", default_region="eu-west-1")

    assert "research" in excinfo.value.message_dict["role_arn"][0]


def test_delete_refused_with_engines():
    account = make_cloud_account(make_organisation(), "production")
    make_engine(account, "research")
    make_engine(account, "training")

    with pytest.raises(ValidationError) as excinfo:
        delete_cloud_account(account, actor=Actor.operator())

    assert "research, training" in excinfo.value.messages[0]
    assert CloudAccount.objects.filter(pk=account.pk).exists()


def test_delete_removes_account():
    account = make_cloud_account(make_organisation(), "production")
    account_id = account.pk
    make_engine(account, "old", status=EngineStatus.DELETED)

    delete_cloud_account(account, actor=Actor.operator())

    assert not CloudAccount.objects.filter(pk=account_id).exists()
    event = AuditEvent.objects.get(action="cloud_account.deleted")
    assert event.target_id == str(account_id)
    assert event.details["deleted_engine_records"] == ["old"]


def test_create_page_adds_account(client):
    organisation = make_organisation()
    admin_client_for(client, organisation)

    response = client.post(reverse("engines:cloud-account-create", kwargs={"org": organisation.slug}), form_data())

    account = CloudAccount.objects.get(organisation=organisation)
    assert response.status_code == 302
    assert response["Location"] == account.get_absolute_url()


def test_create_page_shows_rule(client):
    organisation = make_organisation()
    admin_client_for(client, organisation)

    response = client.post(reverse("engines:cloud-account-create", kwargs={"org": organisation.slug}),
                           form_data(default_region="us-east-1a"))

    assert response.status_code == 200
    assert "availability zone or local zone, not a region" in response.content.decode()
    assert not CloudAccount.objects.exists()


def test_create_page_ignores_posted_external_id(client):
    organisation = make_organisation()
    admin_client_for(client, organisation)

    client.post(reverse("engines:cloud-account-create", kwargs={"org": organisation.slug}),
                form_data(external_id="chosen-by-the-customer-0000000000000000"))

    assert CloudAccount.objects.get().external_id != "chosen-by-the-customer-0000000000000000"


def test_detail_shows_external_id(client):
    account = make_cloud_account(make_organisation(), "production")
    admin_client_for(client, account.organisation)

    response = client.get(account.get_absolute_url())

    page = response.content.decode()
    assert f'value="{account.external_id}" readonly' in page
    assert 'data-copy-target="#external-id"' in page


def test_delete_page_lists_engines(client):
    account = make_cloud_account(make_organisation(), "production")
    make_engine(account, "research")
    admin_client_for(client, account.organisation)
    url = reverse("engines:cloud-account-delete", kwargs={"org": account.organisation.slug, "pk": account.pk})

    response = client.post(url, {"confirm_name": "production"}, follow=True)

    assert "still has engine(s): research" in response.content.decode()
    assert CloudAccount.objects.filter(pk=account.pk).exists()


def download(client, account, artefact, **query):
    url = reverse("engines:cloud-account-download",
                  kwargs={"org": account.organisation.slug, "pk": account.pk, "artefact": artefact})
    return client.get(url, query)


def test_policy_download_names_account(client):
    account = make_cloud_account(make_organisation(), "production")
    admin_client_for(client, account.organisation)

    response = download(client, account, "policy", kind="eks", mode="import")

    documents = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="aichor-production-eks-import-policy.json"'
    assert all(document["Version"] == "2012-10-17" for document in documents)
    assert "arn:aws:iam::123456789012:role/aichor/*" in json.dumps(documents)


def test_template_download_carries_external_id(client):
    account = make_cloud_account(make_organisation(), "production")
    admin_client_for(client, account.organisation)

    response = download(client, account, "template", kind="eks", mode="create")

    template = json.loads(response.content)
    assert template["Parameters"]["ExternalId"]["Default"] == account.external_id
    assert template["Parameters"]["RoleName"]["Default"] == "AIchorPortalRole"


def test_boundary_download(client):
    account = make_cloud_account(make_organisation(), "production")
    admin_client_for(client, account.organisation)

    response = download(client, account, "boundary")

    assert json.loads(response.content)["Statement"]


def test_unknown_download_not_found(client):
    account = make_cloud_account(make_organisation(), "production")
    admin_client_for(client, account.organisation)

    assert download(client, account, "secrets").status_code == 404
    assert download(client, account, "policy", kind="gke", mode="create").status_code == 404


def test_sandbox_account_gets_role(aws_sandbox):
    account = add_cloud_account(make_organisation(), actor=Actor.operator(), name="sandbox",
                                role_arn=CUSTOMER_ROLE_ARN, default_region="eu-west-1")

    iam = aws_sandbox.client("iam")
    trust = iam.get_role(RoleName=CUSTOMER_ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    attached = iam.list_attached_role_policies(RoleName=CUSTOMER_ROLE_NAME)["AttachedPolicies"]
    condition = trust["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"sts:ExternalId": account.external_id}}
    assert [policy["PolicyName"] for policy in attached] == ["AIchorPortalRolePolicy1", "AIchorPortalRolePolicy2"]
