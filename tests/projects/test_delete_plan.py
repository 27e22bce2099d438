"""Project deletion: namespaces and roles go, buckets and registry stay until purged by name."""

import json

import pytest
from django.core.exceptions import ValidationError

from engines.choices import OperationStatus, ResourceState
from engines.services.engines import engine_users
from organisations.permissions import Actor
from projects.models import ProjectStatus
from projects.services.projects import start_project_deletion, start_purge
from tests.projects import cloud_state
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])

STORAGE_TYPES = {"s3_bucket", "ecr_repository"}
# A minimal image manifest that moto's ECR accepts.
IMAGE_MANIFEST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
               "digest": "sha256:" + "a" * 64},
    "layers": [],
})


@pytest.fixture
def project(cloud, sync_tasks):
    project = new_project(cloud.organisation, cloud.engine)
    project.refresh_from_db()
    assert project.status == ProjectStatus.READY, project.status_reason
    return project


def fill_with_versions(aws, bucket: str) -> None:
    """Write two versions and a delete marker of one key, and a plain object, with the bucket policy set aside.

    moto ignores the policy's conditions, so its Deny statements would refuse these writes.
    """
    s3 = aws.client("s3")
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data.csv", Body=b"first")
    s3.put_object(Bucket=bucket, Key="data.csv", Body=b"second")
    s3.delete_object(Bucket=bucket, Key="data.csv")
    s3.put_object(Bucket=bucket, Key="model.bin", Body=b"weights")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)


def push_image(aws, project) -> None:
    aws.client("ecr", "eu-west-1").put_image(repositoryName=project.repository_name, imageManifest=IMAGE_MANIFEST,
                                             imageTag="latest")


def test_delete_keeps_buckets_and_registry(project, cloud):
    start_project_deletion(project, actor=Actor.operator())

    project.refresh_from_db()
    operation = project.operations.latest("id")
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert project.status == ProjectStatus.DELETED
    assert cloud_state.namespace(cloud.engine, project) is None
    assert cloud_state.existing_roles(cloud.aws, project) == []
    assert len(cloud_state.existing_buckets(cloud.aws, project)) == 2
    assert cloud_state.existing_repositories(cloud.aws, project) == [project.repository_name]


def test_delete_lists_storage_as_retained(project, cloud):
    start_project_deletion(project, actor=Actor.operator())

    storage = project.resources.filter(type__in=STORAGE_TYPES)
    others = project.resources.exclude(type__in=STORAGE_TYPES)
    assert storage.count() == 3
    assert set(storage.values_list("retained", "state")) == {(True, ResourceState.PRESENT)}
    assert set(others.values_list("state", flat=True)) == {ResourceState.DELETED}
    assert not others.filter(retained=True).exists()


def test_retained_buckets_open_to_portal_role_only(project, cloud):
    start_project_deletion(project, actor=Actor.operator())

    for name in project.bucket_names().values():
        statements = {item["Sid"]: item for item in cloud_state.bucket_policy(cloud.aws, name)["Statement"]}
        allowed = statements["DenyEveryOtherPrincipal"]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
        assert allowed == [cloud.engine.cloud_account.role_arn]


def test_deleted_project_frees_its_engine(project, cloud):
    assert engine_users(cloud.engine) == [project.name]

    start_project_deletion(project, actor=Actor.operator())

    assert engine_users(cloud.engine) == []


def test_delete_removes_environment_variables(project, cloud):
    from secrets_vault.services import list_variables, set_variable

    set_variable(project.pk, "MODEL", "resnet", scope="runtime", sensitive=False, actor=Actor.operator(),
                 organisation=project.organisation)

    start_project_deletion(project, actor=Actor.operator())

    assert list_variables(project.pk) == []


def test_purge_with_deletion_removes_everything(project, cloud):
    for bucket in project.bucket_names().values():
        fill_with_versions(cloud.aws, bucket)
    push_image(cloud.aws, project)

    start_project_deletion(project, actor=Actor.operator(), purge=True, confirm_name=project.name)

    project.refresh_from_db()
    assert project.status == ProjectStatus.DELETED
    assert cloud_state.existing_buckets(cloud.aws, project) == []
    assert cloud_state.existing_repositories(cloud.aws, project) == []
    assert set(project.resources.values_list("state", flat=True)) == {ResourceState.DELETED}
    assert not project.resources.filter(retained=True).exists()


def test_purge_later_needs_the_name(project, cloud):
    bucket = project.bucket_names()["outputs"]
    start_project_deletion(project, actor=Actor.operator())
    project.refresh_from_db()
    fill_with_versions(cloud.aws, bucket)
    push_image(cloud.aws, project)
    assert cloud_state.object_versions(cloud.aws, bucket) == 4

    with pytest.raises(ValidationError):
        start_purge(project, actor=Actor.operator(), confirm_name="vision")
    assert cloud_state.object_versions(cloud.aws, bucket) == 4

    operation = start_purge(project, actor=Actor.operator(), confirm_name=project.name)

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert cloud_state.object_versions(cloud.aws, bucket) == -1
    assert cloud_state.existing_repositories(cloud.aws, project) == []
    assert not project.resources.filter(retained=True).exists()


def test_purge_pages_through_many_versions(project, cloud, monkeypatch):
    from projects.provisioning import buckets

    monkeypatch.setattr(buckets, "DELETE_BATCH", 2)
    monkeypatch.setattr(buckets, "PURGE_PAGES_PER_RUN", 1)
    bucket = project.bucket_names()["inputs"]
    fill_with_versions(cloud.aws, bucket)

    start_project_deletion(project, actor=Actor.operator(), purge=True, confirm_name=project.name)

    step = project.operations.latest("id").steps.get(key="purge-bucket-inputs")
    assert step.status == "succeeded"
    assert step.attempts > 1
    assert cloud_state.object_versions(cloud.aws, bucket) == -1


def test_purge_refused_before_deletion(project):
    with pytest.raises(ValidationError):
        start_purge(project, actor=Actor.operator(), confirm_name=project.name)


def test_delete_twice_refused(project):
    start_project_deletion(project, actor=Actor.operator())
    project.refresh_from_db()

    with pytest.raises(ValidationError):
        start_project_deletion(project, actor=Actor.operator())
