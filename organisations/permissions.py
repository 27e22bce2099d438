"""The one place that decides who may do what.

Views, management commands and the Django admin all ask `has_permission` or
`require`. A permission is granted to organisation roles; support staff (the
`support` group) may only read, through the Django admin.
"""

from dataclasses import dataclass, field
from enum import Enum

from django.core.exceptions import PermissionDenied

from organisations.models import Membership, Organisation, Role

SUPPORT_GROUP = "support"

ALL_ROLES = frozenset(Role)
ADMINS = frozenset({Role.ORGANISATION_ADMIN, Role.INFRASTRUCTURE_ADMIN})


class Permission(str, Enum):
    VIEW_ORGANISATION = "organisation.view"
    VIEW_MEMBERS = "members.view"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    VIEW_CLOUD_ACCOUNTS = "cloud_account.view"
    MANAGE_CLOUD_ACCOUNTS = "cloud_account.manage"
    VIEW_ENGINES = "engine.view"
    MANAGE_ENGINES = "engine.manage"
    VIEW_PROJECTS = "project.view"
    CREATE_PROJECTS = "project.create"


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_ORGANISATION: ALL_ROLES,
    Permission.VIEW_MEMBERS: ALL_ROLES,
    Permission.MANAGE_MEMBERS: frozenset({Role.ORGANISATION_ADMIN}),
    Permission.VIEW_AUDIT: ALL_ROLES,
    Permission.VIEW_CLOUD_ACCOUNTS: ALL_ROLES,
    Permission.MANAGE_CLOUD_ACCOUNTS: ADMINS,
    Permission.VIEW_ENGINES: ALL_ROLES,
    Permission.MANAGE_ENGINES: ADMINS,
    Permission.VIEW_PROJECTS: ALL_ROLES,
    Permission.CREATE_PROJECTS: ADMINS,
}


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a signed-in user, or an operator at the command line."""

    user: object | None = None
    label: str = ""
    source_ip: str | None = None
    is_operator: bool = False
    roles_cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_request(cls, request) -> "Actor":
        return cls(user=request.user, label=request.user.get_username(), source_ip=client_ip(request))

    @classmethod
    def operator(cls, label: str = "operator") -> "Actor":
        """Return the actor for management commands, run by whoever has shell access to the portal."""
        return cls(label=label, is_operator=True)

    @classmethod
    def system(cls) -> "Actor":
        return cls(label="system", is_operator=True)

    def __str__(self):
        return self.label


def client_ip(request) -> str | None:
    """Return the client address, taking the last proxy hop's address when behind a proxy."""
    return request.META.get("REMOTE_ADDR")


def roles_of(user, organisation: Organisation) -> frozenset[Role]:
    """Return the organisation roles a user holds (none for anonymous users and non-members)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    return frozenset(membership.roles) if membership else frozenset()


def has_permission(actor_or_user, permission: Permission, organisation: Organisation) -> bool:
    """Decide whether an actor (or a user) holds a permission in an organisation."""
    if isinstance(actor_or_user, Actor):
        if actor_or_user.is_operator:
            return True
        user = actor_or_user.user
    else:
        user = actor_or_user
    return bool(roles_of(user, organisation) & GRANTS[permission])


def require(actor_or_user, permission: Permission, organisation: Organisation) -> None:
    """Raise PermissionDenied unless the permission is held."""
    if not has_permission(actor_or_user, permission, organisation):
        raise PermissionDenied(f"You need the '{permission.value}' permission in {organisation}.")


def organisations_of(user):
    """Return the organisations a user is a member of."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).distinct()


def is_support_staff(user) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=SUPPORT_GROUP).exists()


def can_use_admin(user, *, write: bool = False) -> bool:
    """Decide access to the Django admin: superusers fully, support staff read-only."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return not write and is_support_staff(user)
