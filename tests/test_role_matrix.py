"""The role matrix: every organisation page, requested by every role, returns the expected status.

To cover a new page, add a `Row` to MATRIX: its URL name, a function that builds
the URL arguments (creating what the page shows in the given organisation), and the
status each role gets. `test_matrix_covers_every_page` fails while a URL pattern
under `/o/<org>/` has no row.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organisations import services
from organisations.models import Membership, Organisation, Role
from organisations.permissions import Actor
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation

ANONYMOUS = "anonymous"
NON_MEMBER = "non-member"
ORGANISATION_ADMIN = "organisation admin"
INFRASTRUCTURE_ADMIN = "infrastructure admin"
FINOPS_ADMIN = "finops admin"
INFRASTRUCTURE_AND_FINOPS = "infrastructure and finops admin"

# The organisation roles each test user holds; None is a signed-out visitor.
ROLES: dict[str, tuple[Role, ...] | None] = {
    ANONYMOUS: None,
    NON_MEMBER: (),
    ORGANISATION_ADMIN: (Role.ORGANISATION_ADMIN,),
    INFRASTRUCTURE_ADMIN: (Role.INFRASTRUCTURE_ADMIN,),
    FINOPS_ADMIN: (Role.FINOPS_ADMIN,),
    INFRASTRUCTURE_AND_FINOPS: (Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN),
}
MEMBER_ROLES = [name for name, roles in ROLES.items() if roles]

# Expected for a signed-out visitor: a redirect to the login page.
LOGIN = "login"


def statuses(members: int = 200, exceptions: dict[str, int] | None = None) -> dict[str, int | str]:
    """Return the expected status per role.

    Anonymous visitors go to the login page, non-members get 404, and every member role
    gets `members`, except the roles named in `exceptions`, for example
    `statuses(200, {FINOPS_ADMIN: 403})`.
    """
    expected = {ANONYMOUS: LOGIN, NON_MEMBER: 404}
    expected.update({name: members for name in MEMBER_ROLES})
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


def latest_operation_data(organisation):
    from engines.models import Operation

    return {"operation": Operation.objects.filter(organisation=organisation).latest("id").pk}


# Engine management: organisation and infrastructure admins; FinOps admins only read.
MANAGE_ENGINES_PAGE = statuses(200, {FINOPS_ADMIN: 403})
MANAGE_ENGINES_ACTION = statuses(302, {FINOPS_ADMIN: 403})

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
    Row("engines:engine-create", expected=MANAGE_ENGINES_PAGE),
    Row("engines:engine-live", engine_kwargs),
    Row("engines:engine-delete", engine_kwargs, MANAGE_ENGINES_PAGE),
    Row("engines:operation-retry", failed_operation_kwargs, MANAGE_ENGINES_ACTION, method="post",
        data=latest_operation_data),
    Row("engines:operation-cancel", failed_operation_kwargs, MANAGE_ENGINES_ACTION, method="post",
        data=latest_operation_data),
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


def sign_in(client, organisation, role_name):
    roles = ROLES[role_name]
    if roles is None:
        return
    if roles:
        client.force_login(make_member(organisation, *roles))
        return
    # A non-member is a member elsewhere, so the 404 is not about having no organisation at all.
    client.force_login(make_member(make_organisation(), Role.ORGANISATION_ADMIN))


@pytest.mark.django_db
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
