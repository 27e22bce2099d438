"""Keeping each engine's copy of a project's runtime variables (the `aichor-env` Secret) up to date.

Every committed change of runtime variables sets the project's `variables_sync_pending` flag,
then starts a reconcile operation limited to the Secret steps. When the project already has an
active operation, the start fails and the flag stays set; the end of that operation starts the
sync (projects.lifecycle). Create and reconcile operations write the Secret too, so an engine
assigned later receives the variables with its namespace.

The first Secret step of an operation clears the flag before any step reads the vault, so a
change committed after that read sets the flag again and is picked up when the operation ends.

Only a Ready project starts a sync. A Pending or Provisioning project has an operation running
that writes the Secret. A Failed project's engines get the change with the operation that repairs
it, since the flag stays set until then.
"""

import logging

from django.core.exceptions import ValidationError

from engines.choices import OperationKind
from engines.services.operations import start_operation
from organisations.permissions import Actor
from projects.models import AssignmentState, Project, ProjectStatus
from projects.provisioning.environment import VARIABLES_ONLY
from secrets_vault.models import VariableScope

logger = logging.getLogger(__name__)


def on_variables_changed(sender, project_id: int, scope: str, **kwargs) -> None:
    """Receive secrets_vault's `variables_changed` signal: runtime changes start a sync."""
    if scope != VariableScope.RUNTIME:
        # Build-time variables never reach the runtime Secret.
        return
    request_variables_sync(project_id)


def request_variables_sync(project_id: int):
    """Record that the project's runtime variables changed, and start their sync when no operation is active.

    Returns the operation started, or None when the sync waits for another operation or for the
    project to become Ready.
    """
    Project.objects.filter(pk=project_id).update(variables_sync_pending=True)
    return start_pending_sync(project_id)


def start_pending_sync(project_id: int):
    """Start the sync of a Ready project whose variables changed since their last write; return it, or None."""
    project = (
        Project.objects.select_related("organisation")
        .filter(pk=project_id, status=ProjectStatus.READY, variables_sync_pending=True)
        .first()
    )
    if project is None:
        return None

    engine_ids = list(
        project.engine_assignments.filter(state=AssignmentState.ASSIGNED).values_list("engine_id", flat=True)
    )
    try:
        operation = start_operation(project.organisation, OperationKind.RECONCILE, actor=Actor.system(),
                                    project=project, parameters={"engines": engine_ids, VARIABLES_ONLY: True})
    except ValidationError:
        logger.info("project=%s variables sync deferred: another operation is active", project_id)
        return None
    logger.info("project=%s operation=%s variables sync started", project_id, operation.pk)
    return operation
