"""Engine status changes at the start and end of create, import and delete operations.

Each runs inside the transaction that records the operation's start or end.
"""

from django.utils import timezone

from engines.choices import EngineStatus, ResourceOwner, ResourceState


def _set_status(engine, status: str, reason: str = "", **fields) -> None:
    engine.status = status
    engine.status_reason = reason
    for name, value in fields.items():
        setattr(engine, name, value)
    engine.save(update_fields=["status", "status_reason", "updated_at", *fields])


def provisioning_started(operation) -> None:
    _set_status(operation.engine, EngineStatus.PROVISIONING)


def provisioning_succeeded(operation) -> None:
    _set_status(operation.engine, EngineStatus.READY, ready_at=timezone.now())


def provisioning_failed(operation) -> None:
    operation.refresh_from_db(fields=["failure_reason"])
    _set_status(operation.engine, EngineStatus.FAILED, operation.failure_reason)


def deletion_started(operation) -> None:
    _set_status(operation.engine, EngineStatus.DELETING)


def deletion_succeeded(operation) -> None:
    """Mark what the portal deleted; the administrator's resources of an imported engine stay as they are."""
    engine = operation.engine
    engine.resources.filter(owner=ResourceOwner.PORTAL).exclude(state=ResourceState.DELETED).update(
        state=ResourceState.DELETED, updated_at=timezone.now())
    _set_status(engine, EngineStatus.DELETED, deleted_at=timezone.now())


def deletion_failed(operation) -> None:
    operation.refresh_from_db(fields=["failure_reason"])
    _set_status(operation.engine, EngineStatus.FAILED, operation.failure_reason)
