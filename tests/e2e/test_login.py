"""In a real browser: sign in through the login form and reach the dashboard."""

import pytest

from tests.factories import make_member, make_organisation

PASSWORD = "correct horse battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_shows_dashboard(live_server, page):
    organisation = make_organisation("Acme Research")
    make_member(organisation, username="alice")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    heading = page.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == "Acme Research dashboard"
    assert page.url == f"{live_server.url}/o/{organisation.slug}/"
    assert page.get_by_role("link", name="Engines").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_stays_on_login(live_server, page):
    make_member(make_organisation(), username="alice")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "correct username and password" in alert.inner_text()
    assert page.url.startswith(f"{live_server.url}/login/")
