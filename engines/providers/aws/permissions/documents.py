"""Render a catalogue as IAM policy documents that fit IAM's size limit for managed policies."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .boundary import boundary_statements
from .model import ACCOUNT_ID, ALLOW, PARTITION, Catalogue, PermissionGroup

POLICY_VERSION = "2012-10-17"

# IAM rejects a managed policy longer than 6,144 characters, whitespace not counted.
MAX_POLICY_CHARACTERS = 6144

# Documents are sized with the longest values the placeholders take (CloudFormation's
# ${AWS::Partition} and ${AWS::AccountId}), so every rendering splits the same way and fits.
_SIZING_PARTITION = "${AWS::Partition}"
_SIZING_ACCOUNT_ID = "${AWS::AccountId}"


def policy_documents(catalogue: Catalogue, partition: str = "aws", account_id: str = "*") -> list[dict]:
    """Return the catalogue as IAM policy documents, each within MAX_POLICY_CHARACTERS.

    Each group becomes one statement, split into several when it alone is too long. An
    action that an earlier Allow statement already grants on the same scope is left out.
    """
    # First fit, in catalogue order: each statement goes into the first document with room.
    documents: list[list[dict]] = []
    sized_documents: list[list[dict]] = []
    for statement in _statements(catalogue):
        sized = render(statement, _SIZING_PARTITION, _SIZING_ACCOUNT_ID)
        for document, sized_document in zip(documents, sized_documents):
            if _size([*sized_document, sized]) < MAX_POLICY_CHARACTERS:
                document.append(statement)
                sized_document.append(sized)
                break
        else:
            documents.append([statement])
            sized_documents.append([sized])
    return [render(_document(document), partition, account_id) for document in documents]


def boundary_policy_document(partition: str = "aws", account_id: str = "*") -> dict:
    """Return the permissions boundary that every role the portal creates carries."""
    return render(_document(boundary_statements()), partition, account_id)


def simulation_context(catalogue: Catalogue, partition: str = "aws", account_id: str = "*") -> list[dict]:
    """Return ContextEntries for SimulatePrincipalPolicy that satisfy the catalogue's conditions.

    Without them, IAM simulation reports the actions of a conditional statement as implicitly
    denied and lists the keys in MissingContextValues.
    """
    entries = {}
    for group in catalogue.groups:
        for key, context_value in group.scope.context.items():
            entries[key] = {
                "ContextKeyName": key,
                "ContextKeyValues": [render(context_value.value, partition, account_id)],
                "ContextKeyType": context_value.key_type,
            }
    return [entries[key] for key in sorted(entries)]


def render(value, partition: str, account_id: str):
    """Return a copy of a document, statement or string with the placeholders replaced."""
    if isinstance(value, str):
        return value.replace(PARTITION, partition).replace(ACCOUNT_ID, account_id)
    if isinstance(value, dict):
        return {key: render(item, partition, account_id) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(item, partition, account_id) for item in value]
    return value


def compact_length(document: dict) -> int:
    """Return a document's length as IAM counts it: JSON without whitespace between tokens."""
    return len(json.dumps(document, separators=(",", ":")))


def _statements(catalogue: Catalogue) -> list[dict]:
    granted: set[tuple] = set()
    statements = []
    for group in catalogue.groups:
        actions = list(group.actions)
        if group.effect == ALLOW:
            actions = [action for action in actions if (action.lower(), group.scope.key()) not in granted]
            granted.update((action.lower(), group.scope.key()) for action in actions)
        if actions:
            statements.extend(_split(group, actions))
    return statements


def _split(group: PermissionGroup, actions: list[str]) -> list[dict]:
    """Return the group's statement, or several numbered ones when a single one is too long."""
    parts: list[list[str]] = [[]]
    for action in actions:
        candidate = _statement(group, group.sid, [*parts[-1], action])
        if parts[-1] and _size([render(candidate, _SIZING_PARTITION, _SIZING_ACCOUNT_ID)]) >= MAX_POLICY_CHARACTERS:
            parts.append([action])
        else:
            parts[-1].append(action)
    if len(parts) == 1:
        return [_statement(group, group.sid, parts[0])]
    return [_statement(group, f"{group.sid}{number}", part) for number, part in enumerate(parts, start=1)]


def _statement(group: PermissionGroup, sid: str, actions: Iterable[str]) -> dict:
    resources = list(group.scope.resources)
    statement = {
        "Sid": sid,
        "Effect": group.effect,
        "Action": sorted(actions),
        "Resource": resources[0] if len(resources) == 1 else resources,
    }
    if group.scope.condition:
        statement["Condition"] = {
            operator: {key: value if isinstance(value, str) else list(value) for key, value in values.items()}
            for operator, values in group.scope.condition.items()
        }
    return statement


def _document(statements: list[dict]) -> dict:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def _size(statements: list[dict]) -> int:
    return compact_length(_document(statements))
