"""Starting, cancelling and retrying operations: every change in one transaction with its audit event."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from engines.choices import OperationStatus, StepStatus
from engines.models import Operation, OperationLogLine
from engines.provisioning import runner


def start_operation(organisation, kind: str, *, actor, engine=None, cloud_account=None, project=None,
                    parameters: dict | None = None) -> Operation:
    """Create an operation with its plan's steps and queue it once the transaction commits.

    An operation acts on one engine, one project or one cloud account; each engine and each
    project has at most one active operation.
    """
    try:
        with transaction.atomic():
            operation = Operation.objects.create(
                organisation=organisation,
                kind=kind,
                engine=engine,
                cloud_account=cloud_account,
                project=project,
                parameters=parameters or {},
                requested_by=actor.user if actor.user is not None and actor.user.is_authenticated else None,
                requested_by_label=actor.label,
            )
    except IntegrityError:
        subject = {"project": project} if project is not None else {"engine": engine}
        active = Operation.objects.filter(**subject, status__in=OperationStatus.active()).first()
        raise ValidationError(
            f"{project or engine} already has an operation in progress "
            f"({active.get_kind_display() if active else 'unknown'}): wait for it to finish, or cancel it."
        ) from None
    runner.materialise_steps(operation)
    runner.enqueue_advance(operation.pk)
    return operation


def cancel_operation(operation: Operation, *, actor) -> Operation:
    """Ask an active operation to stop; one that no worker has claimed stops at once."""
    if not operation.is_active:
        raise ValidationError(f"This operation is {operation.get_status_display().lower()}: only an active one can be cancelled.")
    with transaction.atomic():
        Operation.objects.filter(pk=operation.pk).update(cancel_requested=True)
        audit.record(actor, f"operation.{operation.kind}.cancel_requested", operation.target,
                     organisation=operation.organisation, details={"operation": operation.pk})
        OperationLogLine.objects.create(operation=operation, level="warning", message=f"Cancel requested by {actor}")
    runner.enqueue_advance(operation.pk)
    operation.refresh_from_db()
    return operation


def retry_operation(operation: Operation, *, actor) -> Operation:
    """Resume a failed or cancelled operation from its first unfinished step."""
    if operation.status not in (OperationStatus.FAILED, OperationStatus.CANCELLED):
        raise ValidationError("Only a failed or cancelled operation can be retried.")
    with transaction.atomic():
        operation.steps.exclude(status__in=StepStatus.done()).update(
            status=StepStatus.PENDING, attempts=0, next_attempt_at=None, finished_at=None, error_code=""
        )
        operation.status = OperationStatus.PENDING
        operation.cancel_requested = False
        operation.failure_reason = ""
        operation.failure_fix = ""
        operation.finished_at = None
        try:
            with transaction.atomic():
                operation.save(update_fields=["status", "cancel_requested", "failure_reason", "failure_fix",
                                              "finished_at"])
        except IntegrityError:
            raise ValidationError(
                f"Another operation is active on {operation.target}: wait for it, or cancel it."
            ) from None
        OperationLogLine.objects.create(operation=operation, message=f"Retry requested by {actor} at {timezone.now():%H:%M:%S}")
        audit.record(actor, f"operation.{operation.kind}.retried", operation.target,
                     organisation=operation.organisation, details={"operation": operation.pk})
        from engines.provisioning import registry

        registry.build_plan(operation).on_start(operation)
    runner.enqueue_advance(operation.pk)
    return operation
