"""Project services without clouds: creation checks, members, invitations and settings."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from engines.choices import EngineKind, EngineStatus, OperationKind
from organisations import services as organisation_services
from organisations.models import Invitation, InvitationKind, Role
from organisations.permissions import Actor
from projects.models import ProjectMember, ProjectRole, ProjectStatus
from projects.services import members as member_services
from projects.services.projects import create_project, update_project_settings
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db

REPOSITORY = "git@github.com:acme/research.git"


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def engine(organisation):
    return make_engine(make_cloud_account(organisation), status=EngineStatus.READY)


@pytest.fixture
def admin(organisation):
    user = make_member(organisation, Role.INFRASTRUCTURE_ADMIN, username="ada")
    return Actor(user=user, label=user.username)


def create(organisation, engine, actor, **fields):
    fields.setdefault("name", "Vision")
    fields.setdefault("repository_url", REPOSITORY)
    fields.setdefault("engines", [engine])
    fields.setdefault("default_engine", engine)
    return create_project(organisation, actor=actor, **fields)


def test_create_records_project_and_operation(organisation, engine, admin):
    project = create(organisation, engine, admin, labels={"team": "vision"})

    operation = project.operations.get()
    assert project.namespace.startswith("vision-")
    assert project.repository_provider == "github"
    assert project.status == ProjectStatus.PENDING
    assert operation.kind == OperationKind.CREATE
    assert operation.parameters == {"engines": [engine.pk]}
    assert list(project.engine_assignments.values_list("engine", flat=True)) == [engine.pk]
    assert AuditEvent.objects.filter(action="project.create_requested", target_id=str(project.pk)).exists()


def test_creator_becomes_project_admin(organisation, engine, admin):
    project = create(organisation, engine, admin)

    assert project.members.get().user == admin.user
    assert project.members.get().role == ProjectRole.ADMIN


def test_finops_admin_cannot_create(organisation, engine):
    user = make_member(organisation, Role.FINOPS_ADMIN)

    with pytest.raises(PermissionDenied):
        create(organisation, engine, Actor(user=user, label=user.username))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "-vision"}, "not a valid project name"),
        ({"repository_url": "http://github.com/acme/research"}, "plain http"),
        ({"engines": []}, "at least one engine"),
        ({"labels": {"kubernetes.io/x": "y"}}, "reserved"),
    ],
)
def test_create_rejects(organisation, engine, admin, fields, message):
    with pytest.raises(ValidationError) as caught:
        create(organisation, engine, admin, **fields)

    assert message in " ".join(caught.value.messages)
    assert not organisation.projects.exists()


def test_create_rejects_unready_engine(organisation, engine, admin):
    other = make_engine(engine.cloud_account, status=EngineStatus.FAILED)

    with pytest.raises(ValidationError) as caught:
        create(organisation, engine, admin, engines=[engine, other])

    assert "only Ready engines" in caught.value.messages[0]


def test_create_rejects_foreign_engine(organisation, engine, admin):
    foreign = make_engine(make_cloud_account(make_organisation()), status=EngineStatus.READY)

    with pytest.raises(ValidationError) as caught:
        create(organisation, foreign, admin)

    assert "another organisation" in caught.value.messages[0]


def test_create_rejects_non_eks_engine(organisation, admin):
    engine = make_engine(make_cloud_account(organisation), status=EngineStatus.READY, kind=EngineKind.GKE)

    with pytest.raises(ValidationError) as caught:
        create(organisation, engine, admin)

    assert "EKS engines only" in caught.value.messages[0]


def test_default_engine_must_be_chosen(organisation, engine, admin):
    other = make_engine(engine.cloud_account, status=EngineStatus.READY)

    with pytest.raises(ValidationError):
        create(organisation, engine, admin, engines=[other], default_engine=engine)


def test_live_name_unique_deleted_name_reusable(organisation, engine, admin):
    first = create(organisation, engine, admin)
    with pytest.raises(ValidationError):
        create(organisation, engine, admin)

    first.status = ProjectStatus.DELETED
    first.save()
    second = create(organisation, engine, admin)

    assert second.namespace != first.namespace


def test_organisation_member_joins_at_once(organisation, engine, admin):
    grace = make_member(organisation, Role.FINOPS_ADMIN, username="grace")

    project = create(organisation, engine, admin, members=[(grace.email, ProjectRole.MEMBER)])

    assert project.members.get(user=grace).role == ProjectRole.MEMBER
    assert not Invitation.objects.filter(email=grace.email).exists()


def test_outsider_gets_48_hour_invitation(organisation, engine, admin, mailoutbox):
    project = create(organisation, engine, admin, members=[("newcomer@example.com", ProjectRole.ADMIN)],
                     request=None)

    invitation = Invitation.objects.get(email="newcomer@example.com")
    assert invitation.kind == InvitationKind.PROJECT
    assert invitation.project_id == project.pk
    assert invitation.project_role == ProjectRole.ADMIN
    assert abs(invitation.expires_at - (timezone.now() + timedelta(hours=48))) < timedelta(minutes=1)
    assert not project.members.filter(user__email="newcomer@example.com").exists()


def test_accepted_invitation_adds_member(organisation, engine, admin):
    project = create(organisation, engine, admin, members=[("newcomer@example.com", ProjectRole.MEMBER)])
    invitation = Invitation.objects.get(email="newcomer@example.com")
    newcomer = make_user("newcomer", email="newcomer@example.com")

    organisation_services.accept(invitation, user=newcomer, actor=Actor(user=newcomer, label="newcomer"))

    assert project.members.get(user=newcomer).role == ProjectRole.MEMBER
    assert AuditEvent.objects.filter(action="project.member_added", actor=newcomer).exists()


def test_invitation_to_deleted_project_adds_nobody(organisation, engine, admin):
    project = create(organisation, engine, admin, members=[("newcomer@example.com", ProjectRole.MEMBER)])
    project.status = ProjectStatus.DELETED
    project.save()
    newcomer = make_user("newcomer", email="newcomer@example.com")

    organisation_services.accept(Invitation.objects.get(email="newcomer@example.com"), user=newcomer,
                                 actor=Actor(user=newcomer, label="newcomer"))

    assert not project.members.filter(user=newcomer).exists()


def test_project_member_cannot_invite():
    project = make_project(make_organisation())
    user = make_user()
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.MEMBER)

    with pytest.raises(PermissionDenied):
        member_services.invite_member(project, "friend@example.com", ProjectRole.MEMBER,
                                      actor=Actor(user=user, label=user.username))

    assert not Invitation.objects.filter(email="friend@example.com").exists()


def test_project_admin_invites():
    project = make_project(make_organisation())
    user = make_user()
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.ADMIN)

    outcome = member_services.invite_member(project, "friend@example.com", ProjectRole.MEMBER,
                                            actor=Actor(user=user, label=user.username))

    assert outcome == member_services.INVITED
    assert Invitation.objects.filter(email="friend@example.com", project_id=project.pk).exists()


def test_second_open_invitation_rejected():
    project = make_project(make_organisation())
    member_services.invite_member(project, "friend@example.com", ProjectRole.MEMBER, actor=Actor.operator())

    with pytest.raises(ValidationError) as caught:
        member_services.invite_member(project, "friend@example.com", ProjectRole.MEMBER, actor=Actor.operator())

    assert "already has an open invitation" in caught.value.messages[0]


def test_last_project_admin_kept():
    project = make_project(make_organisation())
    only_admin = ProjectMember.objects.create(project=project, user=make_user(), role=ProjectRole.ADMIN)

    with pytest.raises(ValidationError):
        member_services.remove_member(only_admin, actor=Actor.operator())
    with pytest.raises(ValidationError):
        member_services.change_member_role(only_admin, ProjectRole.MEMBER, actor=Actor.operator())

    second = ProjectMember.objects.create(project=project, user=make_user(), role=ProjectRole.ADMIN)
    member_services.change_member_role(only_admin, ProjectRole.MEMBER, actor=Actor.operator())
    assert project.members.get(pk=only_admin.pk).role == ProjectRole.MEMBER
    assert project.members.get(pk=second.pk).role == ProjectRole.ADMIN


def test_new_labels_start_reconcile():
    project = make_project(make_organisation())

    update_project_settings(project, actor=Actor.operator(), description="", repository_url=project.repository_url,
                            labels={"team": "vision"})

    project.refresh_from_db()
    assert project.labels == {"team": "vision"}
    assert project.operations.get().kind == OperationKind.RECONCILE


def test_repository_change_needs_no_operation():
    project = make_project(make_organisation())

    update_project_settings(project, actor=Actor.operator(), description="",
                            repository_url="https://gitlab.com/acme/vision.git", labels={})

    project.refresh_from_db()
    assert project.repository_url == "https://gitlab.com/acme/vision"
    assert project.repository_provider == "gitlab"
    assert not project.operations.exists()
    assert AuditEvent.objects.filter(action="project.settings_changed").count() == 1


def test_unchanged_settings_record_nothing():
    project = make_project(make_organisation())

    update_project_settings(project, actor=Actor.operator(), description="", repository_url=project.repository_url,
                            labels={})

    assert not AuditEvent.objects.filter(action="project.settings_changed").exists()
