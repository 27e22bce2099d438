"""Steps of the Auth0 sign-in pipeline (SOCIAL_AUTH_PIPELINE): a new person needs an invitation.

A sign-in is admitted when Auth0 reports the email as verified and either
- the Auth0 identity is already linked to a portal account,
- a portal account has that email (the identity is then linked to it), or
- an invitation to that email is pending (a portal account is created, the invitation accepted).

Every pending invitation to the verified email is accepted at sign-in. The invitation page
stores the digest of its link's token in the session: a sign-in with another email is then
rejected with a message naming both addresses.
"""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from social_core.exceptions import AuthPolicyError

from organisations.models import Invitation, InvitationKind, InvitationStatus, normalise_email
from organisations.permissions import Actor, client_ip
from organisations.services import InvitationError, accept, rejection_message

logger = logging.getLogger(__name__)

# Session key of the invitation link the person opened: the token's SHA-256 digest, never the token.
INVITATION_SESSION_KEY = "aichor_invitation_token_hash"


class SignInRejected(AuthPolicyError):
    """A sign-in that the portal rejects, with the message shown on the login page."""

    def __init__(self, backend, message: str):
        super().__init__(backend, code="authentication_disallowed", stage="pipeline")
        self.message = message

    def __str__(self):
        return self.message


def require_verified_email(backend, details, *args, **kwargs):
    """Reject an identity without an email address that Auth0 reports as verified."""
    email = normalise_email(details.get("email"))
    if not email:
        raise SignInRejected(
            backend, "Auth0 sent no email address for this account. Sign in with an account that has one."
        )
    if details.get("email_verified") is not True:
        logger.info("Auth0 sign-in rejected: email not verified")
        raise SignInRejected(
            backend,
            f"Your email address {email} is not verified at Auth0. Open the verification email that "
            "Auth0 sent you, then sign in again.",
        )
    return {"details": {**details, "email": email}}


def reject_other_signed_in_user(backend, details, user=None, *args, **kwargs):
    """Reject linking the Auth0 identity to the signed-in account when their emails differ."""
    if user is None or normalise_email(user.email) == details["email"]:
        return None
    raise SignInRejected(
        backend,
        f"You are signed in to the portal as {user.get_username()}, but Auth0 signed you in as "
        f"{details['email']}. Sign out first, then sign in with Auth0 again.",
    )


def match_user_by_verified_email(backend, details, user=None, *args, **kwargs):
    """Link a new Auth0 identity to the portal account with the same verified email, if there is one."""
    if user is not None or details.get("email_verified") is not True:
        return None

    accounts = list(get_user_model().objects.filter(email__iexact=details["email"])[:2])
    if len(accounts) > 1:
        raise SignInRejected(
            backend,
            f"Several portal accounts use {details['email']}. Ask support to merge them, then sign in again.",
        )
    if accounts:
        return {"user": accounts[0], "is_new": False}
    return None


def find_invitations(strategy, backend, details, user=None, *args, **kwargs):
    """Collect the pending invitations to the verified email, and reject a person with no account and none."""
    email = details["email"]
    opened = _opened_invitation(strategy)
    if opened is not None and opened.email != email:
        raise SignInRejected(
            backend,
            f"The invitation you opened was sent to {opened.email}, but Auth0 signed you in as {email}. "
            f"Sign in with Auth0 as {opened.email}.",
        )

    invitations = list(Invitation.objects.pending().for_email(email).select_related("organisation"))
    if user is None and not invitations:
        logger.info("Auth0 sign-in rejected: no pending invitation")
        raise SignInRejected(backend, _no_invitation_message(email, opened))
    if user is not None and opened is not None and opened.status != InvitationStatus.PENDING:
        messages.warning(strategy.request, rejection_message(opened))
    return {"invitations": invitations}


def admit_user(strategy, backend, details, user=None, invitations=(), username=None, *args, **kwargs):
    """Create the invited person's account if needed and accept their invitations, in one transaction."""
    is_new = user is None
    if user is not None and not user.is_active:
        raise SignInRejected(backend, "Your portal account is deactivated. Ask support to reactivate it.")
    if is_new and not invitations:
        raise SignInRejected(backend, _no_invitation_message(details["email"], None))

    try:
        with transaction.atomic():
            if is_new:
                user = strategy.create_user(username=username, email=details["email"])
            actor = Actor(user=user, label=user.get_username(), source_ip=client_ip(strategy.request))
            for invitation in invitations:
                accept(invitation, user=user, actor=actor)
    except InvitationError as error:
        # Revoked or expired between the lookup and the acceptance: nothing was created.
        raise SignInRejected(backend, str(error)) from error

    if is_new:
        logger.info("Portal account %s created from an invitation", user.pk)
    _land_in_invited_organisation(strategy, invitations)
    return {"user": user, "is_new": is_new}


def _opened_invitation(strategy) -> Invitation | None:
    token_hash = strategy.session_pop(INVITATION_SESSION_KEY)
    if not token_hash:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=token_hash).first()


def _no_invitation_message(email: str, opened: Invitation | None) -> str:
    latest = opened or Invitation.objects.for_email(email).select_related("organisation").first()
    if latest is not None and latest.status in (InvitationStatus.EXPIRED, InvitationStatus.REVOKED):
        return rejection_message(latest)
    return (
        f"There is no invitation for {email}. Ask an organisation admin to invite this address, "
        "then sign in again."
    )


def _land_in_invited_organisation(strategy, invitations) -> None:
    """Send the person to the organisation they just joined, unless the sign-in asked for a page."""
    if strategy.session_get("next"):
        return
    for invitation in invitations:
        if invitation.kind == InvitationKind.ORGANISATION:
            strategy.session_set("next", reverse("dashboard", kwargs={"org": invitation.organisation.slug}))
            return
