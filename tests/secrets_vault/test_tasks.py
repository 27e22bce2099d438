"""django-q2 tasks: primary keys in, no secret out."""

import pytest
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from secrets_vault.signals import REDACTED_TASK_RESULT, SecretInTaskArgumentsError
from tests.secrets_vault.helpers import VAULT_DB, plant

pytestmark = VAULT_DB

SECRET = "task-canary-value"


def test_enqueue_with_secret_argument_rejected():
    plant(1, "DB_PASSWORD", SECRET)

    with pytest.raises(SecretInTaskArgumentsError, match="Pass primary keys"):
        async_task("tests.secrets_vault.tasks.count_project_variables", SECRET)

    assert not OrmQ.objects.exists()


def test_enqueue_with_secret_keyword_rejected():
    plant(1, "DB_PASSWORD", SECRET)

    with pytest.raises(SecretInTaskArgumentsError):
        async_task("tests.secrets_vault.tasks.count_project_variables", project_id=1, note=f"value {SECRET}")


def test_enqueue_with_primary_key_accepted():
    plant(1, "DB_PASSWORD", SECRET)

    async_task("tests.secrets_vault.tasks.count_project_variables", 1, sync=True)

    task = Task.objects.get()
    assert task.args == (1,)
    assert task.result == 1


def test_secret_in_task_result_redacted():
    summary = plant(1, "DB_PASSWORD", SECRET)

    async_task("tests.secrets_vault.tasks.read_variable_value", summary.id, sync=True)

    task = Task.objects.get()
    assert task.result == "[REDACTED]"
    assert task.success is True


def test_secret_in_structured_result_replaced():
    from django_q.signals import post_execute_in_worker

    plant(1, "DB_PASSWORD", SECRET)
    task = {"id": "t1", "result": {"values": [SECRET]}}

    post_execute_in_worker.send(sender="django_q", func=None, task=task)

    assert task["result"] == REDACTED_TASK_RESULT
