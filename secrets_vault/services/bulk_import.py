"""Bulk edit of a project's variables from a `.env` text: a preview, then one transaction.

Previews mask sensitive values, and never compare a new sensitive value with the stored one.
"""

import enum
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables

from aichor_portal.redaction import register_secret
from secrets_vault.dotenv import parse_dotenv
from secrets_vault.models import EnvironmentVariable
from secrets_vault.services.variables import (
    announce_change,
    record_change,
    stamp_updater,
    valid_scope,
    validate_value,
    vault_alias,
    vault_transaction,
)

logger = logging.getLogger(__name__)

# The placeholder a preview shows in place of a sensitive value.
MASK = "********"


class ImportConflict(Exception):
    """Raised when the variables changed between an import's preview and its application."""


class ImportChange(enum.StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ImportLine:
    """One variable in an import preview; values of sensitive variables are masked."""

    name: str
    change: ImportChange
    sensitive: bool
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class ImportPreview:
    """The changes a `.env` import makes to one scope of a project.

    `fingerprint` identifies the stored variables and the planned changes: pass it back to
    `apply_import` to apply exactly what was previewed.
    """

    project_id: int
    scope: str
    lines: tuple[ImportLine, ...]
    fingerprint: str

    def _with(self, change: ImportChange) -> list[ImportLine]:
        return [line for line in self.lines if line.change == change]

    @property
    def added(self) -> list[ImportLine]:
        return self._with(ImportChange.ADDED)

    @property
    def changed(self) -> list[ImportLine]:
        return self._with(ImportChange.CHANGED)

    @property
    def removed(self) -> list[ImportLine]:
        return self._with(ImportChange.REMOVED)

    @property
    def unchanged(self) -> list[ImportLine]:
        return self._with(ImportChange.UNCHANGED)

    @property
    def has_changes(self) -> bool:
        return any(line.change != ImportChange.UNCHANGED for line in self.lines)


@dataclass(frozen=True)
class _PlannedChange:
    line: ImportLine
    value: str | None = field(repr=False)
    variable: EnvironmentVariable | None = field(repr=False)


@sensitive_variables()
def preview_import(project_id: int, text: str, *, scope: str, sensitive: bool = True) -> ImportPreview:
    """Compare a `.env` text with the stored variables of one scope, without changing anything.

    The file is the complete new set for the scope: stored variables missing from it are
    removed. `sensitive` is the flag of the variables it adds; existing ones keep theirs.
    Raises DotenvError on a text that does not parse.
    """
    scope = valid_scope(scope)
    entries = parse_dotenv(text)
    stored = EnvironmentVariable.objects.filter(project_id=project_id, scope=scope)
    existing = {variable.name: variable for variable in stored}
    plan = _plan_import(existing, entries, sensitive)
    return _preview_of(project_id, scope, existing, plan)


@sensitive_variables()
def apply_import(
    project_id: int,
    text: str,
    *,
    scope: str,
    sensitive: bool = True,
    actor,
    organisation,
    expected_fingerprint: str | None = None,
) -> ImportPreview:
    """Apply a `.env` text to one scope of a project in one transaction; return what changed.

    With `expected_fingerprint` (from `preview_import`), raises ImportConflict instead of
    applying anything when the stored variables or the planned changes differ from the preview.
    """
    scope = valid_scope(scope)
    entries = parse_dotenv(text)
    alias = vault_alias()

    with vault_transaction():
        locked = EnvironmentVariable.objects.select_for_update().filter(project_id=project_id, scope=scope)
        existing = {variable.name: variable for variable in locked}
        plan = _plan_import(existing, entries, sensitive)
        preview = _preview_of(project_id, scope, existing, plan)
        if expected_fingerprint is not None and preview.fingerprint != expected_fingerprint:
            raise ImportConflict(
                f"The {scope} variables of project {project_id} changed since the preview: preview the file again."
            )

        for planned in plan:
            _apply_planned(project_id, scope, planned, actor, organisation, alias)
        if preview.has_changes:
            announce_change(project_id, scope)

    logger.info(
        "Imported %s variable(s) into project %s (%s): %s added, %s changed, %s removed",
        len(entries), project_id, scope, len(preview.added), len(preview.changed), len(preview.removed),
    )
    return preview


@sensitive_variables()
def _plan_import(existing: dict, entries: dict[str, str], sensitive: bool) -> list[_PlannedChange]:
    plan = []
    for name, value in entries.items():
        validate_value(name, value)
        variable = existing.get(name)
        if variable is None:
            is_sensitive = sensitive
            change = ImportChange.ADDED
        elif variable.sensitive:
            # Never compared: telling whether a guess equals the stored secret would reveal it.
            # A blank value keeps the stored one, as in the edit form.
            is_sensitive = True
            change = ImportChange.UNCHANGED if value == "" else ImportChange.CHANGED
        else:
            is_sensitive = False
            change = ImportChange.UNCHANGED if value == variable.value else ImportChange.CHANGED

        if is_sensitive:
            register_secret(value)
        old_shown = None if variable is None else _stored_shown(variable)
        line = ImportLine(name, change, is_sensitive, old_shown, MASK if is_sensitive else value)
        plan.append(_PlannedChange(line, value, variable))

    for name, variable in existing.items():
        if name not in entries:
            line = ImportLine(name, ImportChange.REMOVED, variable.sensitive, _stored_shown(variable), None)
            plan.append(_PlannedChange(line, None, variable))
    return plan


def _stored_shown(variable: EnvironmentVariable) -> str:
    # A sensitive value is not even read: an undecryptable one must not stop the preview.
    return MASK if variable.sensitive else variable.value


def _preview_of(project_id: int, scope: str, existing: dict, plan: list[_PlannedChange]) -> ImportPreview:
    lines = tuple(planned.line for planned in plan)
    state = sorted(
        (variable.pk, name, variable.sensitive, variable.updated_at.isoformat()) for name, variable in existing.items()
    )
    planned = [(line.name, line.change.value, line.sensitive, line.old_value, line.new_value) for line in lines]
    digest = hashlib.sha256(json.dumps([state, planned]).encode()).hexdigest()
    return ImportPreview(project_id=project_id, scope=scope, lines=lines, fingerprint=digest)


@sensitive_variables()
def _apply_planned(project_id: int, scope: str, planned: _PlannedChange, actor, organisation, alias: str) -> None:
    line, variable = planned.line, planned.variable
    if line.change == ImportChange.UNCHANGED:
        return

    if line.change == ImportChange.REMOVED:
        record_change(actor, "environment_variable.delete", variable, organisation, source="import")
        variable.delete(using=alias)
        return

    if variable is None:
        variable = EnvironmentVariable(project_id=project_id, name=line.name, scope=scope, sensitive=line.sensitive)
    variable.value = planned.value
    stamp_updater(variable, actor)
    variable.save(using=alias)
    action = "environment_variable.create" if line.change == ImportChange.ADDED else "environment_variable.update"
    record_change(actor, action, variable, organisation, value_replaced=True, source="import")
