"""In a real browser: a Ready EKS engine's page shows its whole inventory and its resource diagram."""

import pytest

from engines.choices import EngineStatus
from engines.services.engines import start_engine_creation
from organisations.permissions import Actor
from tests.engines.helpers import make_sandbox_account
from tests.engines.test_eks_plan import CREATED_TYPES
from tests.factories import make_member, make_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_signed_in(page, live_server, client, user, path: str) -> None:
    """Sign the user in through the test client and hand its session cookie to the browser."""
    client.force_login(user)
    session = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": session.value, "url": live_server.url}])
    page.goto(f"{live_server.url}{path}")


def test_engine_page_shows_inventory_and_diagram(live_server, page, client, aws_sandbox, sync_tasks):
    organisation = make_organisation("Acme Research")
    user = make_member(organisation, username="alice")
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=make_sandbox_account(organisation),
                                   name="research", kind="eks", region="eu-west-1")
    engine.refresh_from_db()
    assert engine.status == EngineStatus.READY, engine.status_reason

    open_signed_in(page, live_server, client, user, engine.get_absolute_url())
    page.locator("#engine-status").wait_for()

    assert page.locator("#engine-status").get_attribute("data-status") == "ready"
    inventory = page.locator("#inventory tr[data-type]").evaluate_all("rows => rows.map(row => row.dataset.type)")
    assert set(inventory) == CREATED_TYPES
    assert len(inventory) == engine.resources.count()
    diagram = page.locator("svg[role=img]")
    assert diagram.count() == 1
    labels = set(diagram.locator("text").all_text_contents())
    for label in ("Internet gateway", "Subnet 1", "Subnet 2", "Node group", "Karpenter", "Interruption queue",
                  "EFS file system", "EFS mount target", "OIDC provider", "Namespace"):
        assert label in labels, label
    assert diagram.bounding_box()["width"] > 600
