"""Organisations (the tenants) and the roles their members hold."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Role(models.TextChoices):
    ORGANISATION_ADMIN = "organisation_admin", "Organisation admin"
    INFRASTRUCTURE_ADMIN = "infrastructure_admin", "Infrastructure admin"
    FINOPS_ADMIN = "finops_admin", "FinOps admin"


# Roles that may be held together; the organisation admin role is held alone.
COMBINABLE_ROLES = frozenset({Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN})


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
