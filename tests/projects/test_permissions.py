"""Project permissions in the permission module: project roles, organisation roles, and who sees which project."""

import pytest
from django.contrib.auth.models import Group

from organisations.models import Role
from organisations.permissions import (
    Actor,
    SUPPORT_GROUP,
    ProjectPermission,
    can_manage_variables,
    can_see_projects,
    has_project_permission,
    project_organisations_of,
    visible_projects,
)
from projects.models import ProjectMember, ProjectRole
from tests.factories import make_member, make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db

MEMBER_PERMISSIONS = {
    ProjectPermission.VIEW,
    ProjectPermission.MANAGE_VARIABLES,
    ProjectPermission.REQUEST_STORAGE_CREDENTIALS,
}


@pytest.fixture
def project():
    return make_project(make_organisation())


def project_user(project, role):
    user = make_user()
    ProjectMember.objects.create(project=project, user=user, role=role)
    return user


def granted(user, project) -> set:
    return {permission for permission in ProjectPermission if has_project_permission(user, permission, project)}


def test_project_admin_holds_every_permission(project):
    assert granted(project_user(project, ProjectRole.ADMIN), project) == set(ProjectPermission)


def test_project_member_manages_variables_only(project):
    assert granted(project_user(project, ProjectRole.MEMBER), project) == MEMBER_PERMISSIONS


def test_organisation_admin_holds_every_permission(project):
    user = make_member(project.organisation, Role.ORGANISATION_ADMIN)

    assert granted(user, project) == set(ProjectPermission)


@pytest.mark.parametrize("role", [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN])
def test_other_organisation_roles_only_view(project, role):
    user = make_member(project.organisation, role)

    assert granted(user, project) == {ProjectPermission.VIEW}


def test_project_role_adds_to_organisation_role(project):
    user = make_member(project.organisation, Role.INFRASTRUCTURE_ADMIN)
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.ADMIN)

    assert granted(user, project) == set(ProjectPermission)


def test_member_of_another_project_holds_nothing(project):
    other = make_project(project.organisation)
    user = project_user(other, ProjectRole.ADMIN)

    assert granted(user, project) == set()


def test_operator_holds_every_permission(project):
    assert granted(Actor.operator(), project) == set(ProjectPermission)


def test_inactive_member_holds_nothing(project):
    user = project_user(project, ProjectRole.ADMIN)
    user.is_active = False
    user.save()

    assert granted(user, project) == set()


def test_guest_sees_own_projects_only(project):
    other = make_project(project.organisation)
    guest = project_user(project, ProjectRole.MEMBER)

    assert can_see_projects(guest, project.organisation)
    assert list(visible_projects(guest, project.organisation)) == [project]
    assert other not in visible_projects(guest, project.organisation)
    assert list(project_organisations_of(guest)) == [project.organisation]


def test_organisation_member_sees_every_project(project):
    other = make_project(project.organisation)
    user = make_member(project.organisation, Role.FINOPS_ADMIN)

    assert set(visible_projects(user, project.organisation)) == {project, other}


def test_stranger_sees_no_project(project):
    stranger = make_member(make_organisation(), Role.ORGANISATION_ADMIN)

    assert not can_see_projects(stranger, project.organisation)
    assert not visible_projects(stranger, project.organisation).exists()


@pytest.mark.parametrize("role", [ProjectRole.ADMIN, ProjectRole.MEMBER])
def test_project_roles_manage_variables(project, role):
    assert can_manage_variables(project_user(project, role), project)


def test_organisation_admin_manages_variables(project):
    assert can_manage_variables(make_member(project.organisation, Role.ORGANISATION_ADMIN), project)


@pytest.mark.parametrize("role", [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN])
def test_other_organisation_roles_cannot_read_variables(project, role):
    assert not can_manage_variables(make_member(project.organisation, role), project)


def test_support_staff_cannot_read_variables(project):
    user = make_user()
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name=SUPPORT_GROUP)[0])

    assert not can_manage_variables(user, project)
