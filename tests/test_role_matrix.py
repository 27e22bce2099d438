"""The role matrix: every organisation page, requested by every role, returns the expected status.

To cover a new page, add a `Row` to MATRIX: its URL name, a function that builds
the URL arguments (creating what the page shows in the given organisation), and the
status each role gets. `test_matrix_covers_every_page` fails while a URL pattern
under `/o/<org>/` has no row.

Project roles are people invited to projects only: they hold no organisation role,
and at sign-in they become project admin (or member) of every project that the row's
URL arguments created in the organisation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organisations import services
from organisations.models import Membership, Organisation, Role
from organisations.permissions import Actor
from projects.models import Project, ProjectMember, ProjectRole
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation, make_project, make_user

ANONYMOUS = "anonymous"
NON_MEMBER = "non-member"
ORGANISATION_ADMIN = "organisation admin"
INFRASTRUCTURE_ADMIN = "infrastructure admin"
FINOPS_ADMIN = "finops admin"
INFRASTRUCTURE_AND_FINOPS = "infrastructure and finops admin"
PROJECT_ADMIN = "project admin"
PROJECT_MEMBER = "project member"

# The organisation roles each test user holds; None is a signed-out visitor.
ROLES: dict[str, tuple[Role, ...] | None] = {
    ANONYMOUS: None,
    NON_MEMBER: (),
    ORGANISATION_ADMIN: (Role.ORGANISATION_ADMIN,),
    INFRASTRUCTURE_ADMIN: (Role.INFRASTRUCTURE_ADMIN,),
    FINOPS_ADMIN: (Role.FINOPS_ADMIN,),
    INFRASTRUCTURE_AND_FINOPS: (Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN),
    PROJECT_ADMIN: (),
    PROJECT_MEMBER: (),
}
# The project role each project-only test user holds in the organisation's projects.
PROJECT_ROLES = {PROJECT_ADMIN: ProjectRole.ADMIN, PROJECT_MEMBER: ProjectRole.MEMBER}
MEMBER_ROLES = [name for name, roles in ROLES.items() if roles]

# Expected for a signed-out visitor: a redirect to the login page.
LOGIN = "login"


def statuses(members: int = 200, exceptions: dict[str, int] | None = None) -> dict[str, int | str]:
    """Return the expected status per role.

    Anonymous visitors go to the login page, non-members get 404, and every member role
    gets `members`, except the roles named in `exceptions`, for example
    `statuses(200, {FINOPS_ADMIN: 403})`. Project roles get 404, as organisation pages
    do not exist for them, unless `exceptions` names them.
    """
    expected = {ANONYMOUS: LOGIN, NON_MEMBER: 404}
    expected.update({name: members for name in MEMBER_ROLES})
    expected.update({name: 404 for name in PROJECT_ROLES})
    expected.update(exceptions or {})
    return expected


@dataclass(frozen=True)
class Row:
    """One page of the matrix: how to reach it and what each role gets."""

    url_name: str
    kwargs: Callable[[Organisation], dict] = lambda organisation: {}
    expected: dict[str, int | str] = field(default_factory=statuses)
    method: str = "get"
    data: Callable[[Organisation], dict] = lambda organisation: {}
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.url_name


def cloud_account_kwargs(organisation):
    return {"pk": make_cloud_account(organisation).pk}


def engine_kwargs(organisation):
    return {"pk": make_engine(make_cloud_account(organisation)).pk}


def foreign_cloud_account_kwargs(organisation):
    return {"pk": make_cloud_account(make_organisation()).pk}


def foreign_engine_kwargs(organisation):
    return {"pk": make_engine(make_cloud_account(make_organisation())).pk}


def invitation_kwargs(organisation):
    invitation = services.invite(organisation, "invitee@example.com", [Role.FINOPS_ADMIN], actor=Actor.operator())
    return {"pk": invitation.pk}


def foreign_invitation_kwargs(organisation):
    return invitation_kwargs(make_organisation())


def membership_kwargs(organisation):
    user = make_member(organisation, Role.FINOPS_ADMIN)
    return {"pk": Membership.objects.get(user=user, organisation=organisation).pk}


def foreign_membership_kwargs(organisation):
    return membership_kwargs(make_organisation())


def failed_operation_kwargs(organisation):
    """Create an engine whose create operation failed, so that retry and cancel have something to act on."""
    from engines.choices import OperationKind, OperationStatus
    from engines.models import Operation

    engine = make_engine(make_cloud_account(organisation))
    Operation.objects.create(organisation=organisation, engine=engine, kind=OperationKind.CREATE,
                             status=OperationStatus.FAILED)
    return {"pk": engine.pk}


def imported_engine_kwargs(organisation):
    """Create a Ready imported engine, whose checks can run again."""
    from engines.choices import EngineMode, EngineStatus

    engine = make_engine(make_cloud_account(organisation), mode=EngineMode.IMPORT, status=EngineStatus.READY,
                         parameters={"cluster_name": "research", "storage_class": "efs-sc", "nlb_ip": "52.16.0.10"})
    return {"pk": engine.pk}


def latest_operation_data(organisation):
    from engines.models import Operation

    return {"operation": Operation.objects.filter(organisation=organisation).latest("id").pk}


# Engine management: organisation and infrastructure admins; FinOps admins only read.
MANAGE_ENGINES_PAGE = statuses(200, {FINOPS_ADMIN: 403})
MANAGE_ENGINES_ACTION = statuses(302, {FINOPS_ADMIN: 403})

# Cloud account management: organisation and infrastructure admins. FinOps admins only read.
MANAGE_CLOUD_ACCOUNTS_PAGE = statuses(200, {FINOPS_ADMIN: 403})
MANAGE_CLOUD_ACCOUNTS_ACTION = statuses(302, {FINOPS_ADMIN: 403})


def cloud_account_download_kwargs(organisation):
    return {"pk": make_cloud_account(organisation).pk, "artefact": "policy"}


def cloud_account_name_data(organisation):
    return {"confirm_name": organisation.cloud_accounts.get().name}


# The members page's actions: only organisation admins manage members, and each action redirects to the page.
MANAGE_MEMBERS = statuses(members=403, exceptions={ORGANISATION_ADMIN: 302})
# An object of another organisation: an organisation admin gets 404, like for any object not found.
MANAGE_FOREIGN_MEMBERS = statuses(members=403, exceptions={ORGANISATION_ADMIN: 404})


MATRIX = [
    Row("dashboard"),
    Row("members"),
    Row("audit:event-list"),
    Row("engines:cloud-account-list"),
    Row("engines:cloud-account-detail", cloud_account_kwargs),
    Row("engines:engine-list"),
    Row("engines:engine-detail", engine_kwargs),
    # Objects of another organisation are not found through this one.
    Row(
        "engines:cloud-account-detail",
        foreign_cloud_account_kwargs,
        statuses(members=404),
        label="engines:cloud-account-detail (other organisation)",
    ),
    Row(
        "engines:engine-detail",
        foreign_engine_kwargs,
        statuses(members=404),
        label="engines:engine-detail (other organisation)",
    ),
    Row("engines:cloud-account-create", expected=MANAGE_CLOUD_ACCOUNTS_PAGE),
    Row("engines:cloud-account-edit", cloud_account_kwargs, MANAGE_CLOUD_ACCOUNTS_PAGE),
    Row("engines:cloud-account-delete", cloud_account_kwargs, MANAGE_CLOUD_ACCOUNTS_PAGE),
    Row("engines:cloud-account-delete", cloud_account_kwargs, MANAGE_CLOUD_ACCOUNTS_ACTION, method="post",
        data=cloud_account_name_data, label="engines:cloud-account-delete (post)"),
    Row("engines:cloud-account-download", cloud_account_download_kwargs),
    Row("engines:cloud-account-preflight", cloud_account_kwargs, MANAGE_CLOUD_ACCOUNTS_ACTION, method="post",
        data=lambda organisation: {"kind": "eks", "mode": "create"}),
    Row("engines:cloud-account-preflight-live", cloud_account_kwargs),
    Row("engines:engine-create", expected=MANAGE_ENGINES_PAGE),
    Row("engines:engine-live", engine_kwargs),
    Row("engines:engine-delete", engine_kwargs, MANAGE_ENGINES_PAGE),
    Row("engines:operation-retry", failed_operation_kwargs, MANAGE_ENGINES_ACTION, method="post",
        data=latest_operation_data),
    Row("engines:operation-cancel", failed_operation_kwargs, MANAGE_ENGINES_ACTION, method="post",
        data=latest_operation_data),
    Row("engines:engine-import", expected=MANAGE_ENGINES_PAGE),
    Row("engines:engine-recheck", imported_engine_kwargs, MANAGE_ENGINES_ACTION, method="post"),
    Row(
        "member-invite",
        expected=MANAGE_MEMBERS,
        method="post",
        data=lambda organisation: {"email": "new@example.com", "roles": [Role.FINOPS_ADMIN.value]},
    ),
    Row("invitation-resend", invitation_kwargs, MANAGE_MEMBERS, method="post"),
    Row("invitation-revoke", invitation_kwargs, MANAGE_MEMBERS, method="post"),
    Row(
        "member-roles",
        membership_kwargs,
        MANAGE_MEMBERS,
        method="post",
        data=lambda organisation: {"roles": [Role.INFRASTRUCTURE_ADMIN.value]},
    ),
    Row("member-remove", membership_kwargs, MANAGE_MEMBERS, method="post"),
    Row(
        "invitation-revoke",
        foreign_invitation_kwargs,
        MANAGE_FOREIGN_MEMBERS,
        method="post",
        label="invitation-revoke (other organisation)",
    ),
    Row(
        "member-remove",
        foreign_membership_kwargs,
        MANAGE_FOREIGN_MEMBERS,
        method="post",
        label="member-remove (other organisation)",
    ),
]


def project_kwargs(organisation):
    return {"pk": make_project(organisation).pk}


def foreign_project_kwargs(organisation):
    return {"pk": make_project(make_organisation()).pk}


def with_a_project(organisation):
    """Create a project, so that project roles have one in the organisation, for a page without URL arguments."""
    make_project(organisation)
    return {}


def deleted_project_kwargs(organisation):
    return {"pk": make_project(organisation, status="deleted").pk}


def failed_project_operation_kwargs(organisation):
    """Create a project whose create operation failed, so that retry and cancel have something to act on."""
    from engines.choices import OperationKind, OperationStatus
    from engines.models import Operation

    project = make_project(organisation, status="failed")
    Operation.objects.create(organisation=organisation, project=project, kind=OperationKind.CREATE,
                             status=OperationStatus.FAILED, parameters={"engines": [project.default_engine_id]})
    return {"pk": project.pk}


def project_member_kwargs(organisation):
    project = make_project(organisation)
    member = ProjectMember.objects.create(project=project, user=make_user(), role=ProjectRole.MEMBER)
    return {"pk": project.pk, "member_pk": member.pk}


def project_invitation_kwargs(organisation):
    project = make_project(organisation)
    invitation = services.invite(organisation, "invitee@example.com", actor=Actor.operator(), project_id=project.pk,
                                 project_role=ProjectRole.MEMBER)
    return {"pk": project.pk, "invitation_pk": invitation.pk}


def second_engine_kwargs(organisation):
    """Create a project with a second assigned engine, which can be unassigned."""
    from engines.choices import EngineStatus

    project = make_project(organisation)
    engine = make_engine(project.default_engine.cloud_account, status=EngineStatus.READY)
    project.engine_assignments.create(engine=engine)
    return {"pk": project.pk, "engine_pk": engine.pk}


def another_engine_data(organisation):
    """Create a Ready engine in the latest project's cloud account, for the project's assign form."""
    from engines.choices import EngineStatus

    project = Project.objects.filter(organisation=organisation).latest("id")
    return {"engine": make_engine(project.default_engine.cloud_account, status=EngineStatus.READY).pk}


def project_variable_kwargs(organisation):
    """Create a project with one sensitive variable, for its edit and delete pages."""
    from projects.services.variables import set_project_variable

    project = make_project(organisation)
    variable = set_project_variable(project, actor=Actor.operator(), name="DB_PASSWORD", value="matrix-value",
                                    scope="runtime", sensitive=True)
    return {"pk": project.pk, "variable_pk": variable.id}


def variable_upload_data(organisation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile(".env", b"LOG_LEVEL=debug\n"), "scope": "runtime"}


def latest_project_operation_data(organisation):
    from engines.models import Operation

    return {"operation": Operation.objects.filter(organisation=organisation, project__isnull=False).latest("id").pk}


# Creating projects: organisation and infrastructure admins.
CREATE_PROJECTS_PAGE = statuses(200, {FINOPS_ADMIN: 403})
# Every project page: organisation members see every project and project roles see theirs.
PROJECT_PAGE = statuses(200, {PROJECT_ADMIN: 200, PROJECT_MEMBER: 200})
# Project administration: organisation admins and project admins.
PROJECT_ADMIN_PAGE = statuses(403, {ORGANISATION_ADMIN: 200, PROJECT_ADMIN: 200, PROJECT_MEMBER: 403})
PROJECT_ADMIN_ACTION = statuses(403, {ORGANISATION_ADMIN: 302, PROJECT_ADMIN: 302, PROJECT_MEMBER: 403})
# Storage credentials: every project member, and organisation admins.
PROJECT_STORAGE_PAGE = statuses(403, {ORGANISATION_ADMIN: 200, PROJECT_ADMIN: 200, PROJECT_MEMBER: 200})
# Environment variables: every project member, and organisation admins; the other organisation roles see the
# project but not its variables.
PROJECT_VARIABLES_PAGE = statuses(403, {ORGANISATION_ADMIN: 200, PROJECT_ADMIN: 200, PROJECT_MEMBER: 200})
PROJECT_VARIABLES_ACTION = statuses(403, {ORGANISATION_ADMIN: 302, PROJECT_ADMIN: 302, PROJECT_MEMBER: 302})

MATRIX += [
    Row("projects:project-list", with_a_project, PROJECT_PAGE),
    Row("projects:project-create", expected=CREATE_PROJECTS_PAGE),
    Row("projects:project-detail", project_kwargs, PROJECT_PAGE),
    Row("projects:project-detail", foreign_project_kwargs, statuses(members=404),
        label="projects:project-detail (other organisation)"),
    Row("projects:project-live", project_kwargs, PROJECT_PAGE),
    Row("projects:project-settings", project_kwargs, PROJECT_ADMIN_PAGE),
    Row("projects:project-delete", project_kwargs, PROJECT_ADMIN_PAGE),
    Row("projects:project-purge", deleted_project_kwargs, PROJECT_ADMIN_PAGE),
    Row("projects:operation-retry", failed_project_operation_kwargs, PROJECT_ADMIN_ACTION, method="post",
        data=latest_project_operation_data),
    Row("projects:operation-cancel", failed_project_operation_kwargs, PROJECT_ADMIN_ACTION, method="post",
        data=latest_project_operation_data),
    Row("projects:project-members", project_kwargs, PROJECT_PAGE),
    Row("projects:project-members", project_kwargs, PROJECT_ADMIN_ACTION, method="post",
        data=lambda organisation: {"email": "new@example.com", "role": ProjectRole.MEMBER.value},
        label="projects:project-members (post)"),
    Row("projects:member-role", project_member_kwargs, PROJECT_ADMIN_ACTION, method="post",
        data=lambda organisation: {"role": ProjectRole.ADMIN.value}),
    Row("projects:member-remove", project_member_kwargs, PROJECT_ADMIN_ACTION, method="post"),
    Row("projects:invitation-resend", project_invitation_kwargs, PROJECT_ADMIN_ACTION, method="post"),
    Row("projects:invitation-revoke", project_invitation_kwargs, PROJECT_ADMIN_ACTION, method="post"),
    Row("projects:project-engines", project_kwargs, PROJECT_PAGE),
    Row("projects:project-engines", project_kwargs, PROJECT_ADMIN_ACTION, method="post", data=another_engine_data,
        label="projects:project-engines (post)"),
    Row("projects:engine-unassign", second_engine_kwargs, PROJECT_ADMIN_ACTION, method="post"),
    Row("projects:project-storage-credentials", project_kwargs, PROJECT_STORAGE_PAGE),
    Row("projects:project-variables", project_kwargs, PROJECT_VARIABLES_PAGE),
    Row("projects:variable-create", project_kwargs, PROJECT_VARIABLES_PAGE),
    Row("projects:variable-create", project_kwargs, PROJECT_VARIABLES_ACTION, method="post",
        data=lambda organisation: {"name": "API_TOKEN", "scope": "runtime", "value": "x", "sensitive": "on"},
        label="projects:variable-create (post)"),
    Row("projects:variable-edit", project_variable_kwargs, PROJECT_VARIABLES_PAGE),
    Row("projects:variable-edit", project_variable_kwargs, PROJECT_VARIABLES_ACTION, method="post",
        data=lambda organisation: {"value": "", "sensitive": "on"}, label="projects:variable-edit (post)"),
    Row("projects:variable-delete", project_variable_kwargs, PROJECT_VARIABLES_ACTION, method="post"),
    Row("projects:variable-import", project_kwargs, PROJECT_VARIABLES_PAGE),
    Row("projects:variable-import", project_kwargs, PROJECT_VARIABLES_PAGE, method="post", data=variable_upload_data,
        label="projects:variable-import (post)"),
    # An invalid seal redirects back to the upload page with a message.
    Row("projects:variable-import-apply", project_kwargs, PROJECT_VARIABLES_ACTION, method="post",
        data=lambda organisation: {"sealed": "not-a-seal", "fingerprint": "0" * 64}),
]


def sign_in(client, organisation, role_name):
    roles = ROLES[role_name]
    if roles is None:
        return
    if roles:
        client.force_login(make_member(organisation, *roles))
        return
    if role_name in PROJECT_ROLES:
        user = make_user()
        for project in Project.objects.filter(organisation=organisation):
            ProjectMember.objects.create(project=project, user=user, role=PROJECT_ROLES[role_name])
        client.force_login(user)
        return
    # A non-member is a member elsewhere, so the 404 is not about having no organisation at all.
    client.force_login(make_member(make_organisation(), Role.ORGANISATION_ADMIN))


@pytest.mark.django_db(databases=["default", "vault"])
@pytest.mark.parametrize("role_name", list(ROLES))
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_role_matrix(client, row, role_name):
    organisation = make_organisation()
    url = reverse(row.url_name, kwargs={"org": organisation.slug, **row.kwargs(organisation)})
    sign_in(client, organisation, role_name)

    response = getattr(client, row.method)(url, row.data(organisation))

    expected = row.expected[role_name]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == expected


def organisation_url_names(patterns=None, namespace="", inside=False):
    """Return the names of the URL patterns below `o/<slug:org>/`."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    names = set()
    for pattern in patterns:
        below = inside or str(pattern.pattern) == "o/<slug:org>/"
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= organisation_url_names(pattern.url_patterns, prefix, below)
        elif isinstance(pattern, URLPattern) and below:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_matrix_covers_every_page():
    missing = organisation_url_names() - {row.url_name for row in MATRIX}

    assert missing == set(), "Add a Row to MATRIX in tests/test_role_matrix.py for each of these URL names."


def test_url_walk_finds_organisation_pages():
    names = organisation_url_names()

    assert "dashboard" in names
    assert "engines:engine-detail" in names
    assert "home" not in names


def test_matrix_lists_every_role():
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), row.id
