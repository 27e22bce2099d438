"""In a real browser: create a project on a sandbox engine through the wizard, and see its buckets and registry."""

import pytest

from organisations.models import Role
from tests.factories import make_member, make_organisation
from tests.projects.helpers import ready_engine

PASSWORD = "correct horse battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases=["default", "vault"])
def test_create_project_shows_storage(live_server, page, aws_sandbox, kube_sandbox, sync_tasks):
    organisation = make_organisation("Acme Research")
    make_member(organisation, Role.INFRASTRUCTURE_ADMIN, username="alice")
    make_member(organisation, Role.FINOPS_ADMIN, username="grace")
    engine = ready_engine(aws_sandbox, organisation, name="research")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Acme Research dashboard").wait_for()

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Create a project").click()
    page.get_by_label("Name").fill("Vision")
    page.get_by_label("Git repository URL").fill("git@github.com:acme/vision.git")
    page.get_by_role("button", name="Next").click()
    page.get_by_label(f"{engine.name} ({engine.region})").first.check()
    page.get_by_label("Default engine").select_option(label=f"{engine.name} ({engine.region})")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Members").fill("grace@example.com member")
    page.get_by_label("Labels").fill("team=vision")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create the project").click()

    page.get_by_role("heading", name="Vision", level=1).wait_for()
    project = organisation.projects.get(name="Vision")
    storage = page.locator("#storage")
    assert page.locator("#project-status").get_attribute("data-status") == "ready"
    for name in project.bucket_names().values():
        assert name in storage.inner_text()
    assert project.repository_name in storage.inner_text()
    assert project.namespace in page.locator("#project-namespace").inner_text()
    assert page.locator("#inventory tr[data-type='k8s_namespace']").count() == 1
    assert project.members.filter(user__username="grace").exists()
