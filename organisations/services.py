"""Changes to members and invitations: each one a transaction with its audit event.

Emails leave only after the transaction commits, so a rolled-back change never sends one.
"""

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from organisations.models import (
    INVITATION_LIFETIMES,
    OPEN_INVITATION_STATUSES,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Membership,
    Organisation,
    Role,
    clean_roles,
    normalise_email,
)
from organisations.permissions import Actor, Permission, require
from organisations.signals import invitation_accepted

logger = logging.getLogger(__name__)


class MembershipError(Exception):
    """A change to members or invitations that the portal rejects; the message is shown as is."""


class InvitationError(MembershipError):
    pass


class LastOrganisationAdminError(MembershipError):
    pass


def invite(
    organisation: Organisation,
    email: str,
    roles=(),
    *,
    actor: Actor,
    project_id: int | None = None,
    project_role: str = "",
    request=None,
) -> Invitation:
    """Invite a person by email to the organisation, or to one of its projects when `project_id` is given.

    An organisation invitation carries organisation roles and lasts 5 days. A project invitation
    carries a project role and lasts 48 hours. The email with the link is sent on commit.
    `request` is only used to build the link when AICHOR_PORTAL_URL is not set.
    """
    email = _valid_email(email)
    kind = InvitationKind.PROJECT if project_id is not None else InvitationKind.ORGANISATION
    if kind == InvitationKind.ORGANISATION:
        require(actor, Permission.MANAGE_MEMBERS, organisation)
        roles = _valid_roles(roles)
    elif roles or not project_role:
        raise InvitationError("A project invitation needs a project role and no organisation roles.")
    # NOTE: the caller authorises a project invitation, because the permission is the project's, not the organisation's.
    link_base = _link_base(request)

    token = Invitation.new_token()
    with transaction.atomic():
        if kind == InvitationKind.ORGANISATION and _is_member(organisation, email):
            raise InvitationError(f"{email} is already a member of {organisation}.")
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    organisation=organisation,
                    email=email,
                    kind=kind,
                    roles=[role.value for role in roles],
                    project_id=project_id,
                    project_role=project_role,
                    token_hash=Invitation.hash_token(token),
                    expires_at=timezone.now() + INVITATION_LIFETIMES[kind],
                    created_by=_user_of(actor),
                )
        except IntegrityError as error:
            # The partial unique constraints allow one open invitation per organisation (or project) and email.
            raise InvitationError(
                f"{email} already has an open invitation. Resend it or revoke it instead of inviting again."
            ) from error
        record(actor, "invitation.created", invitation, organisation=organisation, details=_details(invitation))
        _send_on_commit(invitation, token, link_base)
    return invitation


def resend(invitation: Invitation, *, actor: Actor, request=None) -> Invitation:
    """Send an open invitation again with a new link and a new expiry. The previous link stops working."""
    _require_manage(invitation, actor)
    link_base = _link_base(request)

    token = Invitation.new_token()
    with transaction.atomic():
        invitation = _lock(invitation)
        _require_open(invitation, "resent")
        now = timezone.now()
        invitation.token_hash = Invitation.hash_token(token)
        invitation.expires_at = now + INVITATION_LIFETIMES[InvitationKind(invitation.kind)]
        invitation.resent_count += 1
        invitation.resent_at = now
        invitation.save(update_fields=["token_hash", "expires_at", "resent_count", "resent_at"])
        record(
            actor,
            "invitation.resent",
            invitation,
            organisation=invitation.organisation,
            details={**_details(invitation), "resent_count": invitation.resent_count},
        )
        _send_on_commit(invitation, token, link_base)
    return invitation


def revoke(invitation: Invitation, *, actor: Actor) -> Invitation:
    """Revoke an open invitation: its link stops working and no sign-in can accept it."""
    _require_manage(invitation, actor)

    with transaction.atomic():
        invitation = _lock(invitation)
        _require_open(invitation, "revoked")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            actor, "invitation.revoked", invitation, organisation=invitation.organisation, details=_details(invitation)
        )
    return invitation


def accept(invitation: Invitation, *, user, actor: Actor) -> Membership | None:
    """Accept a pending invitation for a user, granting its organisation roles.

    The caller has checked that the user controls the invited email (the sign-in pipeline
    requires it verified by Auth0). A user who is already a member keeps their roles.
    Project invitations grant no organisation role: receivers of `invitation_accepted`
    add the project member in this transaction. Returns the membership, or None for a
    project invitation.
    """
    with transaction.atomic():
        invitation = _lock(invitation)
        status = invitation.status
        if status != InvitationStatus.PENDING:
            raise InvitationError(rejection_message(invitation))

        membership = None
        already_member = False
        if invitation.kind == InvitationKind.ORGANISATION:
            membership, created = Membership.objects.get_or_create(
                user=user,
                organisation=invitation.organisation,
                defaults=Membership.role_fields(invitation.roles),
            )
            already_member = not created

        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            actor,
            "invitation.accepted",
            invitation,
            organisation=invitation.organisation,
            details={**_details(invitation), "user": user.get_username(), "already_member": already_member},
        )
        invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return membership


