"""In a real browser: import a prepared EKS cluster, see every check pass and its inventory, check it again, delete it."""

import pytest
from django.urls import reverse

from engines.choices import EngineStatus
from tests.e2e.test_engine_page import open_signed_in
from tests.engines.helpers import make_sandbox_account
from tests.engines.import_helpers import administrator_resources_missing, record_passed_import_preflight
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)
from tests.factories import make_member, make_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_then_delete(live_server, page, client, prepared, aws_sandbox, sync_tasks):
    organisation = make_organisation("Acme Research")
    user = make_member(organisation, username="alice")
    record_passed_import_preflight(make_sandbox_account(organisation))

    open_signed_in(page, live_server, client, user, reverse("engines:engine-list", kwargs={"org": organisation.slug}))
    page.get_by_role("link", name="Import an EKS engine").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("imported")
    page.get_by_label("EKS cluster name").fill(prepared.cluster)
    page.get_by_label("Storage class").fill(prepared.storage_class)
    page.get_by_label("NLB public IP address").fill(prepared.nlb_ip)
    page.get_by_role("button", name="Import engine").click()

    page.get_by_role("heading", name="imported", level=1).wait_for()
    assert page.locator("#engine-status").get_attribute("data-status") == "ready"
    results = page.locator("tr[data-step]").evaluate_all("rows => rows.map(row => row.dataset.result)")
    assert results.count("pass") == 16
    assert "fail" not in results
    owners = page.locator("#inventory tr[data-type='eks_cluster'] td").nth(2).inner_text()
    assert owners == "Administrator"
    assert page.locator("#inventory tr[data-type='kube_namespace'] td").nth(2).inner_text() == "Portal"

    page.get_by_role("button", name="Run the checks again").click()
    page.get_by_role("heading", name="Check operation · Succeeded").wait_for()
    assert page.locator("tr[data-step='footprint']").get_attribute("data-result") == "pass"

    page.get_by_role("link", name="Delete engine").click()
    page.get_by_label("Type imported to confirm").fill("imported")
    page.get_by_role("button", name="Delete engine").click()

    page.locator("#engine-status[data-status='deleted']").wait_for()
    assert organisation.engines.get().status == EngineStatus.DELETED
    assert administrator_resources_missing(aws_sandbox, prepared) == []
    assert page.locator("#inventory tr[data-type='eks_cluster'] td").nth(3).inner_text() == "Present"
