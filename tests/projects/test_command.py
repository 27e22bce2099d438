"""`manage.py project`: create, show and delete, against the sandbox clouds."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Invitation, Role
from projects.models import ProjectStatus
from tests.factories import make_member
from tests.projects import cloud_state

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])


def run(*arguments) -> str:
    output = io.StringIO()
    call_command("project", *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture
def created(cloud, sync_tasks):
    """Create the project "Vision" through the command, with one organisation member and one outsider."""
    make_member(cloud.organisation, Role.FINOPS_ADMIN, username="grace")
    output = run("create", "--org", cloud.organisation.slug, "--name", "Vision",
                 "--repo", "git@github.com:acme/vision.git", "--engine", cloud.engine.name,
                 "--member", "grace@example.com:admin", "--member", "outsider@example.com:member",
                 "--label", "team=vision", "--wait")
    return cloud.organisation.projects.get(name="Vision"), output


def test_create_reports_namespace_and_waits(created):
    project, output = created

    project.refresh_from_db()
    assert f"namespace {project.namespace}" in output
    assert "Create succeeded." in output
    assert project.status == ProjectStatus.READY
    assert project.labels == {"team": "vision"}
    assert project.members.get(user__username="grace").role == "admin"
    assert Invitation.objects.filter(email="outsider@example.com", project_id=project.pk).exists()


def test_show_json(created, cloud):
    project, _ = created

    data = json.loads(run("show", "Vision", "--org", cloud.organisation.slug, "--json"))

    assert data["name"] == "Vision"
    assert data["namespace"] == project.namespace
    assert data["status"] == "ready"
    assert sorted(bucket["name"] for bucket in data["buckets"]) == sorted(project.bucket_names().values())
    assert data["registry"]["name"] == project.repository_name
    assert data["registry"]["uri"].endswith(f"/{project.repository_name}")
    assert {resource["type"] for resource in data["resources"]} == {
        "s3_bucket", "ecr_repository", "iam_role", "k8s_namespace", "k8s_service_account", "k8s_secret",
    }


def test_delete_keeps_storage(created, cloud):
    project, _ = created

    output = run("delete", "Vision", "--org", cloud.organisation.slug, "--yes", "--wait")

    data = json.loads(run("show", "Vision", "--org", cloud.organisation.slug, "--json"))
    assert "buckets and registry are kept" in output
    assert data["status"] == "deleted"
    assert all(bucket["retained"] for bucket in data["buckets"])
    assert data["registry"]["retained"]
    assert len(data["retained"]) == 3
    assert len(cloud_state.existing_buckets(cloud.aws, project)) == 2


def test_purge_after_delete(created, cloud):
    project, _ = created
    run("delete", "Vision", "--org", cloud.organisation.slug, "--yes", "--wait")

    run("delete", "Vision", "--org", cloud.organisation.slug, "--yes", "--purge", "--wait")

    data = json.loads(run("show", "Vision", "--org", cloud.organisation.slug, "--json"))
    assert data["retained"] == []
    assert cloud_state.existing_buckets(cloud.aws, project) == []
    assert cloud_state.existing_repositories(cloud.aws, project) == []


def test_delete_needs_yes(created, cloud):
    with pytest.raises(CommandError, match="--yes"):
        run("delete", "Vision", "--org", cloud.organisation.slug)


def test_create_rejects_bad_member(cloud):
    with pytest.raises(CommandError, match="EMAIL:admin"):
        run("create", "--org", cloud.organisation.slug, "--name", "Vision", "--repo",
            "https://github.com/acme/vision", "--engine", cloud.engine.name, "--member", "grace@example.com:owner")


def test_create_reports_invalid_repository(cloud):
    with pytest.raises(CommandError) as caught:
        run("create", "--org", cloud.organisation.slug, "--name", "Vision", "--repo", "http://github.com/acme/vision",
            "--engine", cloud.engine.name)

    assert "plain http" in str(caught.value)
    assert not cloud.organisation.projects.exists()


def test_unknown_project_lists_known(cloud):
    with pytest.raises(CommandError, match="not found"):
        run("show", "Nothing", "--org", cloud.organisation.slug)
