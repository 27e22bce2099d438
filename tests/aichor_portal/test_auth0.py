"""Auth0 single sign-on, the whole round trip offline: `responses` serves the token and JWKS endpoints."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from social_django.models import UserSocialAuth

from aichor_portal.auth_pipeline import INVITATION_SESSION_KEY
from aichor_portal.checks import check_auth0_settings
from audit.models import AuditEvent
from organisations import services
from organisations.models import Invitation, Membership, Role
from organisations.permissions import Actor
from organisations.signals import invitation_accepted
from tests import auth0
from tests.factories import make_member, make_organisation, make_user

User = get_user_model()
INVITED = "carol@example.com"


@pytest.fixture(scope="module")
def signing_key():
    return auth0.new_signing_key()


@pytest.fixture
def tenant(settings, signing_key):
    auth0.configure(settings)
    settings.AUTH0_LOGOUT_RETURN_URLS = ["http://testserver/login/"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield auth0.Auth0Tenant(mock=mock, key=signing_key, kid="test-key-1")


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def admin(organisation):
    return make_member(organisation, Role.ORGANISATION_ADMIN, username="olivia")


def invite(organisation, admin, email=INVITED, roles=(Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN)):
    return services.invite(organisation, email, roles, actor=Actor(user=admin, label=admin.username))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_back_on_login(response):
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


@pytest.mark.django_db
def test_begin_needs_post(client, tenant):
    response = client.get(reverse("social:begin", args=["auth0"]))

    assert response.status_code == 405


@pytest.mark.django_db
def test_login_page_offers_auth0(client, tenant):
    response = client.get(reverse("login"))

    assert b"Sign in with Auth0" in response.content
    assert reverse("social:begin", args=["auth0"]).encode() in response.content


@pytest.mark.django_db
def test_login_page_without_auth0_hides_button(client, settings):
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = ""

    response = client.get(reverse("login"))

    assert b"Sign in with Auth0" not in response.content


@pytest.mark.django_db
def test_begin_without_auth0_shows_message(client, settings):
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = ""

    response = client.post(reverse("social:begin", args=["auth0"]))

    assert_back_on_login(response)
    assert any("Auth0 sign-in is not configured" in message for message in messages_of(response))


@pytest.mark.django_db
def test_invited_email_signs_in(client, tenant, organisation, admin):
    invitation = invite(organisation, admin)

    response = tenant.sign_in(client, email=INVITED, sub="auth0|carol")

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", kwargs={"org": organisation.slug})
    user = User.objects.get(email=INVITED)
    assert int(client.session["_auth_user_id"]) == user.pk
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.roles == [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN]
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert UserSocialAuth.objects.get(user=user).uid == "auth0|carol"


@pytest.mark.django_db
def test_invited_sign_in_follows_to_dashboard(client, tenant, organisation, admin):
    invite(organisation, admin)

    response = tenant.sign_in(client, email=INVITED)
    page = client.get(response["Location"])

    assert page.status_code == 200
    assert page.context["current_organisation"] == organisation


@pytest.mark.django_db
def test_invited_email_matched_case_insensitively(client, tenant, organisation, admin):
    invite(organisation, admin, email="Carol@Example.com")

    response = tenant.sign_in(client, email="CAROL@example.COM")

    assert response["Location"] == reverse("dashboard", kwargs={"org": organisation.slug})
    assert Membership.objects.filter(user__email=INVITED, organisation=organisation).exists()


@pytest.mark.django_db
def test_acceptance_writes_audit_event(client, tenant, organisation, admin):
    invitation = invite(organisation, admin)

    tenant.sign_in(client, email=INVITED)

    event = AuditEvent.objects.get(action="invitation.accepted")
    assert event.organisation == organisation
    assert event.target_id == str(invitation.pk)
    assert event.actor == User.objects.get(email=INVITED)
    assert event.source_ip == "127.0.0.1"


@pytest.mark.django_db
def test_unverified_email_rejected(client, tenant, organisation, admin):
    invite(organisation, admin)

    response = tenant.sign_in(client, email=INVITED, email_verified=False)

    assert_back_on_login(response)
    assert any("is not verified at Auth0" in message for message in messages_of(response))
    assert not User.objects.filter(email=INVITED).exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_unverified_email_never_links_account(client, tenant, organisation):
    existing = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    response = tenant.sign_in(client, email=existing.email, email_verified=False)

    assert_back_on_login(response)
    assert not UserSocialAuth.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_uninvited_rejected_without_user(client, tenant, organisation):
    response = tenant.sign_in(client, email="mallory@example.com")

    assert_back_on_login(response)
    assert messages_of(response) == [
        "There is no invitation for mallory@example.com. Ask an organisation admin to invite this address, "
        "then sign in again."
    ]
    assert not User.objects.filter(email="mallory@example.com").exists()
    assert not UserSocialAuth.objects.exists()


@pytest.mark.django_db
def test_expired_invitation_rejected(client, tenant, organisation, admin):
    invitation = invite(organisation, admin)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = tenant.sign_in(client, email=INVITED)

    assert_back_on_login(response)
    assert any("expired on" in message and "resend" in message for message in messages_of(response))
    assert not User.objects.filter(email=INVITED).exists()


@pytest.mark.django_db
def test_revoked_invitation_rejected(client, tenant, organisation, admin):
    invitation = invite(organisation, admin)
    services.revoke(invitation, actor=Actor(user=admin, label=admin.username))

    response = tenant.sign_in(client, email=INVITED)

    assert_back_on_login(response)
    assert any("was revoked" in message for message in messages_of(response))
    assert not User.objects.filter(email=INVITED).exists()


@pytest.mark.django_db
def test_returning_user_needs_no_invitation(client, tenant, organisation, admin):
    invite(organisation, admin)
    tenant.sign_in(client, email=INVITED, sub="auth0|carol")
    client.logout()

    response = tenant.sign_in(client, email=INVITED, sub="auth0|carol")

    assert response.status_code == 302
    assert response["Location"] != reverse("login")
    assert User.objects.filter(email=INVITED).count() == 1
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_existing_account_linked_by_verified_email(client, tenant, organisation):
    existing = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    response = tenant.sign_in(client, email=existing.email, sub="auth0|dave")

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == existing.pk
    assert UserSocialAuth.objects.get(uid="auth0|dave").user == existing
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_existing_member_accepts_second_invitation(client, tenant, organisation):
    existing = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    other = make_organisation()
    other_admin = make_member(other, Role.ORGANISATION_ADMIN, username="oscar")
    invite(other, other_admin, email=existing.email, roles=[Role.INFRASTRUCTURE_ADMIN])

    tenant.sign_in(client, email=existing.email)

    assert Membership.objects.get(user=existing, organisation=other).roles == [Role.INFRASTRUCTURE_ADMIN]
    assert Membership.objects.get(user=existing, organisation=organisation).roles == [Role.FINOPS_ADMIN]


@pytest.mark.django_db
def test_deactivated_account_rejected(client, tenant):
    make_user("erin", is_active=False)

    response = tenant.sign_in(client, email="erin@example.com")

    assert_back_on_login(response)
    assert any("deactivated" in message for message in messages_of(response))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signed_in_user_other_email_rejected(client, tenant, organisation, admin):
    invite(organisation, admin)
    client.force_login(admin)

    response = tenant.sign_in(client, email=INVITED)

    assert_back_on_login(response)
    assert any("Sign out first" in message for message in messages_of(response))
    assert not UserSocialAuth.objects.exists()
    assert not Membership.objects.filter(user__email=INVITED).exists()


@pytest.mark.django_db
def test_invitation_link_then_sign_in(
    client, tenant, organisation, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organisation, admin)
    link = next(line for line in mailoutbox[0].body.splitlines() if "/invitations/" in line).strip()
    page = client.get(link)
    assert INVITATION_SESSION_KEY in client.session

    response = tenant.sign_in(client, email=INVITED)

    assert page.status_code == 200
    assert response["Location"] == reverse("dashboard", kwargs={"org": organisation.slug})
    assert INVITATION_SESSION_KEY not in client.session
    assert Membership.objects.filter(user__email=INVITED, organisation=organisation).exists()


@pytest.mark.django_db
def test_opened_invitation_other_email_rejected(client, tenant, organisation, admin):
    invite(organisation, admin)
    invite(organisation, admin, email="frank@example.com")
    session = client.session
    session[INVITATION_SESSION_KEY] = Invitation.objects.get(email=INVITED).token_hash
    session.save()

    response = tenant.sign_in(client, email="frank@example.com")

    assert_back_on_login(response)
    assert any(f"was sent to {INVITED}" in message for message in messages_of(response))
    assert not User.objects.filter(email="frank@example.com").exists()


@pytest.mark.django_db
def test_opened_invitation_revoked_warns_member(client, tenant, organisation):
    existing = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    other = make_organisation()
    other_admin = make_member(other, Role.ORGANISATION_ADMIN, username="oscar")
    invitation = invite(other, other_admin, email=existing.email)
    session = client.session
    session[INVITATION_SESSION_KEY] = invitation.token_hash
    session.save()
    services.revoke(invitation, actor=Actor(user=other_admin, label="oscar"))

    response = tenant.sign_in(client, email=existing.email)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == existing.pk
    assert any("was revoked" in message for message in messages_of(response))
    assert not Membership.objects.filter(user=existing, organisation=other).exists()


@pytest.mark.django_db
def test_project_invitation_admits_user(client, tenant, organisation, admin):
    services.invite(
        organisation,
        INVITED,
        actor=Actor(user=admin, label=admin.username),
        project_id=42,
        project_role="member",
    )
    received = []
    invitation_accepted.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="test-project")
    try:
        response = tenant.sign_in(client, email=INVITED)
    finally:
        invitation_accepted.disconnect(dispatch_uid="test-project")

    assert response.status_code == 302
    user = User.objects.get(email=INVITED)
    assert [(item["invitation"].project_id, item["user"]) for item in received] == [(42, user)]
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_lost_state_shows_message(client, tenant):
    state = tenant.authorise_params(tenant.begin(client))["state"]
    client.cookies.clear()

    response = client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code", "state": state})

    assert_back_on_login(response)
    assert any("Sign in again" in message for message in messages_of(response))


@pytest.mark.django_db
def test_forged_state_shows_message(client, tenant):
    tenant.begin(client)

    response = client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code", "state": "forged"})

    assert_back_on_login(response)
    assert any("could not be matched to this browser session" in message for message in messages_of(response))


@pytest.mark.django_db
def test_missing_state_shows_message(client, tenant):
    tenant.begin(client)

    response = client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code"})

    assert_back_on_login(response)
    assert any("could not be matched to this browser session" in message for message in messages_of(response))


@pytest.mark.django_db
def test_reused_state_shows_message(client, tenant, organisation, admin):
    invite(organisation, admin)
    state = tenant.authorise_params(tenant.begin(client))["state"]
    tenant.answer_token_request(tenant.id_token(email=INVITED))
    client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code", "state": state})
    client.logout()

    response = client.get(reverse("social:complete", args=["auth0"]), {"code": "test-code", "state": state})

    assert_back_on_login(response)
    assert any("Sign in again" in message for message in messages_of(response))


@pytest.mark.django_db
def test_cancelled_at_auth0_shows_message(client, tenant):
    state = tenant.authorise_params(tenant.begin(client))["state"]

    response = client.get(
        reverse("social:complete", args=["auth0"]),
        {"error": "access_denied", "error_description": "User cancelled", "state": state},
    )

    assert_back_on_login(response)
    assert any("cancelled at Auth0" in message for message in messages_of(response))


@pytest.mark.django_db
def test_login_page_shows_failure_message(client, tenant):
    response = tenant.sign_in(client, email="mallory@example.com")

    page = client.get(response["Location"])

    assert b"There is no invitation for mallory@example.com" in page.content


@pytest.mark.django_db
def test_logout_ends_auth0_session(client, tenant, organisation, admin):
    invite(organisation, admin)
    tenant.sign_in(client, email=INVITED)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", auth0.DOMAIN, "/v2/logout")
    assert parse_qs(location.query) == {"client_id": [auth0.CLIENT_ID], "returnTo": ["http://testserver/login/"]}
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_return_url_from_allow_list(client, tenant, settings, organisation, admin):
    settings.AUTH0_LOGOUT_RETURN_URLS = ["https://portal.example.com/login/"]
    invite(organisation, admin)
    tenant.sign_in(client, email=INVITED)

    response = client.post(reverse("logout"))

    assert parse_qs(urlsplit(response["Location"]).query)["returnTo"] == ["https://portal.example.com/login/"]


@pytest.mark.django_db
def test_logout_without_allow_list_omits_return_url(client, tenant, settings, organisation, admin):
    settings.AUTH0_LOGOUT_RETURN_URLS = []
    invite(organisation, admin)
    tenant.sign_in(client, email=INVITED)

    response = client.post(reverse("logout"))

    assert parse_qs(urlsplit(response["Location"]).query) == {"client_id": [auth0.CLIENT_ID]}


@pytest.mark.django_db
def test_local_logout_stays_local(client, tenant, admin):
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")


@pytest.mark.django_db
def test_callback_http_without_proxy_header(client, tenant):
    params = tenant.authorise_params(tenant.begin(client))

    assert params["redirect_uri"].startswith("http://testserver/auth/complete/auth0/")


@pytest.mark.django_db
def test_callback_https_behind_proxy(client, tenant, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["portal.example.com"]

    # What a TLS-terminating proxy forwards: the public host, and the scheme in a header.
    response = tenant.begin(client, HTTP_HOST="portal.example.com", HTTP_X_FORWARDED_PROTO="https")
    params = tenant.authorise_params(response)

    assert params["redirect_uri"].startswith("https://portal.example.com/auth/complete/auth0/")


@pytest.mark.django_db
def test_callback_https_by_setting(client, tenant, settings):
    settings.SOCIAL_AUTH_REDIRECT_IS_HTTPS = True

    params = tenant.authorise_params(tenant.begin(client))

    assert params["redirect_uri"].startswith("https://testserver/auth/complete/auth0/")


def test_live_settings_use_https_callback(tmp_path):
    script = (
        "from django.conf import settings; "
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.SOCIAL_AUTH_REDIRECT_IS_HTTPS)"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
        "AICHOR_ENV_FILE": "",
        "AICHOR_CLOUD_MODE": "live",
        "SECRET_KEY": "live-test-" + "k" * 60,
        "FIELD_ENCRYPTION_KEY": "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "ALLOWED_HOSTS": "portal.example.com",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=Path(django_settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https') True"


def test_check_partial_auth0_settings(settings):
    auth0.configure(settings)
    settings.SOCIAL_AUTH_AUTH0_SECRET = ""

    errors = check_auth0_settings(None)

    assert [error.id for error in errors] == ["aichor.E003"]
    assert "AUTH0_CLIENT_SECRET" in errors[0].msg


def test_check_live_without_sign_in(settings):
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = settings.SOCIAL_AUTH_AUTH0_KEY = settings.SOCIAL_AUTH_AUTH0_SECRET = ""
    settings.IS_LIVE = True
    settings.AICHOR_LOCAL_LOGIN = False

    assert [warning.id for warning in check_auth0_settings(None)] == ["aichor.W001"]


def test_check_complete_auth0_settings(settings):
    auth0.configure(settings)
    settings.IS_LIVE = True
    settings.AICHOR_LOCAL_LOGIN = False

    assert check_auth0_settings(None) == []
