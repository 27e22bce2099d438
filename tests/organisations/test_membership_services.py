"""Membership services: role changes and removal, with the last organisation admin protected."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from organisations import services
from organisations.models import Membership, Role
from organisations.permissions import Actor
from tests.factories import make_member, make_organisation


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def admin(organisation):
    return make_member(organisation, Role.ORGANISATION_ADMIN, username="olivia")


@pytest.fixture
def actor(admin):
    return Actor(user=admin, label=admin.username)


def membership_of(user, organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)


@pytest.mark.django_db
def test_change_roles_saves_roles(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    roles = [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN]

    services.change_roles(membership_of(member, organisation), roles, actor=actor)

    assert membership_of(member, organisation).roles == [Role.INFRASTRUCTURE_ADMIN, Role.FINOPS_ADMIN]


@pytest.mark.django_db
def test_change_roles_writes_audit_event(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    membership = membership_of(member, organisation)

    services.change_roles(membership, [Role.ORGANISATION_ADMIN], actor=actor)

    event = AuditEvent.objects.get(action="membership.roles_changed")
    assert event.organisation == organisation
    assert event.target_id == str(membership.pk)
    assert event.details == {"user": "dave", "old_roles": ["finops_admin"], "new_roles": ["organisation_admin"]}


@pytest.mark.django_db
def test_change_roles_unchanged_writes_nothing(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    services.change_roles(membership_of(member, organisation), [Role.FINOPS_ADMIN], actor=actor)

    assert not AuditEvent.objects.filter(action="membership.roles_changed").exists()


@pytest.mark.django_db
def test_change_roles_admin_held_alone(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")

    with pytest.raises(services.MembershipError, match="held alone"):
        services.change_roles(
            membership_of(member, organisation), [Role.ORGANISATION_ADMIN, Role.FINOPS_ADMIN], actor=actor
        )

    assert membership_of(member, organisation).roles == [Role.FINOPS_ADMIN]


@pytest.mark.django_db
def test_last_admin_cannot_be_demoted(organisation, admin, actor):
    with pytest.raises(services.LastOrganisationAdminError, match="last organisation admin"):
        services.change_roles(membership_of(admin, organisation), [Role.INFRASTRUCTURE_ADMIN], actor=actor)

    assert membership_of(admin, organisation).roles == [Role.ORGANISATION_ADMIN]
    assert not AuditEvent.objects.filter(action="membership.roles_changed").exists()


@pytest.mark.django_db
def test_last_admin_cannot_be_removed(organisation, admin, actor):
    with pytest.raises(services.LastOrganisationAdminError, match="make another member organisation admin first"):
        services.remove_member(membership_of(admin, organisation), actor=actor)

    assert Membership.objects.filter(user=admin, organisation=organisation).exists()
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


@pytest.mark.django_db
def test_admin_demoted_when_another_remains(organisation, admin, actor):
    make_member(organisation, Role.ORGANISATION_ADMIN, username="paula")

    services.change_roles(membership_of(admin, organisation), [Role.FINOPS_ADMIN], actor=actor)

    assert membership_of(admin, organisation).roles == [Role.FINOPS_ADMIN]


@pytest.mark.django_db
def test_admin_removed_when_another_remains(organisation, admin, actor):
    make_member(organisation, Role.ORGANISATION_ADMIN, username="paula")

    services.remove_member(membership_of(admin, organisation), actor=actor)

    assert not Membership.objects.filter(user=admin, organisation=organisation).exists()


@pytest.mark.django_db
def test_second_to_last_admin_then_last(organisation, admin, actor):
    other = make_member(organisation, Role.ORGANISATION_ADMIN, username="paula")
    services.change_roles(membership_of(other, organisation), [Role.FINOPS_ADMIN], actor=actor)

    with pytest.raises(services.LastOrganisationAdminError):
        services.change_roles(membership_of(admin, organisation), [Role.FINOPS_ADMIN], actor=actor)


@pytest.mark.django_db
def test_admin_of_other_organisation_not_counted(organisation, admin, actor):
    other = make_organisation()
    Membership.objects.create(user=admin, organisation=other, **Membership.role_fields([Role.ORGANISATION_ADMIN]))

    with pytest.raises(services.LastOrganisationAdminError):
        services.remove_member(membership_of(admin, organisation), actor=actor)


@pytest.mark.django_db
def test_remove_member_writes_audit_event(organisation, actor):
    member = make_member(organisation, Role.FINOPS_ADMIN, username="dave")
    membership = membership_of(member, organisation)

    services.remove_member(membership, actor=actor)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.removed")
    assert event.target_id == str(membership.pk)
    assert event.details == {"user": "dave", "roles": ["finops_admin"]}


@pytest.mark.django_db
def test_member_changes_need_manage_members(organisation, admin):
    infrastructure = make_member(organisation, Role.INFRASTRUCTURE_ADMIN, username="ivan")
    ivan = Actor(user=infrastructure, label="ivan")

    with pytest.raises(PermissionDenied):
        services.change_roles(membership_of(admin, organisation), [Role.FINOPS_ADMIN], actor=ivan)
    with pytest.raises(PermissionDenied):
        services.remove_member(membership_of(admin, organisation), actor=ivan)

    assert membership_of(admin, organisation).roles == [Role.ORGANISATION_ADMIN]
