"""The members page, its actions, and the public page an invitation link opens."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from aichor_portal.auth_pipeline import INVITATION_SESSION_KEY
from audit.models import AuditEvent
from organisations import services
from organisations.models import Invitation, InvitationStatus, Membership, Role
from organisations.permissions import Actor
from tests import auth0
from tests.factories import make_member, make_organisation

EMAIL = "carol@example.com"


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def admin(organisation):
    return make_member(organisation, Role.ORGANISATION_ADMIN, username="olivia")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def url(name, organisation, **kwargs):
    return reverse(name, kwargs={"org": organisation.slug, **kwargs})


def invite(organisation, admin, email=EMAIL):
    return services.invite(organisation, email, [Role.FINOPS_ADMIN], actor=Actor(user=admin, label=admin.username))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def membership_of(user, organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)


@pytest.mark.django_db
def test_members_page_lists_members_and_invitations(admin_client, organisation, admin):
    make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    invite(organisation, admin)

    response = admin_client.get(url("members", organisation))

    assert response.status_code == 200
    assert [membership.user.username for membership in response.context["memberships"]] == ["dave", "olivia"]
    assert [invitation.email for invitation in response.context["invitations"]] == [EMAIL]
    assert b"Send invitation" in response.content
    assert b"Resend" in response.content


@pytest.mark.django_db
def test_members_page_hides_accepted_and_revoked(admin_client, organisation, admin):
    revoked = invite(organisation, admin, email="revoked@example.com")
    services.revoke(revoked, actor=Actor(user=admin, label=admin.username))
    expired = invite(organisation, admin, email="expired@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    response = admin_client.get(url("members", organisation))

    assert [invitation.email for invitation in response.context["invitations"]] == ["expired@example.com"]
    assert b"Expired" in response.content


@pytest.mark.django_db
def test_members_page_read_only_for_other_roles(client, organisation, admin):
    invite(organisation, admin)
    client.force_login(make_member(organisation, Role.INFRASTRUCTURE_ADMIN))

    response = client.get(url("members", organisation))

    assert response.status_code == 200
    assert "invitations" not in response.context
    assert EMAIL.encode() not in response.content
    assert b"Save roles" not in response.content
    assert b"Send invitation" not in response.content


@pytest.mark.django_db
def test_members_page_marks_last_admin(admin_client, organisation, admin):
    response = admin_client.get(url("members", organisation))

    assert response.context["last_admin_id"] == membership_of(admin, organisation).pk
    assert b"The last organisation admin keeps that role." in response.content


@pytest.mark.django_db
def test_invite_form_sends_invitation(admin_client, organisation, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url("member-invite", organisation), {"email": EMAIL, "roles": [Role.INFRASTRUCTURE_ADMIN.value]}
        )

    assert response.status_code == 302
    assert response["Location"] == url("members", organisation)
    invitation = Invitation.objects.get(email=EMAIL)
    assert invitation.roles == [Role.INFRASTRUCTURE_ADMIN.value]
    assert len(mailoutbox) == 1
    assert "/invitations/" in mailoutbox[0].body
    expiry = f"{invitation.expires_at:%Y-%m-%d %H:%M}"
    assert messages_of(response) == [f"Invitation sent to {EMAIL}. It expires on {expiry} UTC."]


@pytest.mark.django_db
def test_invite_form_rejects_admin_with_other_roles(admin_client, organisation):
    response = admin_client.post(
        url("member-invite", organisation),
        {"email": EMAIL, "roles": [Role.ORGANISATION_ADMIN.value, Role.FINOPS_ADMIN.value]},
    )

    assert response.status_code == 400
    assert "held alone" in " ".join(response.context["invitation_form"].errors["roles"])
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_invite_form_rejects_existing_member(admin_client, organisation, admin):
    response = admin_client.post(
        url("member-invite", organisation), {"email": admin.email, "roles": [Role.FINOPS_ADMIN.value]}
    )

    assert response.status_code == 400
    assert "already a member" in " ".join(response.context["invitation_form"].errors["email"])


@pytest.mark.django_db
def test_resend_button_resends(admin_client, organisation, admin, mailoutbox, django_capture_on_commit_callbacks):
    invitation = invite(organisation, admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("invitation-resend", organisation, pk=invitation.pk))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.resent_count == 1
    assert len(mailoutbox) == 1
    assert AuditEvent.objects.filter(action="invitation.resent").count() == 1


@pytest.mark.django_db
def test_revoke_button_revokes(admin_client, organisation, admin):
    invitation = invite(organisation, admin)

    response = admin_client.post(url("invitation-revoke", organisation, pk=invitation.pk))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1


@pytest.mark.django_db
def test_revoke_revoked_shows_message(admin_client, organisation, admin):
    invitation = invite(organisation, admin)
    admin_client.post(url("invitation-revoke", organisation, pk=invitation.pk))

    response = admin_client.post(url("invitation-revoke", organisation, pk=invitation.pk))

    assert response.status_code == 302
    assert any("cannot be revoked" in message for message in messages_of(response))


@pytest.mark.django_db
def test_actions_need_post(admin_client, organisation, admin):
    invitation = invite(organisation, admin)

    response = admin_client.get(url("invitation-revoke", organisation, pk=invitation.pk))

    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_role_change_saves_roles(admin_client, organisation):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    membership = membership_of(member, organisation)

    response = admin_client.post(
        url("member-roles", organisation, pk=membership.pk),
        {"roles": [Role.INFRASTRUCTURE_ADMIN.value, Role.FINOPS_ADMIN.value]},
    )

    assert response.status_code == 302
    assert membership_of(member, organisation).roles == [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN]
    assert AuditEvent.objects.filter(action="membership.roles_changed").count() == 1


@pytest.mark.django_db
def test_role_change_without_roles_rejected(admin_client, organisation):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    response = admin_client.post(url("member-roles", organisation, pk=membership_of(member, organisation).pk), {})

    assert response.status_code == 302
    assert membership_of(member, organisation).roles == [Role.FINOPS_ADMIN]
    assert any("not changed" in message for message in messages_of(response))


@pytest.mark.django_db
def test_last_admin_demotion_shows_message(admin_client, organisation, admin):
    response = admin_client.post(
        url("member-roles", organisation, pk=membership_of(admin, organisation).pk),
        {"roles": [Role.FINOPS_ADMIN.value]},
    )

    assert response.status_code == 302
    assert membership_of(admin, organisation).roles == [Role.ORGANISATION_ADMIN]
    assert messages_of(response) == [
        f"olivia is the last organisation admin of {organisation}: make another member organisation admin "
        "first, then change this member's roles."
    ]


@pytest.mark.django_db
def test_last_admin_removal_shows_message(admin_client, organisation, admin):
    response = admin_client.post(url("member-remove", organisation, pk=membership_of(admin, organisation).pk))

    assert response.status_code == 302
    assert Membership.objects.filter(user=admin, organisation=organisation).exists()
    assert any("last organisation admin" in message for message in messages_of(response))


@pytest.mark.django_db
def test_remove_member_removes(admin_client, organisation):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    response = admin_client.post(url("member-remove", organisation, pk=membership_of(member, organisation).pk))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=member, organisation=organisation).exists()
    assert AuditEvent.objects.filter(action="membership.removed").count() == 1


@pytest.mark.django_db
def test_member_of_other_organisation_not_found(admin_client, organisation):
    other = make_organisation()
    stranger = make_member(other, Role.FINOPS_ADMIN)

    response = admin_client.post(url("member-remove", organisation, pk=membership_of(stranger, other).pk))

    assert response.status_code == 404
    assert Membership.objects.filter(user=stranger, organisation=other).exists()


@pytest.mark.django_db
def test_invitation_page_is_public(
    client, organisation, admin, mailoutbox, django_capture_on_commit_callbacks, settings
):
    auth0.configure(settings)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organisation, admin)
    link = next(line for line in mailoutbox[0].body.splitlines() if "/invitations/" in line).strip()

    response = client.get(link)

    assert response.status_code == 200
    assert EMAIL.encode() in response.content
    assert b"Sign in with Auth0" in response.content
    assert client.session[INVITATION_SESSION_KEY] == invitation.token_hash


@pytest.mark.django_db
def test_invitation_page_unknown_token(client):
    response = client.get(reverse("invitation", kwargs={"token": "no-such-token"}))

    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content
    assert INVITATION_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_invitation_page_revoked_explains(client, organisation, admin):
    invitation = invite(organisation, admin)
    token = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=Invitation.hash_token(token), revoked_at=timezone.now()
    )

    response = client.get(reverse("invitation", kwargs={"token": token}))

    assert response.status_code == 200
    assert b"was revoked" in response.content
    assert b"Sign in with Auth0" not in response.content
    assert INVITATION_SESSION_KEY not in client.session
