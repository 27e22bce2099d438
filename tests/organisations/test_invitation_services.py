"""Invitation services: invite, resend, revoke and accept, each with its audit event."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from organisations import services
from organisations.models import Invitation, InvitationKind, InvitationStatus, Membership, Role
from organisations.permissions import Actor
from tests.factories import make_member, make_organisation, make_user

EMAIL = "carol@example.com"
LINK = re.compile(r"http://portal\.test/invitations/(?P<token>[\w-]+)/")


@pytest.fixture(autouse=True)
def portal_url(settings):
    settings.AICHOR_PORTAL_URL = "http://portal.test"


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def actor(organisation):
    admin = make_member(organisation, Role.ORGANISATION_ADMIN, username="olivia")
    return Actor(user=admin, label=admin.username, source_ip="192.0.2.10")


def invite(organisation, actor, email=EMAIL, roles=(Role.INFRASTRUCTURE_ADMIN,)):
    return services.invite(organisation, email, roles, actor=actor)


def link_token(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match["token"]


@pytest.mark.django_db
def test_invite_stores_invitation(organisation, actor):
    invitation = invite(organisation, actor, email="  Carol@Example.COM ")

    assert invitation.email == EMAIL
    assert invitation.kind == InvitationKind.ORGANISATION
    assert invitation.roles == [Role.INFRASTRUCTURE_ADMIN.value]
    assert invitation.created_by == actor.user
    assert invitation.status == InvitationStatus.PENDING


@pytest.mark.django_db
def test_invite_expires_after_five_days(organisation, actor):
    before = timezone.now()

    invitation = invite(organisation, actor)

    assert before + timedelta(days=5) <= invitation.expires_at <= timezone.now() + timedelta(days=5)


@pytest.mark.django_db
def test_project_invitation_expires_after_48_hours(organisation, actor):
    before = timezone.now()

    invitation = services.invite(organisation, EMAIL, actor=actor, project_id=7, project_role="member")

    assert invitation.kind == InvitationKind.PROJECT
    assert invitation.roles == []
    assert before + timedelta(hours=48) <= invitation.expires_at <= timezone.now() + timedelta(hours=48)


@pytest.mark.django_db
def test_project_invitation_needs_project_role(organisation, actor):
    with pytest.raises(services.InvitationError):
        services.invite(organisation, EMAIL, actor=actor, project_id=7)


@pytest.mark.django_db
def test_invite_sends_email_on_commit(organisation, actor, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organisation, actor)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    assert organisation.name in message.subject
    assert Invitation.hash_token(link_token(message)) == invitation.token_hash
    assert "Infrastructure admin" in message.body


@pytest.mark.django_db
def test_invite_sends_nothing_before_commit(organisation, actor, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(organisation, actor)

    assert len(callbacks) == 1
    assert mailoutbox == []


@pytest.mark.django_db
def test_invite_stores_only_token_hash(organisation, actor, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organisation, actor)
    token = link_token(mailoutbox[0])

    invitation.refresh_from_db()
    stored = [str(value) for value in Invitation.objects.filter(pk=invitation.pk).values().get().values()]
    assert token not in stored
    assert invitation.token_hash == Invitation.hash_token(token)
    assert Invitation.objects.for_token(token).get() == invitation


@pytest.mark.django_db
def test_invite_writes_audit_event(organisation, actor):
    invitation = invite(organisation, actor)

    event = AuditEvent.objects.get(action="invitation.created")
    assert event.organisation == organisation
    assert event.actor == actor.user
    assert event.target_id == str(invitation.pk)
    assert event.details["email"] == EMAIL
    assert event.details["roles"] == [Role.INFRASTRUCTURE_ADMIN.value]
    assert invitation.token_hash not in str(event.details)


@pytest.mark.django_db
def test_invite_rejects_invalid_email(organisation, actor):
    with pytest.raises(services.InvitationError, match="not a valid email address"):
        invite(organisation, actor, email="not-an-email")


@pytest.mark.django_db
def test_invite_rejects_admin_with_other_roles(organisation, actor):
    with pytest.raises(services.MembershipError, match="held alone"):
        invite(organisation, actor, roles=[Role.ORGANISATION_ADMIN, Role.FINOPS_ADMIN])


@pytest.mark.django_db
def test_invite_rejects_no_roles(organisation, actor):
    with pytest.raises(services.MembershipError, match="at least one role"):
        invite(organisation, actor, roles=[])


@pytest.mark.django_db
def test_invite_rejects_existing_member(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    with pytest.raises(services.InvitationError, match="already a member"):
        invite(organisation, actor, email=member.email.upper())


@pytest.mark.django_db
def test_invite_rejects_second_open_invitation(organisation, actor):
    invite(organisation, actor)

    with pytest.raises(services.InvitationError, match="already has an open invitation"):
        invite(organisation, actor)

    assert Invitation.objects.count() == 1
    assert AuditEvent.objects.filter(action="invitation.created").count() == 1


@pytest.mark.django_db
def test_invite_after_revoke_allowed(organisation, actor):
    services.revoke(invite(organisation, actor), actor=actor)

    second = invite(organisation, actor)

    assert second.status == InvitationStatus.PENDING


@pytest.mark.django_db
def test_invite_same_email_other_organisation(organisation, actor):
    invite(organisation, actor)
    other = make_organisation()
    other_admin = make_member(other, Role.ORGANISATION_ADMIN)

    invitation = invite(other, Actor(user=other_admin, label=other_admin.username))

    assert invitation.organisation == other


@pytest.mark.django_db
def test_invite_needs_manage_members(organisation):
    finops = make_member(organisation, Role.FINOPS_ADMIN)

    with pytest.raises(PermissionDenied):
        invite(organisation, Actor(user=finops, label=finops.username))

    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_open_invitation_unique_in_database(organisation, actor):
    invitation = invite(organisation, actor)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            organisation=organisation,
            email=invitation.email,
            roles=invitation.roles,
            token_hash="0" * 64,
            expires_at=invitation.expires_at,
        )


@pytest.mark.django_db
def test_email_lower_case_in_database(organisation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            organisation=organisation,
            email="Carol@example.com",
            roles=[Role.FINOPS_ADMIN.value],
            token_hash="1" * 64,
            expires_at=timezone.now(),
        )


@pytest.mark.django_db
def test_resend_replaces_link(organisation, actor, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organisation, actor)
    old_token = link_token(mailoutbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        services.resend(invitation, actor=actor)

    assert len(mailoutbox) == 2
    new_token = link_token(mailoutbox[1])
    assert new_token != old_token
    assert not Invitation.objects.for_token(old_token).exists()
    assert Invitation.objects.for_token(new_token).get() == invitation


@pytest.mark.django_db
def test_resend_counts_and_extends(organisation, actor):
    invitation = invite(organisation, actor)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))

    resent = services.resend(invitation, actor=actor)

    assert resent.status == InvitationStatus.PENDING
    assert resent.resent_count == 1
    assert resent.resent_at is not None
    assert resent.expires_at > timezone.now() + timedelta(days=4)


@pytest.mark.django_db
def test_resend_writes_audit_event(organisation, actor):
    invitation = invite(organisation, actor)

    services.resend(invitation, actor=actor)

    event = AuditEvent.objects.get(action="invitation.resent")
    assert event.target_id == str(invitation.pk)
    assert event.details["resent_count"] == 1


@pytest.mark.django_db
def test_resend_revoked_rejected(organisation, actor):
    invitation = services.revoke(invite(organisation, actor), actor=actor)

    with pytest.raises(services.InvitationError, match="revoked"):
        services.resend(invitation, actor=actor)


@pytest.mark.django_db
def test_revoke_marks_revoked(organisation, actor):
    invitation = services.revoke(invite(organisation, actor), actor=actor)

    assert invitation.status == InvitationStatus.REVOKED
    assert AuditEvent.objects.filter(action="invitation.revoked", target_id=str(invitation.pk)).count() == 1


@pytest.mark.django_db
def test_revoke_twice_rejected(organisation, actor):
    invitation = services.revoke(invite(organisation, actor), actor=actor)

    with pytest.raises(services.InvitationError):
        services.revoke(invitation, actor=actor)

    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1


@pytest.mark.django_db
def test_revoke_needs_manage_members(organisation, actor):
    invitation = invite(organisation, actor)
    finops = make_member(organisation, Role.FINOPS_ADMIN)

    with pytest.raises(PermissionDenied):
        services.revoke(invitation, actor=Actor(user=finops, label=finops.username))

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_accept_creates_membership(organisation, actor):
    invitation = invite(organisation, actor, roles=[Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN])
    user = make_user("carol")

    membership = services.accept(invitation, user=user, actor=Actor(user=user, label="carol"))

    assert membership.roles == [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == user


@pytest.mark.django_db
def test_accept_writes_audit_event(organisation, actor):
    invitation = invite(organisation, actor)
    user = make_user("carol")

    services.accept(invitation, user=user, actor=Actor(user=user, label="carol"))

    event = AuditEvent.objects.get(action="invitation.accepted")
    assert event.actor == user
    assert event.details["already_member"] is False


@pytest.mark.django_db
def test_accept_keeps_existing_roles(organisation, actor):
    invitation = invite(organisation, actor, email="dave@example.com", roles=[Role.INFRASTRUCTURE_ADMIN])
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    services.accept(invitation, user=member, actor=Actor(user=member, label="dave"))

    assert Membership.objects.get(user=member, organisation=organisation).roles == [Role.FINOPS_ADMIN]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
def test_accept_closed_invitation_rejected(organisation, actor, state):
    invitation = invite(organisation, actor)
    closed = {
        "expired": {"expires_at": timezone.now() - timedelta(seconds=1)},
        "revoked": {"revoked_at": timezone.now()},
        "accepted": {"accepted_at": timezone.now()},
    }[state]
    Invitation.objects.filter(pk=invitation.pk).update(**closed)
    user = make_user("carol")

    with pytest.raises(services.InvitationError, match=state):
        services.accept(invitation, user=user, actor=Actor(user=user, label="carol"))

    assert not Membership.objects.filter(user=user).exists()
