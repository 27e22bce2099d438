"""The catalogue of AWS permissions the portal needs, per engine kind and mode.

`catalogue(kind, mode)` returns the groups of actions with their scopes and reasons, and
renders them as IAM policy documents for the customer's role. Add a
kind by writing its groups in a module beside eks.py and registering them below.
"""

from __future__ import annotations

from . import eks, eks_import
from .boundary import BOUNDARY_POLICY_ARN, BOUNDARY_POLICY_NAME, BOUNDARY_POLICY_PATH
from .common import COMMON_DROPPED, COMMON_GROUPS
from .documents import MAX_POLICY_CHARACTERS, boundary_policy_document, compact_length
from .documents import policy_documents as _policy_documents
from .documents import simulation_context as _simulation_context
from .model import ALLOW, DENY, Catalogue, ContextValue, DroppedAction, PermissionGroup, Scope

__all__ = [
    "ALLOW",
    "BOUNDARY_POLICY_ARN",
    "BOUNDARY_POLICY_NAME",
    "BOUNDARY_POLICY_PATH",
    "DENY",
    "MAX_POLICY_CHARACTERS",
    "AwsCatalogue",
    "Catalogue",
    "ContextValue",
    "DroppedAction",
    "PermissionGroup",
    "Scope",
    "UnknownCatalogueError",
    "boundary_policy_document",
    "catalogue",
    "compact_length",
    "supported",
]


class AwsCatalogue(Catalogue):
    """A catalogue of AWS permissions that renders itself as IAM policy documents."""

    def policy_documents(self, partition: str = "aws", account_id: str = "*") -> list[dict]:
        """Return the IAM policy documents, each within IAM's managed-policy size limit."""
        return _policy_documents(self, partition, account_id)

    def boundary_policy_document(self, partition: str = "aws", account_id: str = "*") -> dict:
        """Return the permissions boundary for the roles the portal creates."""
        return boundary_policy_document(partition, account_id)

    def simulation_context(self, partition: str = "aws", account_id: str = "*") -> list[dict]:
        """Return SimulatePrincipalPolicy ContextEntries that satisfy this catalogue's conditions."""
        return _simulation_context(self, partition, account_id)


_GROUPS = {
    ("eks", "import"): COMMON_GROUPS + eks.IMPORT_GROUPS + eks_import.GROUPS,
    ("eks", "create"): COMMON_GROUPS + eks.CREATE_GROUPS + eks_import.GROUPS,
}


class UnknownCatalogueError(ValueError):
    """No catalogue exists for the requested engine kind and mode."""


def supported() -> list[tuple[str, str]]:
    """Return the (kind, mode) pairs that have a catalogue."""
    return sorted(_GROUPS)


def catalogue(kind: str, mode: str) -> AwsCatalogue:
    """Return the permissions catalogue of an AWS engine kind ("eks") and mode ("import", "create")."""
    groups = _GROUPS.get((str(kind), str(mode)))
    if groups is None:
        pairs = ", ".join(f"{k}/{m}" for k, m in supported())
        raise UnknownCatalogueError(
            f"No AWS permissions catalogue for engine kind {kind!r} in mode {mode!r}. Supported: {pairs}."
        )
    return AwsCatalogue(kind=str(kind), mode=str(mode), groups=groups, dropped=COMMON_DROPPED)
