"""A project's environment variables: the vault's services behind the project's access and status checks.

The pages and the `envvar` command call these functions. Values stay inside secrets_vault,
except the non-sensitive ones, which members may read. Each change is audited by the vault's
service, and each committed change of runtime variables starts their sync to the engines
(projects.services.variable_sync).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.views.decorators.debug import sensitive_variables

from organisations.permissions import can_manage_variables
from projects.models import ProjectStatus
from secrets_vault import services as vault
from secrets_vault.services import ImportPreview, VariableSummary


def require_variables_access(actor, project) -> None:
    """Raise PermissionDenied unless the actor may read and change the project's variables."""
    if not can_manage_variables(actor, project):
        raise PermissionDenied(
            f"Only the members of project {project} (and organisation admins) read or change its variables."
        )


def variables_changeable(project) -> bool:
    """Tell whether the project's variables may still change: not once the project is being deleted."""
    return project.status not in (ProjectStatus.DELETING, ProjectStatus.DELETED)


def _require_changeable(project) -> None:
    if not variables_changeable(project):
        raise ValidationError(
            f"Project {project} is {project.get_status_display().lower()}: its variables can no longer change."
        )


def list_project_variables(project, *, actor) -> list[VariableSummary]:
    """List the project's variables, by scope then name; sensitive ones without their value."""
    require_variables_access(actor, project)
    return vault.list_variables(project.pk)


def get_project_variable(project, variable_id: int, *, actor) -> VariableSummary:
    """Return one variable of the project. Raises secrets_vault's VariableNotFound."""
    require_variables_access(actor, project)
    return vault.get_variable(project.pk, variable_id)


@sensitive_variables("value")
def set_project_variable(project, *, actor, name: str, value: str | None, scope: str,
                         sensitive: bool) -> VariableSummary:
    """Create or update a variable; a blank value keeps a stored sensitive value."""
    require_variables_access(actor, project)
    _require_changeable(project)
    return vault.set_variable(project.pk, name, value, scope=scope, sensitive=sensitive, actor=actor,
                              organisation=project.organisation)


def delete_project_variable(project, *, actor, name: str, scope: str) -> None:
    """Delete a variable. Raises secrets_vault's VariableNotFound."""
    require_variables_access(actor, project)
    _require_changeable(project)
    vault.delete_variable(project.pk, name, scope=scope, actor=actor, organisation=project.organisation)


@sensitive_variables("text")
def preview_project_import(project, text: str, *, actor, scope: str, sensitive: bool) -> ImportPreview:
    """Compare a `.env` text with the project's variables of one scope; sensitive values come back masked."""
    require_variables_access(actor, project)
    _require_changeable(project)
    return vault.preview_import(project.pk, text, scope=scope, sensitive=sensitive)


@sensitive_variables("text")
def apply_project_import(project, text: str, *, actor, scope: str, sensitive: bool,
                         fingerprint: str) -> ImportPreview:
    """Apply a previewed `.env` text in one transaction. Raises ImportConflict when the variables changed since."""
    require_variables_access(actor, project)
    _require_changeable(project)
    return vault.apply_import(project.pk, text, scope=scope, sensitive=sensitive, actor=actor,
                              organisation=project.organisation, expected_fingerprint=fingerprint)
