"""The runtime variables reach the `aichor-env` Secret on every engine, through the runner, on every change.

Operations run here as workers would run them (`runner.advance`), against moto's server and
the Kubernetes stand-in; the Secret is read back through the Kubernetes API.
"""

import base64
import logging
import secrets

import pytest
from django_q.models import Task

from audit.models import AuditEvent
from engines.choices import OperationStatus
from engines.models import Operation, OperationLogLine
from engines.provisioning import runner
from engines.provisioning.steps import PermanentError
from organisations.permissions import Actor
from projects.kube import kube_client_for
from projects.models import ProjectStatus
from projects.provisioning import environment
from projects.services.engines import assign_engine
from projects.services.variables import delete_project_variable, set_project_variable
from tests.projects.helpers import new_project, ready_engine

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "vault"])


def run_to_end(operation: Operation) -> Operation:
    for _ in range(30):
        runner.advance(operation.pk)
        operation.refresh_from_db()
        if operation.status in OperationStatus.terminal():
            return operation
    raise AssertionError(f"operation {operation.pk} still {operation.status}")


def latest_operation(project) -> Operation:
    return project.operations.order_by("-id").first()


def secret_data(engine, project) -> dict[str, str] | None:
    """Return the decoded data of the project's Secret in an engine's cluster, or None when it does not exist."""
    found = kube_client_for(engine).get("v1", "Secret", environment.SECRET_NAME, project.namespace)
    if found is None:
        return None
    return {name: base64.b64decode(value).decode() for name, value in (found.get("data") or {}).items()}


def set_runtime(project, name: str, value: str, *, sensitive: bool = True, scope: str = "runtime"):
    return set_project_variable(project, actor=Actor.operator(), name=name, value=value, scope=scope,
                                sensitive=sensitive)


@pytest.fixture
def project(cloud):
    """A Ready project on the cloud's engine, created by operations run to the end here."""
    project = new_project(cloud.organisation, cloud.engine)
    run_to_end(project.operations.get())
    project.refresh_from_db()
    assert project.status == ProjectStatus.READY, project.status_reason
    return project


def test_create_writes_empty_secret(project, cloud):
    found = kube_client_for(cloud.engine).get("v1", "Secret", environment.SECRET_NAME, project.namespace)

    assert found["metadata"]["labels"]["aichor.ai/project"] == project.tag_value
    assert secret_data(cloud.engine, project) == {}


def test_change_writes_secret(project, cloud):
    set_runtime(project, "DB_PASSWORD", "s3cret-value")

    operation = run_to_end(latest_operation(project))

    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert operation.parameters[environment.VARIABLES_ONLY] is True
    assert [step.key for step in operation.steps.all()] == [
        environment.CHECK_KEY, environment.secret_key(cloud.engine.pk),
    ]
    assert secret_data(cloud.engine, project) == {"DB_PASSWORD": "s3cret-value"}
    project.refresh_from_db()
    assert project.status == ProjectStatus.READY
    assert project.variables_sync_pending is False


def test_build_variable_starts_no_sync(project, cloud):
    operations = project.operations.count()

    set_runtime(project, "PIP_INDEX_URL", "https://pypi.example.com/simple", scope="build")

    assert project.operations.count() == operations
    project.refresh_from_db()
    assert project.variables_sync_pending is False


def test_build_variable_never_in_secret(project, cloud):
    set_runtime(project, "PIP_INDEX_URL", "https://pypi.example.com/simple", scope="build")
    set_runtime(project, "LOG_LEVEL", "debug", sensitive=False)

    run_to_end(latest_operation(project))

    assert secret_data(cloud.engine, project) == {"LOG_LEVEL": "debug"}


def test_deleted_variable_leaves_secret(project, cloud):
    set_runtime(project, "FIRST", "first-value")
    run_to_end(latest_operation(project))
    set_runtime(project, "SECOND", "second-value")
    run_to_end(latest_operation(project))

    delete_project_variable(project, actor=Actor.operator(), name="FIRST", scope="runtime")
    run_to_end(latest_operation(project))

    assert secret_data(cloud.engine, project) == {"SECOND": "second-value"}


def test_change_waits_for_active_operation(project, cloud):
    set_runtime(project, "FIRST", "first-value")
    active = latest_operation(project)

    set_runtime(project, "SECOND", "second-value")

    assert latest_operation(project) == active
    run_to_end(active)
    assert secret_data(cloud.engine, project) == {"FIRST": "first-value", "SECOND": "second-value"}
    assert latest_operation(project) == active


