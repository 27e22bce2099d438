"""Organisations (the tenants), the roles their members hold, and invitations to join them."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class Role(models.TextChoices):
    ORGANISATION_ADMIN = "organisation_admin", "Organisation admin"
    INFRASTRUCTURE_ADMIN = "infrastructure_admin", "Infrastructure admin"
    FINOPS_ADMIN = "finops_admin", "FinOps admin"


# Roles that may be held together; the organisation admin role is held alone.
COMBINABLE_ROLES = frozenset({Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN})


def clean_roles(roles) -> list[Role]:
    """Return organisation roles as `Role` members in a stable order, or raise ValidationError.

    A member needs at least one role, and the organisation admin role is held alone.
    """
    values = set(roles)
    unknown = values - set(Role.values)
    if unknown:
        raise ValidationError(
            f"Invalid role(s): {', '.join(sorted(map(str, unknown)))}. Valid roles: {', '.join(Role.values)}."
        )
    if not values:
        raise ValidationError("Choose at least one role.")
    if Role.ORGANISATION_ADMIN in values and len(values) > 1:
        raise ValidationError(
            "The organisation admin role is held alone: it already includes every other role. "
            "Untick the other roles, or untick organisation admin."
        )
    return [role for role in Role if role in values]


def normalise_email(email: str) -> str:
    """Return an email address in the form the portal stores and compares: trimmed and lower-case."""
    return (email or "").strip().lower()


class Organisation(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard", kwargs={"org": self.slug})


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_organisation_admin = models.BooleanField(default=False)
    is_infrastructure_admin = models.BooleanField(default=False)
    is_finops_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_organisation"),
            models.CheckConstraint(
                condition=~models.Q(is_organisation_admin=True, is_infrastructure_admin=True)
                & ~models.Q(is_organisation_admin=True, is_finops_admin=True),
                name="membership_organisation_admin_held_alone",
            ),
            models.CheckConstraint(
                condition=models.Q(is_organisation_admin=True)
                | models.Q(is_infrastructure_admin=True)
                | models.Q(is_finops_admin=True),
                name="membership_has_a_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.organisation} ({', '.join(r.label for r in self.roles)})"

    @property
    def roles(self) -> list[Role]:
        held = []
        if self.is_organisation_admin:
            held.append(Role.ORGANISATION_ADMIN)
        if self.is_infrastructure_admin:
            held.append(Role.INFRASTRUCTURE_ADMIN)
        if self.is_finops_admin:
            held.append(Role.FINOPS_ADMIN)
        return held

    @classmethod
    def role_fields(cls, roles) -> dict[str, bool]:
        """Return the boolean field values for a set of roles."""
        roles = set(roles)
        return {
            "is_organisation_admin": Role.ORGANISATION_ADMIN in roles,
            "is_infrastructure_admin": Role.INFRASTRUCTURE_ADMIN in roles,
            "is_finops_admin": Role.FINOPS_ADMIN in roles,
        }


class InvitationKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    PROJECT = "project", "Project"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"


# Open invitations can still be resent or revoked. Accepted and revoked ones are final.
OPEN_INVITATION_STATUSES = frozenset({InvitationStatus.PENDING, InvitationStatus.EXPIRED})
FINAL_INVITATION_STATUSES = frozenset({InvitationStatus.ACCEPTED, InvitationStatus.REVOKED})

INVITATION_LIFETIMES = {
    InvitationKind.ORGANISATION: timedelta(days=5),
    InvitationKind.PROJECT: timedelta(hours=48),
}


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations neither accepted nor revoked, whether expired or not."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        """Open invitations that have not expired: the ones a sign-in can accept."""
        return self.open().filter(expires_at__gt=timezone.now())

    def for_email(self, email: str):
        return self.filter(email=normalise_email(email))

    def for_token(self, token: str):
        return self.filter(token_hash=Invitation.hash_token(token))


class Invitation(models.Model):
    """An invitation to join an organisation (with organisation roles) or one of its projects.

    The link's token is random and only its SHA-256 digest is stored, so the database alone
    cannot produce a working link. A project invitation refers to its project by id, with
    the project role as text, so that this app does not depend on the projects app.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="Stored lower-case; a sign-in must present this address, verified.")
    kind = models.CharField(max_length=20, choices=InvitationKind.choices, default=InvitationKind.ORGANISATION)
    roles = models.JSONField(default=list, blank=True, help_text="Organisation roles granted on acceptance.")
    project_id = models.PositiveBigIntegerField(null=True, blank=True)
    project_role = models.CharField(max_length=30, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    resent_count = models.PositiveIntegerField(default=0)
    resent_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email"], name="invitation_email_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(kind=InvitationKind.ORGANISATION, accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_organisation_email",
            ),
            models.UniqueConstraint(
                fields=["project_id", "email"],
                condition=models.Q(kind=InvitationKind.PROJECT, accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_project_email",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=InvitationKind.ORGANISATION, project_id__isnull=True, project_role="")
                | (
                    models.Q(kind=InvitationKind.PROJECT, project_id__isnull=False)
                    & ~models.Q(project_role="")
                ),
                name="invitation_project_fields_match_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(accepted_at__isnull=False, revoked_at__isnull=False),
                name="invitation_not_both_accepted_and_revoked",
            ),
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="invitation_email_lower_case"),
        ]

    def __str__(self):
        if self.kind == InvitationKind.PROJECT:
            return f"Invitation of {self.email} to project {self.project_id} in {self.organisation}"
        return f"Invitation of {self.email} to {self.organisation}"

    @staticmethod
    def new_token() -> str:
        """Return a fresh random token for an invitation link (256 bits)."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(token: str) -> str:
        # The token is random and long, so a plain digest suffices: no salt or slow hash is needed.
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> InvitationStatus:
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def role_labels(self) -> list[str]:
        if self.kind == InvitationKind.PROJECT:
            return [self.project_role]
        return [Role(value).label for value in self.roles if value in Role.values]
