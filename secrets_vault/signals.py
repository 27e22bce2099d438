"""Signal handlers of the secrets vault, and the signal it sends after a change.

- Every sensitive value loaded from the vault is registered for redaction.
- `migrate --database vault` writes the key canary.
- django-q2 tasks may not carry a secret in their arguments, and a secret in a task's result
  is redacted before the result is stored.
"""

import logging

from django.db import connections, router
from django.db.models.signals import post_init, post_migrate
from django.dispatch import Signal, receiver
from django_q.signals import post_execute_in_worker, pre_enqueue

from aichor_portal.redaction import contains_secret, redact, register_secret
from secrets_vault.fields import UndecryptableValue
from secrets_vault.models import Canary, EnvironmentVariable

logger = logging.getLogger(__name__)

# Sent after the transaction that changed a project's variables commits, with `project_id` and
# `scope`; the synchronisation of the project's Kubernetes Secrets listens to it.
variables_changed = Signal()

REDACTED_TASK_RESULT = "[REDACTED: the task result contained a secret value]"


class SecretInTaskArgumentsError(ValueError):
    """Raised when a task is enqueued with a secret value among its arguments."""


@receiver(post_init, sender=EnvironmentVariable)
def register_loaded_secret(sender, instance, **kwargs):
    # Read the instance's dict, not the attribute: a deferred value must not cost a query, and
    # an undecryptable one must not raise here.
    value = instance.__dict__.get("value")
    if isinstance(value, UndecryptableValue) or instance.__dict__.get("sensitive") is False:
        return
    register_secret(value)


@receiver(post_migrate)
def write_canary(sender, using, **kwargs):
    if sender.label != Canary._meta.app_label or not router.allow_migrate_model(using, Canary):
        return
    if Canary._meta.db_table not in connections[using].introspection.table_names():
        return
    _, created = Canary.objects.using(using).get_or_create(pk=Canary.ROW_ID, defaults={"value": Canary.PLAINTEXT})
    if created:
        logger.info("Wrote the key canary in database %s", using)


@receiver(pre_enqueue)
def reject_secret_task_arguments(sender, task, **kwargs):
    arguments = repr((task.get("args"), task.get("kwargs")))
    if contains_secret(arguments, by_name=False):
        raise SecretInTaskArgumentsError(
            f"Task {task.get('func')!r} was enqueued with a secret among its arguments. Pass primary keys "
            "and load the value inside the task."
        )


@receiver(post_execute_in_worker)
def redact_task_result(sender, task, **kwargs):
    result = task.get("result")
    if isinstance(result, str):
        task["result"] = redact(result)
    elif result is not None and contains_secret(repr(result), by_name=False):
        task["result"] = REDACTED_TASK_RESULT
        logger.warning("Redacted the result of task %s: it contained a secret value", task.get("id"))
