"""Storage credentials for people: one hour, the project's buckets only, shown once, audited without secrets."""

import json
from datetime import timedelta

import boto3
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from organisations.models import Role
from organisations.permissions import Actor
from projects import naming
from projects.models import ProjectMember, ProjectRole
from projects.services.credentials import request_storage_credentials, session_policy
from tests.factories import make_member, make_user
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])


@pytest.fixture
def project(cloud, sync_tasks):
    project = new_project(cloud.organisation, cloud.engine)
    project.refresh_from_db()
    return project


@pytest.fixture
def member(project):
    user = make_user("ada")
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.MEMBER)
    return user


def test_credentials_are_storage_role_session(project, cloud, member):
    credentials = request_storage_credentials(project, actor=Actor(user=member, label="ada"))

    sts = boto3.client(
        "sts", region_name="eu-west-1", endpoint_url=cloud.aws.endpoint,
        aws_access_key_id=credentials.access_key_id, aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )
    caller = sts.get_caller_identity()["Arn"]

    assert caller.endswith(f":assumed-role/{naming.storage_role_name(project)}/aichor-ada")


def test_credentials_last_one_hour_at_most(project, member):
    credentials = request_storage_credentials(project, actor=Actor(user=member, label="ada"))

    assert credentials.expires_at - timezone.now() <= timedelta(hours=1, seconds=5)
    assert credentials.buckets == project.bucket_names()


def test_secret_parts_hidden_from_repr(project, member):
    credentials = request_storage_credentials(project, actor=Actor(user=member, label="ada"))

    assert credentials.secret_access_key not in repr(credentials)
    assert credentials.session_token not in repr(credentials)


def test_session_policy_names_project_buckets_only(project):
    document = json.loads(session_policy(project, "aws"))
    resources = {resource for statement in document["Statement"] for resource in statement["Resource"]}

    names = project.bucket_names().values()
    assert resources == {f"arn:aws:s3:::{name}" for name in names} | {f"arn:aws:s3:::{name}/*" for name in names}


def test_each_request_audited_without_secrets(project, member):
    first = request_storage_credentials(project, actor=Actor(user=member, label="ada"))
    second = request_storage_credentials(project, actor=Actor(user=member, label="ada"))

    events = AuditEvent.objects.filter(action="project.storage_credentials_issued")
    assert events.count() == 2
    text = json.dumps(list(events.values_list("details", flat=True)))
    for credentials in (first, second):
        assert credentials.secret_access_key not in text
        assert credentials.session_token not in text
        assert credentials.access_key_id not in text


def test_infrastructure_admin_refused(project):
    user = make_member(project.organisation, Role.INFRASTRUCTURE_ADMIN)

    with pytest.raises(PermissionDenied):
        request_storage_credentials(project, actor=Actor(user=user, label=user.username))


def test_page_shown_once_and_never_cached(project, member, client):
    client.force_login(member)
    url = reverse("projects:project-storage-credentials", kwargs={"org": project.organisation.slug, "pk": project.pk})

    response = client.post(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    credentials_text = response.content.decode()
    assert "AWS_SESSION_TOKEN=" in credentials_text
    assert project.bucket_names()["inputs"] in credentials_text
    follow_up = client.get(url)
    assert "AWS_SESSION_TOKEN=" not in follow_up.content.decode()
    assert "no-store" in follow_up["Cache-Control"]
