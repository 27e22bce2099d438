"""Project status changes at the start and end of its operations.

Each hook runs inside the transaction that records the operation's start or end.
"""

import logging

from django.db import transaction
from django.utils import timezone

from engines.choices import ResourceState
from projects.models import AssignmentState, ProjectStatus

logger = logging.getLogger(__name__)

# Resources that outlive a deletion unless it purges them: they hold the project's data.
STORAGE_TYPES = ("s3_bucket", "ecr_repository")


def _set_status(project, status: str, reason: str = "", **fields) -> None:
    project.status = status
    project.status_reason = reason
    for name, value in fields.items():
        setattr(project, name, value)
    project.save(update_fields=["status", "status_reason", "updated_at", *fields])


def _failure_reason(operation) -> str:
    operation.refresh_from_db(fields=["failure_reason"])
    return operation.failure_reason


def provisioning_started(operation) -> None:
    _set_status(operation.project, ProjectStatus.PROVISIONING)


def provisioning_succeeded(operation) -> None:
    """Mark the project Ready, and forget the engines whose namespace and role are now gone."""
    project = operation.project
    project.engine_assignments.filter(state=AssignmentState.REMOVING).delete()
    _set_status(project, ProjectStatus.READY)
    sync_pending_variables(operation)


def provisioning_failed(operation) -> None:
    # A Failed project starts no variables sync: its pending change waits for the operation that repairs it.
    _set_status(operation.project, ProjectStatus.FAILED, _failure_reason(operation))


def sync_pending_variables(operation) -> None:
    """Start the variables sync that waited for this operation, once the operation's end is committed.

    It starts only when the project is Ready and its variables changed since the operation
    last read them (see projects.services.variable_sync).
    """
    from projects.services.variable_sync import start_pending_sync

    project_id = operation.project_id
    transaction.on_commit(lambda: start_pending_sync(project_id))


def deletion_started(operation) -> None:
    _set_status(operation.project, ProjectStatus.DELETING)


def deletion_succeeded(operation) -> None:
    """Mark the project deleted; its buckets and repository stay, listed as retained, unless purged."""
    project = operation.project
    storage = project.resources.filter(type__in=STORAGE_TYPES).exclude(state=ResourceState.DELETED)
    storage.update(retained=True, updated_at=timezone.now())
    project.resources.exclude(type__in=STORAGE_TYPES).exclude(state=ResourceState.DELETED).update(
        state=ResourceState.DELETED, updated_at=timezone.now()
    )
    project.engine_assignments.all().delete()
    _set_status(project, ProjectStatus.DELETED, deleted_at=timezone.now())
    _delete_variables(project)


def deletion_failed(operation) -> None:
    _set_status(operation.project, ProjectStatus.FAILED, _failure_reason(operation))


def purge_succeeded(operation) -> None:
    """After a purge of a deleted project's storage, nothing is retained any more."""
    operation.project.resources.filter(type__in=STORAGE_TYPES, state=ResourceState.DELETED).update(
        retained=False, updated_at=timezone.now()
    )


def purge_failed(operation) -> None:
    # The project stays deleted; what the purge did not remove stays listed as retained.
    logger.warning("project=%s operation=%s purge of retained storage failed", operation.project_id, operation.pk)


def _delete_variables(project) -> None:
    """Delete the project's environment variables, which live in the secrets vault's own database."""
    from secrets_vault.services import delete_project_variables, vault_transaction

    # Inside the transaction that records the deletion: the vault commits first, then the main database.
    with vault_transaction():
        deleted = delete_project_variables(project.pk)
    logger.info("project=%s deleted with its %s environment variables", project.pk, deleted)