def change_roles(membership: Membership, roles, *, actor: Actor) -> Membership:
    """Give a member a new set of organisation roles, unless that demotes the last organisation admin."""
    organisation = membership.organisation
    require(actor, Permission.MANAGE_MEMBERS, organisation)
    roles = _valid_roles(roles)

    with transaction.atomic():
        admin_ids = _lock_admins(organisation)
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        old_roles = membership.roles
        if set(old_roles) == set(roles):
            return membership
        if Role.ORGANISATION_ADMIN not in roles and admin_ids == [membership.pk]:
            raise LastOrganisationAdminError(
                f"{membership.user.get_username()} is the last organisation admin of {organisation}: "
                "make another member organisation admin first, then change this member's roles."
            )

        role_fields = Membership.role_fields(roles)
        for name, value in role_fields.items():
            setattr(membership, name, value)
        membership.save(update_fields=list(role_fields))
        record(
            actor,
            "membership.roles_changed",
            membership,
            organisation=organisation,
            details={
                "user": membership.user.get_username(),
                "old_roles": [role.value for role in old_roles],
                "new_roles": [role.value for role in roles],
            },
        )
    return membership


def remove_member(membership: Membership, *, actor: Actor) -> None:
    """Remove a member from the organisation, unless the member is its last organisation admin."""
    organisation = membership.organisation
    require(actor, Permission.MANAGE_MEMBERS, organisation)

    with transaction.atomic():
        admin_ids = _lock_admins(organisation)
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if admin_ids == [membership.pk]:
            raise LastOrganisationAdminError(
                f"{membership.user.get_username()} is the last organisation admin of {organisation}: "
                "make another member organisation admin first, then remove this member."
            )
        record(
            actor,
            "membership.removed",
            membership,
            organisation=organisation,
            details={"user": membership.user.get_username(), "roles": [role.value for role in membership.roles]},
        )
        membership.delete()


def rejection_message(invitation: Invitation) -> str:
    """Return why an invitation can no longer be accepted, in words for the invited person."""
    status = invitation.status
    target = str(invitation.organisation)
    if status == InvitationStatus.EXPIRED:
        return (
            f"Your invitation to {target} expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC. "
            "Ask an organisation admin to resend it."
        )
    if status == InvitationStatus.REVOKED:
        return f"Your invitation to {target} was revoked. Ask an organisation admin for a new invitation."
    if status == InvitationStatus.ACCEPTED:
        return f"Your invitation to {target} has already been accepted. Sign in to continue."
    return f"Your invitation to {target} is still pending."


def invitation_link(token: str, link_base: str) -> str:
    return link_base + reverse("invitation", kwargs={"token": token})


def _valid_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvitationError(f"{email or 'An empty value'} is not a valid email address.") from error
    return email


def _valid_roles(roles) -> list[Role]:
    try:
        return clean_roles(roles)
    except ValidationError as error:
        raise MembershipError(" ".join(error.messages)) from error


def _is_member(organisation: Organisation, email: str) -> bool:
    return organisation.memberships.filter(user__email__iexact=email).exists()


def _user_of(actor: Actor):
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _require_manage(invitation: Invitation, actor: Actor) -> None:
    if invitation.kind == InvitationKind.ORGANISATION:
        require(actor, Permission.MANAGE_MEMBERS, invitation.organisation)


def _require_open(invitation: Invitation, verb: str) -> None:
    status = invitation.status
    if status not in OPEN_INVITATION_STATUSES:
        raise InvitationError(f"The invitation of {invitation.email} is {status.label.lower()}: it cannot be {verb}.")


def _lock(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)


def _lock_admins(organisation: Organisation) -> list[int]:
    """Lock the organisation admins' memberships and return their ids.

    Two concurrent changes that could each remove one of two remaining admins wait for
    each other here, so the second one reads the admins as the first one left them.
    """
    admins = Membership.objects.select_for_update().filter(organisation=organisation, is_organisation_admin=True)
    return list(admins.order_by("pk").values_list("pk", flat=True))


def _details(invitation: Invitation) -> dict:
    details = {"email": invitation.email, "kind": invitation.kind, "expires_at": invitation.expires_at.isoformat()}
    if invitation.kind == InvitationKind.PROJECT:
        details.update(project_id=invitation.project_id, project_role=invitation.project_role)
    else:
        details["roles"] = list(invitation.roles)
    return details


def _link_base(request) -> str:
    if settings.AICHOR_PORTAL_URL:
        return settings.AICHOR_PORTAL_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    raise ImproperlyConfigured("Set AICHOR_PORTAL_URL: invitation links need the portal's public address.")


def _send_on_commit(invitation: Invitation, token: str, link_base: str) -> None:
    link = invitation_link(token, link_base)
    transaction.on_commit(lambda: send_invitation_email(invitation, link))


def send_invitation_email(invitation: Invitation, link: str) -> bool:
    """Send the invitation email. A failure is logged and not raised, because the change has already committed."""
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "link": link,
        "roles": invitation.role_labels,
        "is_project": invitation.kind == InvitationKind.PROJECT,
    }
    subject = render_to_string("organisations/email/invitation_subject.txt", context).strip()
    body = render_to_string("organisations/email/invitation_body.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError):
        logger.exception("Invitation email failed for invitation %s: an admin can resend it", invitation.pk)
        return False
    logger.info("Invitation email sent for invitation %s", invitation.pk)
    return True
