"""Changes to environment variables: each one a transaction with its audit event.

Values leave this module only for non-sensitive variables. Sensitive values are registered for
log redaction as soon as they arrive, and audit events carry names, scopes and flags, never a value.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.views.decorators.debug import sensitive_variables

from aichor_portal.redaction import register_secret
from audit import services as audit
from secrets_vault.models import EnvironmentVariable, VariableScope
from secrets_vault.signals import variables_changed
from secrets_vault.validators import validate_variable_name

logger = logging.getLogger(__name__)


class VariableNotFound(Exception):
    """Raised when a project has no variable of that name in that scope."""


@dataclass(frozen=True)
class VariableSummary:
    """A variable as members see it: the value only when the variable is not sensitive."""

    id: int
    project_id: int
    name: str
    scope: str
    sensitive: bool
    value: str | None
    updated_at: datetime
    updated_by_label: str

    @property
    def display_value(self) -> str:
        """Return the value, or for a sensitive variable the time and the user of its last change."""
        if not self.sensitive:
            return self.value
        return f"set, updated {self.updated_at:%Y-%m-%d %H:%M} UTC by {self.updated_by_label or 'unknown'}"

    @classmethod
    def of(cls, variable: EnvironmentVariable) -> "VariableSummary":
        return cls(
            id=variable.pk,
            project_id=variable.project_id,
            name=variable.name,
            scope=variable.scope,
            sensitive=variable.sensitive,
            value=None if variable.sensitive else variable.value,
            updated_at=variable.updated_at,
            updated_by_label=variable.updated_by_label,
        )


def vault_alias() -> str:
    return router.db_for_write(EnvironmentVariable)


@contextmanager
def vault_transaction():
    """Open a transaction on the main database and, inside it, one on the vault database.

    Both roll back if the block raises. On leaving the block the vault commits first, then the
    main database. Without a two-phase commit across the two databases, a failure between the
    two commits (a crash, or an error on the main database's COMMIT) leaves the vault change
    stored without its audit event. The reverse never happens: no audit event, and no project
    deletion, is committed for a vault change that rolled back.
    """
    with transaction.atomic(using=DEFAULT_DB_ALIAS), transaction.atomic(using=vault_alias()):
        yield


@sensitive_variables("value")
def set_variable(
    project_id: int, name: str, value: str | None, *, scope: str, sensitive: bool, actor, organisation
) -> VariableSummary:
    """Create or update a project's variable, with its audit event.

    A blank value on an existing sensitive variable keeps the stored value. Making a sensitive
    variable non-sensitive needs a new value, since the stored one was never meant to be shown.
    """
    validate_variable_name(name)
    scope = valid_scope(scope)
    value = value or ""
    validate_value(name, value)
    if sensitive:
        register_secret(value)

    with vault_transaction():
        variable = _lock_variable(project_id, name, scope)
        created = variable is None
        keep_stored = not created and variable.sensitive and value == ""
        if keep_stored and not sensitive:
            raise ValidationError(
                "%(name)s is sensitive: enter a new value to make it non-sensitive, since the stored value "
                "is never shown.",
                code="value_required",
                params={"name": name},
            )

        if created:
            variable = EnvironmentVariable(project_id=project_id, name=name, scope=scope)
        if not keep_stored:
            variable.value = value
        variable.sensitive = sensitive
        stamp_updater(variable, actor)
        variable.save(using=vault_alias())

        record_change(
            actor,
            "environment_variable.create" if created else "environment_variable.update",
            variable,
            organisation,
            value_replaced=not keep_stored,
        )
        announce_change(project_id, scope)

    logger.info("Variable %s %s of project %s (%s)", "created" if created else "updated", name, project_id, scope)
    return VariableSummary.of(variable)


def delete_variable(project_id: int, name: str, *, scope: str, actor, organisation) -> None:
    """Delete a project's variable, with its audit event. Raises VariableNotFound."""
    scope = valid_scope(scope)

    with vault_transaction():
        variable = _lock_variable(project_id, name, scope)
        if variable is None:
            raise VariableNotFound(f"Project {project_id} has no {scope} variable named {name!r}.")
        record_change(actor, "environment_variable.delete", variable, organisation)
        variable.delete(using=vault_alias())
        announce_change(project_id, scope)

    logger.info("Variable %s deleted from project %s (%s)", name, project_id, scope)


def list_variables(project_id: int, *, scope: str | None = None) -> list[VariableSummary]:
    """List a project's variables, by scope then name; sensitive ones without their value."""
    variables = EnvironmentVariable.objects.filter(project_id=project_id)
    if scope is not None:
        variables = variables.filter(scope=valid_scope(scope))
    return [VariableSummary.of(variable) for variable in variables.order_by("scope", "name")]


def get_variable(project_id: int, variable_id: int) -> VariableSummary:
    """Return one variable of a project, without its value when sensitive. Raises VariableNotFound."""
    variable = EnvironmentVariable.objects.filter(project_id=project_id, pk=variable_id).first()
    if variable is None:
        raise VariableNotFound(f"Project {project_id} has no variable with id {variable_id}.")
    return VariableSummary.of(variable)


@sensitive_variables()
def runtime_environment(project_id: int) -> dict[str, str]:
    """Return the names and plaintext values of a project's runtime variables, sensitive ones included.

    Only the step that writes the project's Kubernetes Secret calls this. Build-time variables
    are left out. Raises UndecryptableValueError when no configured key decrypts a value.
    """
    variables = EnvironmentVariable.objects.filter(project_id=project_id, scope=VariableScope.RUNTIME)
    return {variable.name: variable.value for variable in variables.order_by("name")}


def delete_project_variables(project_id: int) -> int:
    """Delete every variable of a project; return how many rows were deleted.

    Call it inside `vault_transaction()`, in the same block that deletes the project and records
    the project's audit event, so that a failure anywhere in that block keeps both the project
    and its variables. The vault commits just before the main database, so a committed project
    deletion never leaves variables behind.
    """
    if not all(transaction.get_connection(alias).in_atomic_block for alias in (DEFAULT_DB_ALIAS, vault_alias())):
        raise RuntimeError(
            "delete_project_variables must run inside vault_transaction(), with the deletion of the project."
        )

    deleted, _ = EnvironmentVariable.objects.filter(project_id=project_id).delete()
    logger.info("Deleted %s variable(s) of project %s", deleted, project_id)
    return deleted


def find_orphan_project_ids(live_project_ids: Iterable[int]) -> set[int]:
    """Return the project ids that have variables in the vault but are not in `live_project_ids`."""
    stored = set(EnvironmentVariable.objects.values_list("project_id", flat=True).distinct())
    return stored - set(live_project_ids)


def valid_scope(scope: str) -> str:
    if scope not in VariableScope.values:
        raise ValidationError(
            "%(value)r is not a valid scope: use %(choices)s.",
            code="invalid_scope",
            params={"value": scope, "choices": " or ".join(VariableScope.values)},
        )
    return scope


def validate_value(name: str, value: str) -> None:
    if not isinstance(value, str):
        raise ValidationError("The value of %(name)s must be text.", code="invalid_value", params={"name": name})
    if "\x00" in value:
        raise ValidationError(
            "The value of %(name)s contains a NUL character, which environment variables cannot contain.",
            code="invalid_value",
            params={"name": name},
        )


def _lock_variable(project_id: int, name: str, scope: str) -> EnvironmentVariable | None:
    return (
        EnvironmentVariable.objects.select_for_update()
        .filter(project_id=project_id, scope=scope, name=name)
        .first()
    )


def stamp_updater(variable: EnvironmentVariable, actor) -> None:
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    variable.updated_by_id = user.pk if user is not None else None
    variable.updated_by_label = (actor.label or "unknown")[:150]


def record_change(actor, action: str, variable: EnvironmentVariable, organisation, **details) -> None:
    audit.record(
        actor,
        action,
        variable,
        organisation=organisation,
        details={
            "project_id": variable.project_id,
            "name": variable.name,
            "scope": variable.scope,
            "sensitive": variable.sensitive,
            **details,
        },
    )


def announce_change(project_id: int, scope: str) -> None:
    transaction.on_commit(
        lambda: variables_changed.send(sender=EnvironmentVariable, project_id=project_id, scope=scope),
        using=DEFAULT_DB_ALIAS,
    )
