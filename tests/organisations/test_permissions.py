"""The permission module, the membership constraints, and support staff in the Django admin."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from organisations.models import Membership, Role
from organisations.permissions import (
    SUPPORT_GROUP,
    Actor,
    Permission,
    can_use_admin,
    has_permission,
    require,
)
from tests.factories import make_member, make_organisation, make_user

# social-auth's own tables hold OpenID association secrets and sign-in nonces: support staff never see them.
APPS_HIDDEN_FROM_SUPPORT = {"social_django"}


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def support_user():
    user = make_user("support", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return user


@pytest.mark.django_db
def test_operator_allowed_everything(organisation):
    operator = Actor.operator()

    for permission in Permission:
        assert has_permission(operator, permission, organisation), permission


@pytest.mark.django_db
def test_organisation_admin_manages_members(organisation):
    user = make_member(organisation, Role.ORGANISATION_ADMIN)

    assert has_permission(user, Permission.MANAGE_MEMBERS, organisation)


@pytest.mark.django_db
def test_infrastructure_admin_manages_engines(organisation):
    user = make_member(organisation, Role.INFRASTRUCTURE_ADMIN)

    assert has_permission(user, Permission.MANAGE_ENGINES, organisation)
    assert has_permission(user, Permission.MANAGE_CLOUD_ACCOUNTS, organisation)
    assert not has_permission(user, Permission.MANAGE_MEMBERS, organisation)


@pytest.mark.django_db
def test_finops_admin_only_views(organisation):
    user = make_member(organisation, Role.FINOPS_ADMIN)

    assert has_permission(user, Permission.VIEW_ENGINES, organisation)
    assert not has_permission(user, Permission.MANAGE_ENGINES, organisation)
    assert not has_permission(user, Permission.MANAGE_CLOUD_ACCOUNTS, organisation)
    assert not has_permission(user, Permission.CREATE_PROJECTS, organisation)


@pytest.mark.django_db
def test_combined_roles_add_up(organisation):
    user = make_member(organisation, Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN)

    assert has_permission(user, Permission.MANAGE_ENGINES, organisation)
    assert not has_permission(user, Permission.MANAGE_MEMBERS, organisation)


@pytest.mark.django_db
def test_roles_stop_at_organisation(organisation):
    user = make_member(make_organisation(), Role.ORGANISATION_ADMIN)

    assert not has_permission(user, Permission.VIEW_ORGANISATION, organisation)


@pytest.mark.django_db
def test_inactive_user_has_nothing(organisation):
    user = make_member(organisation, Role.ORGANISATION_ADMIN)
    user.is_active = False
    user.save()

    assert not has_permission(user, Permission.VIEW_ORGANISATION, organisation)


@pytest.mark.django_db
def test_anonymous_has_nothing(organisation):
    assert not has_permission(AnonymousUser(), Permission.VIEW_ORGANISATION, organisation)


@pytest.mark.django_db
def test_user_actor_uses_roles(organisation):
    actor = Actor(user=make_member(organisation, Role.FINOPS_ADMIN), label="finops")

    assert has_permission(actor, Permission.VIEW_AUDIT, organisation)
    assert not has_permission(actor, Permission.MANAGE_ENGINES, organisation)


@pytest.mark.django_db
def test_require_raises_when_missing(organisation):
    user = make_member(organisation, Role.FINOPS_ADMIN)

    with pytest.raises(PermissionDenied, match="engine.manage"):
        require(user, Permission.MANAGE_ENGINES, organisation)


@pytest.mark.django_db
def test_organisation_admin_held_alone(organisation):
    user = make_user()

    with pytest.raises(IntegrityError, match="membership_organisation_admin_held_alone|CHECK constraint"):
        with transaction.atomic():
            Membership.objects.create(
                user=user, organisation=organisation, is_organisation_admin=True, is_finops_admin=True
            )


@pytest.mark.django_db
def test_membership_needs_a_role(organisation):
    user = make_user()

    with pytest.raises(IntegrityError, match="membership_has_a_role|CHECK constraint"):
        with transaction.atomic():
            Membership.objects.create(user=user, organisation=organisation)


@pytest.mark.django_db
def test_support_group_has_view_permissions():
    group = Group.objects.get(name=SUPPORT_GROUP)

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_organisation", "view_membership", "view_auditevent", "view_engine", "view_operation"} <= codenames
    assert all(codename.startswith("view_") for codename in codenames)


@pytest.mark.django_db
def test_support_user_reads_admin_only(support_user):
    assert can_use_admin(support_user)
    assert not can_use_admin(support_user, write=True)


@pytest.mark.django_db
def test_staff_outside_support_has_no_admin():
    assert not can_use_admin(make_user(is_staff=True))


# The secrets vault's models are in the `vault` database.
@pytest.mark.django_db(databases=["default", "vault"])
def test_support_views_every_changelist(client, support_user):
    client.force_login(support_user)

    not_viewable = {}
    for model in admin.site._registry:
        if model._meta.app_label in APPS_HIDDEN_FROM_SUPPORT:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        status = client.get(url).status_code
        if status != 200:
            not_viewable[url] = status

    assert not_viewable == {}


@pytest.mark.django_db
def test_support_cannot_view_social_auth(client, support_user):
    client.force_login(support_user)

    viewable = {}
    for model in admin.site._registry:
        if model._meta.app_label not in APPS_HIDDEN_FROM_SUPPORT:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        status = client.get(url).status_code
        if status != 403:
            viewable[url] = status

    assert viewable == {}


@pytest.mark.django_db
def test_support_cannot_open_add_pages(client, support_user):
    client.force_login(support_user)

    opened = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        status = client.get(url).status_code
        if status != 403:
            opened[url] = status

    assert opened == {}


@pytest.mark.django_db
def test_support_has_no_write_permission(support_user):
    request = RequestFactory().get("/admin/")
    request.user = support_user

    allowed = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            allowed.append(f"add {model._meta.label}")
        if model_admin.has_change_permission(request):
            allowed.append(f"change {model._meta.label}")
        if model_admin.has_delete_permission(request):
            allowed.append(f"delete {model._meta.label}")

    assert allowed == []


@pytest.mark.django_db
def test_support_cannot_change_organisation(client, support_user, organisation):
    client.force_login(support_user)
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])

    response = client.post(url, {"name": "Renamed", "slug": organisation.slug})

    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name != "Renamed"


@pytest.mark.django_db
def test_support_cannot_delete_organisation(client, support_user, organisation):
    client.force_login(support_user)
    url = reverse("admin:organisations_organisation_delete", args=[organisation.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert type(organisation).objects.filter(pk=organisation.pk).exists()
