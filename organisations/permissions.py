"""The one place that decides who may do what.

Views, management commands and the Django admin all ask `has_permission` or
`require`. A permission is granted to organisation roles; support staff (the
`support` group) may read through the Django admin, and retry or cancel operations there.

Inside a project, `has_project_permission` decides: project permissions are granted to
project roles (project admin, member) and to organisation roles, so that an
organisation admin keeps every power over the organisation's projects.
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
    """The performer of an action: a signed-in user, or an operator at the command line."""

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
        """Return the actor for management commands, run by an operator with shell access to the portal."""
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
    """Return the organisation roles of a user (none for anonymous users and non-members)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    return frozenset(membership.roles) if membership else frozenset()


def has_permission(actor_or_user, permission: Permission, organisation: Organisation) -> bool:
    """Decide whether an actor (or a user) has a permission in an organisation."""
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


class ProjectPermission(str, Enum):
    VIEW = "project.view"
    MANAGE_MEMBERS = "project.members.manage"
    MANAGE_ENGINES = "project.engines.manage"
    MANAGE_SETTINGS = "project.settings.manage"
    MANAGE_VARIABLES = "project.variables.manage"
    REQUEST_STORAGE_CREDENTIALS = "project.storage_credentials.request"
    DELETE = "project.delete"
    RUN_OPERATIONS = "project.operations.run"


ALL_PROJECT_PERMISSIONS = frozenset(ProjectPermission)
# Project members run experiments: they manage variables and read the project's buckets.
PROJECT_MEMBER_PERMISSIONS = frozenset({
    ProjectPermission.VIEW,
    ProjectPermission.MANAGE_VARIABLES,
    ProjectPermission.REQUEST_STORAGE_CREDENTIALS,
})

# Keyed by the values of projects.models.ProjectRole, which this module cannot import at load time.
PROJECT_ROLE_GRANTS: dict[str, frozenset[ProjectPermission]] = {
    "admin": ALL_PROJECT_PERMISSIONS,
    "member": PROJECT_MEMBER_PERMISSIONS,
}
ORGANISATION_ROLE_PROJECT_GRANTS: dict[Role, frozenset[ProjectPermission]] = {
    Role.ORGANISATION_ADMIN: ALL_PROJECT_PERMISSIONS,
    Role.INFRASTRUCTURE_ADMIN: frozenset({ProjectPermission.VIEW}),
    Role.FINOPS_ADMIN: frozenset({ProjectPermission.VIEW}),
}


def project_role_of(user, project) -> str | None:
    """Return the project role a user holds in a project ("admin" or "member"), or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    from projects.models import ProjectMember

    return ProjectMember.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def project_permissions_of(actor_or_user, project) -> frozenset[ProjectPermission]:
    """Return every project permission an actor (or a user) holds in a project."""
    if isinstance(actor_or_user, Actor):
        if actor_or_user.is_operator:
            return ALL_PROJECT_PERMISSIONS
        user = actor_or_user.user
    else:
        user = actor_or_user
    granted = set(PROJECT_ROLE_GRANTS.get(project_role_of(user, project), ()))
    for role in roles_of(user, project.organisation):
        granted |= ORGANISATION_ROLE_PROJECT_GRANTS[role]
    return frozenset(granted)


def has_project_permission(actor_or_user, permission: ProjectPermission, project) -> bool:
    """Decide whether an actor (or a user) holds a permission in a project."""
    return permission in project_permissions_of(actor_or_user, project)


def require_project(actor_or_user, permission: ProjectPermission, project) -> None:
    """Raise PermissionDenied unless the project permission is held."""
    if not has_project_permission(actor_or_user, permission, project):
        raise PermissionDenied(f"You need the '{permission.value}' permission in project {project}.")


def can_manage_variables(actor_or_user, project) -> bool:
    """Decide whether an actor (or a user) may read and change a project's environment variables.

    Project admins and members may, and so may organisation admins, who hold every project
    permission. Infrastructure and FinOps admins open the project but not its variables. Support
    staff see only whether a value is set, in the Django admin.
    """
    return has_project_permission(actor_or_user, ProjectPermission.MANAGE_VARIABLES, project)


def can_see_projects(user, organisation: Organisation) -> bool:
    """Decide whether a user may open the organisation's project list: its members and project members may."""
    if roles_of(user, organisation):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    from projects.models import ProjectMember

    return ProjectMember.objects.filter(user=user, project__organisation=organisation).exists()


def visible_projects(user, organisation: Organisation):
    """Return the projects a user may see: all of them for organisation members, else their own."""
    from projects.models import Project

    projects = Project.objects.filter(organisation=organisation)
    if roles_of(user, organisation):
        return projects
    if user is None or not user.is_authenticated or not user.is_active:
        return projects.none()
    return projects.filter(members__user=user)


def organisations_of(user):
    """Return the organisations a user is a member of."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).distinct()


def project_organisations_of(user):
    """Return the organisations in which a user is a member of at least one project."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(projects__members__user=user).distinct()


def is_support_staff(user) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=SUPPORT_GROUP).exists()


def can_use_admin(user, *, write: bool = False) -> bool:
    """Decide access to the Django admin: superusers fully, support staff read-only."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    return not write and is_support_staff(user)


def can_run_safe_admin_actions(user) -> bool:
    """Decide who may retry or cancel an operation from the Django admin: superusers and support staff.

    These actions go through the same services as the engine page, which audit them.
    """
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or is_support_staff(user)
