"""Local login, logout, and the sign-in requirement on every page."""

import re

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_member, make_organisation, make_user

PASSWORD = "correct horse battery"

# Reachable without signing in; everything else redirects to the login page.
PUBLIC_PATHS = {"/login/", "/healthz", "/admin/login/"}
# Also public: social-auth's sign-in URLs, and invitation links, which invitees open before they have an account.
PUBLIC_PREFIXES = ("/auth/", "/invitations/")

# Sample values for URL converters, to turn every URL pattern into a concrete path.
CONVERTER_SAMPLES = {"int": "1", "slug": "sample", "str": "sample", "path": "sample/path", "uuid": "0" * 32}


def concrete_paths(patterns=None, prefix=""):
    """Return one path for every URL pattern of the portal, with sample values for its arguments."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    paths = set()
    for pattern in patterns:
        route = prefix + fill_route(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            paths |= concrete_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            paths.add("/" + route)
    return paths


def fill_route(route: str) -> str:
    """Replace `<converter:name>` parts and the named groups of regex patterns with sample values."""
    route = re.sub(r"\(\?P<\w+>([^)]*)\)", sample_for_group, route)
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda match: CONVERTER_SAMPLES[match.group(1) or "str"], route)
    return route.replace("^", "").replace("$", "").replace("\\", "")


def sample_for_group(match) -> str:
    """Take the first word of an alternation such as the admin's `(?P<app_label>auth|audit)`."""
    body = match.group(1)
    return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "sample"


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def member(organisation):
    return make_member(organisation, username="alice")


@pytest.mark.django_db
def test_login_lands_on_dashboard(client, organisation, member):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("dashboard", kwargs={"org": organisation.slug})
    assert response.status_code == 200
    assert response.context["user"] == member


@pytest.mark.django_db
def test_login_wrong_password_rejected(client, member):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_logout_post_signs_out(client, member):
    client.force_login(member)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_healthz_is_public(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_login_page_is_public(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.django_db
def test_anonymous_redirected_to_login(client):
    not_redirected = {}
    for path in sorted(concrete_paths() - PUBLIC_PATHS):
        if path.startswith(PUBLIC_PREFIXES):
            continue
        response = client.get(path)
        if response.status_code != 302 or not response["Location"].startswith(reverse("login") + "?next="):
            not_redirected[path] = response.status_code

    assert not_redirected == {}


def test_url_walk_reaches_every_page():
    # The walk must reach the organisation pages and the admin, or the test above proves little.
    paths = concrete_paths()

    assert "/o/sample/" in paths
    assert "/o/sample/engines/1/" in paths
    assert "/admin/auth/user/" in paths
    assert PUBLIC_PATHS <= paths


@pytest.mark.django_db
@override_settings(AICHOR_LOCAL_LOGIN=False)
def test_local_login_off_rejects_password(client, member):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(AICHOR_LOCAL_LOGIN=False)
def test_local_login_off_hides_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="password"' not in response.content
    assert b"Username and password sign-in is turned off" in response.content


@pytest.mark.django_db
def test_admin_login_redirects_to_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/"


@pytest.mark.django_db
def test_admin_login_sends_staff_on(client):
    client.force_login(make_user(is_staff=True))

    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_admin_login_rejects_non_staff(client, member):
    client.force_login(member)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403
    assert len(response.redirect_chain) == 1


@pytest.mark.django_db
def test_admin_login_ignores_foreign_next(client):
    response = client.get("/admin/login/?next=https://attacker.example/")

    assert response["Location"] == reverse("login") + "?next=/admin/"
