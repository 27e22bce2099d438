"""The step runner: drives one operation's plan forward without ever holding a worker on a slow cloud.

`advance(operation_id)` claims the operation with a conditional update, runs
the steps that are due back to back for at most a time budget, then releases
it. It stops early when a step starts a slow cloud operation while other
operations wait to start. A step that waits records when to look again; `poll_due_operations` (run
by the scheduler) enqueues the operations whose steps are due. `reap_stalled_operations`
fails operations whose worker stopped sending heartbeats.
"""

import logging
import random
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit import services as audit
from engines.choices import OperationStatus, StepStatus
from engines.models import Operation, OperationLogLine, OperationStep
from engines.provisioning import registry
from engines.provisioning.context import StepContext
from engines.provisioning.steps import Done, PermanentError, StepError, TransientError, Wait
from organisations.permissions import Actor

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
# A running task extends its lease at most this often, well within LEASE.
HEARTBEAT_SECONDS = 10
TASK_BUDGET_SECONDS = 45
MAX_TRANSIENT_ATTEMPTS = 8
# A retry due sooner than this is slept inline; a later one is left to the scheduler.
INLINE_RETRY_MAX_SECONDS = 3.0
STALL_AFTER = timedelta(minutes=10)
POLL_BATCH = 200


def retry_base_seconds() -> float:
    return getattr(settings, "AICHOR_RETRY_BASE_SECONDS", 2.0)