def test_late_change_synced_after_operation(project, cloud, monkeypatch):
    set_runtime(project, "FIRST", "first-value")
    first_sync = latest_operation(project)
    original_check = environment.check_variables

    def check_then_change(context):
        done = original_check(context)
        set_runtime(project, "LATE", "late-value")
        return done

    monkeypatch.setattr(environment, "check_variables", check_then_change)
    run_to_end(first_sync)
    monkeypatch.setattr(environment, "check_variables", original_check)

    second_sync = latest_operation(project)
    assert second_sync != first_sync
    assert run_to_end(second_sync).status == OperationStatus.SUCCEEDED
    assert secret_data(cloud.engine, project) == {"FIRST": "first-value", "LATE": "late-value"}
    project.refresh_from_db()
    assert project.variables_sync_pending is False


def test_failed_project_waits_for_repair(project, cloud):
    project.status = ProjectStatus.FAILED
    project.save()
    operations = project.operations.count()

    set_runtime(project, "DB_PASSWORD", "waiting-value")

    project.refresh_from_db()
    assert project.operations.count() == operations
    assert project.variables_sync_pending is True


def test_pending_change_synced_after_repair(project, cloud):
    project.status = ProjectStatus.FAILED
    project.save()
    set_runtime(project, "DB_PASSWORD", "waiting-value")
    project.status = ProjectStatus.READY
    project.save()
    second = ready_engine(cloud.aws, cloud.organisation, account=cloud.engine.cloud_account, name="training")

    run_to_end(assign_engine(project, second, actor=Actor.operator()))

    assert secret_data(second, project) == {"DB_PASSWORD": "waiting-value"}
    assert secret_data(cloud.engine, project) == {"DB_PASSWORD": "waiting-value"}
    project.refresh_from_db()
    assert project.variables_sync_pending is False


def test_assigned_engine_receives_secret(project, cloud):
    set_runtime(project, "DB_PASSWORD", "shared-value")
    run_to_end(latest_operation(project))
    second = ready_engine(cloud.aws, cloud.organisation, account=cloud.engine.cloud_account, name="training")

    operation = run_to_end(assign_engine(project, second, actor=Actor.operator()))

    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert secret_data(second, project) == {"DB_PASSWORD": "shared-value"}


def test_oversized_variables_rejected_before_sending(project, cloud):
    set_runtime(project, "SMALL", "small-value")
    run_to_end(latest_operation(project))

    set_runtime(project, "HUGE", "x" * environment.MAX_SECRET_BYTES)
    operation = run_to_end(latest_operation(project))

    assert operation.status == OperationStatus.FAILED
    assert "1 MiB" in operation.failure_reason
    assert "Secret" in operation.failure_reason
    assert operation.steps.get(key=environment.CHECK_KEY).error_code == "SecretTooLarge"
    assert secret_data(cloud.engine, project) == {"SMALL": "small-value"}
    project.refresh_from_db()
    assert project.status == ProjectStatus.READY


def test_missing_namespace_fails_sync(project, cloud):
    kube_client_for(cloud.engine).delete("v1", "Namespace", project.namespace)
    set_runtime(project, "DB_PASSWORD", "lost-value")

    operation = run_to_end(latest_operation(project))

    assert operation.status == OperationStatus.FAILED
    assert operation.steps.get(key=environment.secret_key(cloud.engine.pk)).error_code == "NamespaceMissing"


def test_values_stay_out_of_records(project, cloud, caplog):
    caplog.set_level(logging.DEBUG)
    value = f"canary-{secrets.token_hex(8)}"
    plain = f"plain-{secrets.token_hex(8)}"

    set_runtime(project, "DB_PASSWORD", value)
    set_runtime(project, "LOG_LEVEL", plain, sensitive=False)
    operation = run_to_end(latest_operation(project))

    assert secret_data(cloud.engine, project) == {"DB_PASSWORD": value, "LOG_LEVEL": plain}
    records = [
        repr(list(Operation.objects.values())),
        repr(list(operation.steps.values())),
        repr(list(OperationLogLine.objects.values_list("message", flat=True))),
        repr(list(project.resources.values())),
        repr(list(AuditEvent.objects.values())),
        repr(list(Task.objects.values("args", "kwargs", "result"))),
        caplog.text,
    ]
    for text in records:
        assert value not in text
        assert base64.b64encode(value.encode()).decode() not in text
        assert plain not in text


def test_secret_size_counts_bytes():
    assert environment.secret_size({"KEY": "é"}) == 3 + 2


def test_size_check_names_limit(project):
    with pytest.raises(PermanentError) as caught:
        environment.check_secret_size(project, {"A": "x" * environment.MAX_SECRET_BYTES})

    assert "1 MiB (1,048,576 bytes)" in str(caught.value)


def test_error_message_loses_values():
    value = "leaky-value"
    encoded = base64.b64encode(value.encode()).decode()
    error = PermanentError(f"rejected data {value} and {encoded}", code="KubernetesInvalid", fix="Fix it.")

    cleaned = environment._without_values(error, [value])

    assert value not in str(cleaned)
    assert encoded not in str(cleaned)
    assert (cleaned.code, cleaned.fix) == ("KubernetesInvalid", "Fix it.")
