"""The main job in a real browser: connect the sandbox AWS account, pass pre-flight, create an
EKS engine that reaches Ready, then delete it and find nothing tagged with it in moto."""

import pytest

from sandbox.aws import CUSTOMER_ROLE_ARN
from tests.engines.test_eks_plan import tagged_leftovers
from tests.factories import make_member, make_organisation

PASSWORD = "correct horse battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1).wait_for()


def test_admin_creates_and_deletes_eks_engine(live_server, page, aws_sandbox, kube_sandbox, sync_tasks):
    from engines.models import Engine

    organisation = make_organisation("Acme Research")
    make_member(organisation, username="alice")
    sign_in(page, live_server, "alice")

    # Connect the sandbox AWS account.
    page.get_by_role("link", name="Cloud accounts").click()
    page.goto(f"{live_server.url}/o/{organisation.slug}/cloud-accounts/new/")
    page.get_by_label("Name").fill("sandbox")
    page.get_by_label("Role ARN").fill(CUSTOMER_ROLE_ARN)
    page.get_by_label("Default region").fill("eu-west-1")
    page.get_by_role("button", name="Add account").click()
    page.get_by_role("heading", name="sandbox").wait_for()

    # Pre-flight for EKS create: every check passes or warns.
    card = page.locator('[data-preflight="eks-create"]')
    card.get_by_role("button", name="Run pre-flight").click()
    card = page.locator('[data-preflight="eks-create"]')
    card.locator(".badge", has_text="passed").wait_for()
    results = card.locator("tr[data-check]").evaluate_all("rows => rows.map(row => row.dataset.result)")
    assert results
    assert set(results) <= {"pass", "warn"}

    # Create the engine.
    page.get_by_role("link", name="Engines").click()
    page.get_by_role("link", name="Create an EKS engine").click()
    page.locator("#id_name").fill("research")
    page.locator("#id_cloud_account").select_option("sandbox")
    page.locator("#id_region").fill("eu-west-1")
    page.get_by_role("button", name="Create engine").click()

    status = page.locator("#engine-status")
    status.wait_for()
    page.wait_for_function("document.querySelector('#engine-status').dataset.status === 'ready'", timeout=60000)
    inventory_types = set(page.locator("#inventory tr[data-type]").evaluate_all(
        "rows => rows.map(row => row.dataset.type)"))
    assert {"vpc", "subnet", "internet_gateway", "route_table", "route", "iam_role", "instance_profile",
            "eks_cluster", "oidc_provider", "node_group"} <= inventory_types
    assert page.locator("svg[role=img]").count() == 1

    # Delete it.
    page.get_by_role("link", name="Delete engine").click()
    page.get_by_label("Type research to confirm").fill("research")
    page.get_by_role("button", name="Delete engine").click()
    page.wait_for_function("document.querySelector('#engine-status').dataset.status === 'deleted'", timeout=60000)

    engine = Engine.objects.get(name="research")
    assert tagged_leftovers(aws_sandbox, engine) == []
