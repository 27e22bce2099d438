"""The EKS import form: each error names the rule and the value."""

import pytest
from django.urls import reverse

from engines.choices import EngineStatus
from engines.import_forms import EngineImportForm
from tests.engines.import_helpers import record_passed_import_preflight
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation

pytestmark = pytest.mark.django_db

VALID = {"name": "imported", "cloud_account": "main", "region": "eu-west-1", "cluster_name": "research",
         "storage_class": "efs-sc", "nlb_ip": "52.16.0.10"}


@pytest.fixture
def organisation():
    organisation = make_organisation()
    record_passed_import_preflight(make_cloud_account(organisation, "main"))
    return organisation


def errors_of(organisation, **changes) -> dict[str, list[str]]:
    form = EngineImportForm({**VALID, **changes}, organisation=organisation)
    form.is_valid()
    return form.errors


def test_valid_values_accepted(organisation):
    form = EngineImportForm(VALID, organisation=organisation)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["cloud_account"].name == "main"


def test_account_without_import_preflight_rejected():
    organisation = make_organisation()
    make_cloud_account(organisation, "main")

    errors = errors_of(organisation)

    assert errors["cloud_account"] == [
        "Cloud account 'main' has no passing EKS import pre-flight: run pre-flight from its page first."]


def test_duplicate_engine_name_rejected(organisation):
    make_engine(organisation.cloud_accounts.get(), "imported", status=EngineStatus.READY)

    assert "already exists in this organisation" in errors_of(organisation)["name"][0]


@pytest.mark.parametrize("value", ["EFS", "efs_sc", "-efs", "efs-", "a" * 254, "efs..sc"])
def test_storage_class_must_be_dns_subdomain(organisation, value):
    error = errors_of(organisation, storage_class=value)["storage_class"][0]

    assert error.startswith(f"{value!r} is not a valid storage class name: Kubernetes names it with a DNS-1123 "
                            "subdomain")


@pytest.mark.parametrize("value", ["efs-sc", "gp2", "fast.storage.example"])
def test_storage_class_dns_subdomain_accepted(organisation, value):
    assert "storage_class" not in errors_of(organisation, storage_class=value)


@pytest.mark.parametrize(("value", "reason"), [
    ("10.0.0.5", "a private address (10.0.0.0/8, RFC 1918)"),
    ("100.64.1.1", "in the shared address space 100.64.0.0/10"),
    ("169.254.1.1", "a link-local address"),
    ("192.0.2.1", "in the documentation range 192.0.2.0/24"),
])
def test_nlb_address_must_be_public(organisation, value, reason):
    error = errors_of(organisation, nlb_ip=value)["nlb_ip"][0]

    assert error.startswith(f"{value} is not a public address: it is {reason}")


def test_nlb_address_must_be_address(organisation):
    assert errors_of(organisation, nlb_ip="my-nlb")["nlb_ip"] == [
        "'my-nlb' is not an IP address: give the NLB's public IPv4 address, such as 52.16.10.20."]


def test_cluster_name_rule_named(organisation):
    assert "is not a valid EKS cluster name" in errors_of(organisation, cluster_name="-research")["cluster_name"][0]


def test_region_rule_named(organisation):
    assert "eu-west-1" in errors_of(organisation, region="EU-WEST-1")["region"][0]


def test_import_page_shows_rule_error(client, organisation):
    client.force_login(make_member(organisation))
    url = reverse("engines:engine-import", kwargs={"org": organisation.slug})

    response = client.post(url, {**VALID, "nlb_ip": "172.16.0.9"})

    assert response.status_code == 200
    assert "172.16.0.9 is not a public address: it is a private address (172.16.0.0/12, RFC 1918)." in (
        response.content.decode())
    assert not organisation.engines.exists()


def test_recheck_of_created_engine_rejected(client, organisation):
    client.force_login(make_member(organisation))
    engine = make_engine(organisation.cloud_accounts.get(), status=EngineStatus.READY)

    response = client.post(reverse("engines:engine-recheck", kwargs={"org": organisation.slug, "pk": engine.pk}),
                           follow=True)

    assert "Only a Ready imported engine can be checked again" in response.content.decode()
    assert not engine.operations.exists()
