"""Services of the secrets vault: every change to a variable goes through these functions."""

from secrets_vault.services.bulk_import import (
    MASK,
    ImportChange,
    ImportConflict,
    ImportLine,
    ImportPreview,
    apply_import,
    preview_import,
)
from secrets_vault.services.variables import (
    VariableNotFound,
    VariableSummary,
    delete_project_variables,
    delete_variable,
    find_orphan_project_ids,
    get_variable,
    list_variables,
    runtime_environment,
    set_variable,
    vault_transaction,
)

__all__ = [
    "MASK",
    "ImportChange",
    "ImportConflict",
    "ImportLine",
    "ImportPreview",
    "VariableNotFound",
    "VariableSummary",
    "apply_import",
    "delete_project_variables",
    "delete_variable",
    "find_orphan_project_ids",
    "get_variable",
    "list_variables",
    "preview_import",
    "runtime_environment",
    "set_variable",
    "vault_transaction",
]
