"""End to end in the sandbox: a member's variables reach the engine's Secret, and survive a key rotation.

The member works through the pages, and operations run synchronously when a change commits. The
rotation runs `manage.py rotate_encryption_keys` in a subprocess with the new key first, as an
operator would. The encrypted fields read FIELD_ENCRYPTION_KEY once, at import. So, to stand for
the portal restarted with the new key alone, the test replaces the fields' key list in this
process. A `manage.py` subprocess started with the new key alone checks the same from outside.
"""

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.urls import reverse
from encrypted_model_fields import fields as encrypted_fields

from engines.choices import OperationStatus
from projects.kube import kube_client_for
from projects.models import ProjectMember, ProjectRole, ProjectStatus
from projects.provisioning.environment import SECRET_NAME
from secrets_vault.models import EnvironmentVariable
from secrets_vault.services import runtime_environment
from tests.factories import make_user
from tests.projects.helpers import new_project
from tests.secrets_vault.helpers import TEST_KEY, new_key, raw_value, run_manage

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])


def secret_data(engine, project) -> dict[str, str]:
    found = kube_client_for(engine).get("v1", "Secret", SECRET_NAME, project.namespace)
    return {name: base64.b64decode(value).decode() for name, value in (found.get("data") or {}).items()}


def page_url(project, name: str, **kwargs) -> str:
    return reverse(f"projects:{name}", kwargs={"org": project.organisation.slug, "pk": project.pk, **kwargs})


@pytest.fixture
def project(cloud, sync_tasks):
    project = new_project(cloud.organisation, cloud.engine)
    project.refresh_from_db()
    assert project.status == ProjectStatus.READY, project.status_reason
    return project


@pytest.fixture
def member_client(client, project):
    user = make_user("grace")
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.MEMBER)
    client.force_login(user)
    return client


def add(client, project, name: str, value: str, *, sensitive: bool, scope: str = "runtime"):
    data = {"name": name, "scope": scope, "value": value, **({"sensitive": "on"} if sensitive else {})}
    response = client.post(page_url(project, "variable-create"), data)
    assert response.status_code == 302, response.content.decode()


def test_variables_reach_engine_and_survive_rotation(project, cloud, member_client, monkeypatch, tmp_path):
    add(member_client, project, "DB_PASSWORD", "correct-horse-battery", sensitive=True)
    add(member_client, project, "LOG_LEVEL", "debug", sensitive=False)
    add(member_client, project, "PIP_INDEX_URL", "https://pypi.example.com/simple", sensitive=False, scope="build")

    assert secret_data(cloud.engine, project) == {"DB_PASSWORD": "correct-horse-battery", "LOG_LEVEL": "debug"}
    syncs = project.operations.filter(parameters__variables_only=True)
    assert [operation.status for operation in syncs] == [OperationStatus.SUCCEEDED] * 2

    # Rotate: the new key first, the old one after it, then re-encrypt every stored value.
    new = new_key()
    rotation = run_manage("rotate_encryption_keys", "--no-progress", keys=[new, TEST_KEY], tmp_path=tmp_path)
    assert rotation.returncode == 0, rotation.stderr
    stored_ids = list(EnvironmentVariable.objects.values_list("pk", flat=True))
    assert len(stored_ids) == 3
    for variable_id in stored_ids:
        with pytest.raises(InvalidToken):
            Fernet(TEST_KEY).decrypt(raw_value(variable_id).encode())

    # Drop the old key: a process started with the new key alone passes the checks and reads the variables.
    checked = run_manage("check", keys=[new], tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    listed = run_manage("envvar", "list", "--org", project.organisation.slug, "--project", project.name,
                        keys=[new], tmp_path=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "debug" in listed.stdout
    assert "correct-horse-battery" not in listed.stdout

    # The portal restarted with the new key alone: values read back, and a change syncs them all again.
    monkeypatch.setattr(encrypted_fields, "CRYPTER", MultiFernet([Fernet(new)]))
    monkeypatch.setattr("django.conf.settings.FIELD_ENCRYPTION_KEY", [new])
    assert runtime_environment(project.pk) == {"DB_PASSWORD": "correct-horse-battery", "LOG_LEVEL": "debug"}
    page = member_client.get(page_url(project, "project-variables")).content.decode()
    assert "debug" in page
    assert "correct-horse-battery" not in page

    log_level = EnvironmentVariable.objects.get(name="LOG_LEVEL")
    response = member_client.post(page_url(project, "variable-edit", variable_pk=log_level.pk), {"value": "info"})
    assert response.status_code == 302

    assert secret_data(cloud.engine, project) == {"DB_PASSWORD": "correct-horse-battery", "LOG_LEVEL": "info"}
    latest = project.operations.order_by("-id").first()
    assert latest.status == OperationStatus.SUCCEEDED, latest.failure_reason
    assert Fernet(new).decrypt(raw_value(log_level.pk).encode()) == b"info"