def backoff_seconds(attempt: int) -> float:
    """Return the delay before retry number `attempt`: capped exponential, with jitter."""
    ceiling = min(60.0, retry_base_seconds() * (2 ** (attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)


def materialise_steps(operation: Operation) -> None:
    """Create the operation's step rows from its plan, so the page shows the whole plan at once."""
    plan = registry.build_plan(operation)
    OperationStep.objects.bulk_create(
        OperationStep(
            operation=operation,
            key=step.key,
            title=step.title,
            position=position,
            depends_on=list(step.depends_on),
        )
        for position, step in enumerate(plan.steps, start=1)
    )


def claim(operation_id: int) -> str | None:
    """Take the operation's lease; return the lease token, or None when another worker holds it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Operation.objects.filter(pk=operation_id, status__in=OperationStatus.active())
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_token=token,
            lease_until=now + LEASE,
            heartbeat_at=now,
            status=OperationStatus.RUNNING,
            started_at=Coalesce(F("started_at"), now),
        )
    )
    return token if claimed else None


def release(operation_id: int, token: str) -> None:
    Operation.objects.filter(pk=operation_id, lease_token=token).update(lease_token="", lease_until=None)


def heartbeat(operation_id: int, token: str) -> bool:
    """Extend the lease; return False when the operation was taken from this worker."""
    now = timezone.now()
    return bool(
        Operation.objects.filter(pk=operation_id, lease_token=token).update(
            heartbeat_at=now, lease_until=now + LEASE
        )
    )


def advance(operation_id: int, *, budget_seconds: float = TASK_BUDGET_SECONDS) -> str:
    """Run an operation's due steps; return what happened (for logs and tests)."""
    token = claim(operation_id)
    if token is None:
        logger.info("operation=%s not claimed: finished, or held by another worker", operation_id)
        return "not-claimed"

    requeue = False
    started = time.monotonic()
    outcome = "error"
    try:
        operation = Operation.objects.select_related("engine__cloud_account", "engine__organisation",
                                                     "cloud_account", "organisation").get(pk=operation_id)
        plan = registry.build_plan(operation)
        if not operation.steps.exists():
            materialise_steps(operation)
        if not operation.log_lines.exists():
            _start(operation, plan)

        deadline = time.monotonic() + budget_seconds
        outcome = _run_due_steps(operation, plan, token, deadline)
        requeue = outcome in ("budget", "yielded")
        return outcome
    finally:
        release(operation_id, token)
        if requeue:
            enqueue_advance(operation_id)
        logger.info("operation=%s advanced for %.3f s: %s", operation_id, time.monotonic() - started, outcome)


def _start(operation: Operation, plan) -> None:
    with transaction.atomic():
        OperationLogLine.objects.create(operation=operation, message=f"{operation.get_kind_display()} started")
        plan.on_start(operation)


def _run_due_steps(operation: Operation, plan, token: str, deadline: float) -> str:
    # While this worker holds the lease, only it writes the step rows, so they are read once.
    steps = list(operation.steps.all())
    last_heartbeat = time.monotonic()
    while True:
        operation.refresh_from_db(fields=["status", "cancel_requested"])
        if operation.status not in OperationStatus.active():
            return operation.status
        if operation.cancel_requested:
            finish_cancelled(operation, plan)
            return "cancelled"

        if all(step.status in StepStatus.done() for step in steps):
            finish_succeeded(operation, plan)
            return "succeeded"

        step_row = _next_due_step(steps)
        if step_row is None:
            Operation.objects.filter(pk=operation.pk, lease_token=token).update(status=OperationStatus.WAITING)
            return "waiting"
        if time.monotonic() > deadline:
            return "budget"
        if time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
            if not heartbeat(operation.pk, token):
                return "lease-lost"
            last_heartbeat = time.monotonic()

        failed = _run_step(operation, plan, step_row)
        if failed:
            return "failed"
        if step_row.status == StepStatus.WAITING and step_row.attempts == 1 and _others_pending(operation):
            return "yielded"


def _others_pending(operation: Operation) -> bool:
    """Tell whether another operation is queued and has not started yet.

    After a step starts a slow cloud operation (an EKS cluster takes 10 to 15 minutes),
    the task gives way to such operations: it ends and queues itself again. Every queued
    engine so starts its slow operations before any engine runs its quick steps.
    """
    return Operation.objects.filter(status=OperationStatus.PENDING).exclude(pk=operation.pk).exists()


def _next_due_step(steps: list[OperationStep]) -> OperationStep | None:
    done = {step.key for step in steps if step.status in StepStatus.done()}
    now = timezone.now()
    for step in steps:
        if step.status in StepStatus.done():
            continue
        if not set(step.depends_on) <= done:
            continue
        if step.next_attempt_at is None or step.next_attempt_at <= now:
            return step
    return None


def _run_step(operation: Operation, plan, step_row: OperationStep) -> bool:
    """Run one step once; return True when the operation failed."""
    spec = plan.step(step_row.key)
    now = timezone.now()
    step_row.status = StepStatus.RUNNING
    step_row.attempts += 1
    step_row.started_at = step_row.started_at or now
    step_row.next_attempt_at = None
    step_row.save(update_fields=["status", "attempts", "started_at", "next_attempt_at"])

    context = StepContext(operation, step_row)
    try:
        outcome = spec.run(context)
    except Exception as error:  # noqa: BLE001  (classified below, never swallowed)
        return _handle_error(operation, plan, step_row, _classify(operation, error))

    if isinstance(outcome, Wait):
        step_row.status = StepStatus.WAITING
        step_row.waiting_for = outcome.waiting_for
        step_row.next_attempt_at = timezone.now() + timedelta(seconds=outcome.seconds)
        step_row.save(update_fields=["status", "waiting_for", "next_attempt_at"])
        return False

    detail = outcome.detail if isinstance(outcome, Done) else ""
    step_row.status = StepStatus.SUCCEEDED
    step_row.detail = detail or step_row.detail
    step_row.waiting_for = ""
    step_row.error_code = ""
    step_row.finished_at = timezone.now()
    step_row.save(update_fields=["status", "detail", "waiting_for", "error_code", "finished_at"])
    OperationLogLine.objects.create(operation=operation, message=f"{step_row.title}: done")
    return False


def _classify(operation: Operation, error: Exception) -> StepError:
    if isinstance(error, StepError):
        return error
    classified = registry.classifier(registry.provider_of(operation))(error)
    if classified is not None:
        return classified
    logger.exception("operation=%s unexpected error", operation.pk)
    return PermanentError(
        f"Unexpected error: {type(error).__name__}: {error}",
        code=type(error).__name__,
        fix="Retry the operation; if it fails again, contact support with the operation id.",
    )


def _handle_error(operation: Operation, plan, step_row: OperationStep, error: StepError) -> bool:
    step_row.error_code = error.code
    if isinstance(error, TransientError) and step_row.attempts < MAX_TRANSIENT_ATTEMPTS:
        delay = backoff_seconds(step_row.attempts)
        message = f"{step_row.title}: {error} (attempt {step_row.attempts}; retrying in {delay:.1f} s)"
        OperationLogLine.objects.create(operation=operation, level="warning", message=message)
        logger.warning("operation=%s step=%s transient error %s", operation.pk, step_row.key, error.code)
        if delay <= INLINE_RETRY_MAX_SECONDS:
            time.sleep(delay)
            step_row.status = StepStatus.PENDING
        else:
            step_row.status = StepStatus.WAITING
            step_row.waiting_for = f"retry after {error.code or 'a transient error'}"
            step_row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        step_row.save(update_fields=["status", "error_code", "waiting_for", "next_attempt_at"])
        return False

    if isinstance(error, TransientError):
        error = PermanentError(
            f"{error} (still failing after {step_row.attempts} attempts)", code=error.code, fix=error.fix
        )
    step_row.status = StepStatus.FAILED
    step_row.detail = str(error)
    step_row.fix = error.fix
    step_row.finished_at = timezone.now()
    step_row.save(update_fields=["status", "error_code", "detail", "fix", "finished_at"])
    finish_failed(operation, plan, f"{step_row.title} failed: {error}", error.fix)
    return True


def finish_succeeded(operation: Operation, plan) -> None:
    with transaction.atomic():
        _finish(operation, OperationStatus.SUCCEEDED)
        plan.on_success(operation)
        audit.record(Actor.system(), f"operation.{operation.kind}.succeeded", operation.target,
                     organisation=operation.organisation, details={"operation": operation.pk})


def finish_failed(operation: Operation, plan, reason: str, fix: str) -> None:
    with transaction.atomic():
        _finish(operation, OperationStatus.FAILED, reason=reason, fix=fix)
        plan.on_failure(operation)
        audit.record(Actor.system(), f"operation.{operation.kind}.failed", operation.target,
                     organisation=operation.organisation, details={"operation": operation.pk})
    logger.warning("operation=%s failed: %s", operation.pk, reason)


def finish_cancelled(operation: Operation, plan) -> None:
    with transaction.atomic():
        operation.steps.exclude(status__in=StepStatus.done()).update(status=StepStatus.CANCELLED)
        _finish(operation, OperationStatus.CANCELLED, reason="Cancelled on request.",
                fix="Retry to resume from where it stopped, or delete to remove what was created.")
        plan.on_failure(operation)
        audit.record(Actor.system(), f"operation.{operation.kind}.cancelled", operation.target,
                     organisation=operation.organisation, details={"operation": operation.pk})


def _finish(operation: Operation, status: str, *, reason: str = "", fix: str = "") -> None:
    operation.status = status
    operation.failure_reason = reason
    operation.failure_fix = fix
    operation.finished_at = timezone.now()
    operation.save(update_fields=["status", "failure_reason", "failure_fix", "finished_at"])
    OperationLogLine.objects.create(
        operation=operation,
        level="info" if status == OperationStatus.SUCCEEDED else "error",
        message=f"{operation.get_kind_display()} {operation.get_status_display().lower()}" + (f": {reason}" if reason else ""),
    )


def enqueue_advance(operation_id: int) -> None:
    """Queue a task that advances the operation once the current transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task(
            "engines.provisioning.tasks.advance_operation", operation_id, task_name=f"advance-operation-{operation_id}"
        )
    )


def poll_due_operations(batch: int = POLL_BATCH) -> int:
    """Queue the operations that have a step due, or that no worker picked up; return how many."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due_steps = OperationStep.objects.filter(
        status__in=[StepStatus.WAITING, StepStatus.PENDING], next_attempt_at__lte=now
    ).values("operation_id")
    operation_ids = list(
        Operation.objects.filter(free)
        .filter(
            Q(status=OperationStatus.WAITING, pk__in=due_steps)
            | Q(status=OperationStatus.PENDING, created_at__lt=now - timedelta(seconds=30))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    for operation_id in operation_ids:
        enqueue_advance(operation_id)
    return len(operation_ids)


def reap_stalled_operations() -> int:
    """Fail running operations whose worker stopped sending heartbeats; return how many."""
    cutoff = timezone.now() - STALL_AFTER
    stalled = Operation.objects.filter(status=OperationStatus.RUNNING, heartbeat_at__lt=cutoff).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    )
    count = 0
    for operation in stalled.select_related("engine", "cloud_account", "organisation"):
        last = operation.heartbeat_at
        operation.steps.filter(status=StepStatus.RUNNING).update(
            status=StepStatus.FAILED, detail="The worker stopped while running this step."
        )
        finish_failed(
            operation,
            registry.build_plan(operation),
            f"The worker running this operation stopped sending heartbeats at {last:%Y-%m-%d %H:%M:%S} UTC "
            f"(for more than {int(STALL_AFTER.total_seconds() // 60)} minutes).",
            "Retry the operation: it resumes from the step that was running.",
        )
        count += 1
    return count
