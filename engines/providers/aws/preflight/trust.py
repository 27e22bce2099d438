"""Read a role's trust policy: does it let the portal in only with this cloud account's ExternalId?

The ExternalId is what keeps another organisation from registering the same role in the
portal: the portal is one principal for every organisation, so a statement that trusts
it without this account's ExternalId lets any of them assume the role.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engines.providers.aws.policy_eval import action_pattern, load_document

from .base import Outcome

ASSUME_ROLE = "sts:AssumeRole"
EXTERNAL_ID_KEY = "sts:externalid"


@dataclass(frozen=True)
class TrustStatement:
    """An Allow statement of a trust policy that lets the portal call sts:AssumeRole."""

    label: str
    external_ids: tuple[str, ...] | None
    other_operators: tuple[str, ...] = ()


def evaluate_trust(document: Mapping[str, Any] | str, portal_principal: str, external_id: str) -> Outcome:
    """Decide whether a trust policy requires `external_id` from the portal in every statement that trusts it."""
    allows = [
        _describe(index, statement)
        for index, statement in _statements(document)
        if _effect(statement) == "Allow" and _trusts_portal(statement, portal_principal)
    ]
    role_fix = (
        f"Deploy the CloudFormation template from this page, or edit the role's trust policy so that its only "
        f"statement allows {ASSUME_ROLE} to {portal_principal} with the condition "
        f"StringEquals sts:ExternalId = {external_id}."
    )
    if not allows:
        return Outcome.failed(
            f"No statement of the trust policy allows {portal_principal} to call {ASSUME_ROLE}.", role_fix
        )

    problems, warnings = [], []
    for statement in allows:
        if statement.external_ids is None:
            problems.append(
                f"{statement.label} lets the portal assume the role without requiring an ExternalId, so any "
                "organisation in the portal could register this role"
                + (f" (its {', '.join(statement.other_operators)} condition on sts:ExternalId is not an exact match)"
                   if statement.other_operators else "")
                + "."
            )
        elif external_id not in statement.external_ids:
            problems.append(f"{statement.label} requires an ExternalId other than this cloud account's.")
        elif len(statement.external_ids) > 1:
            warnings.append(
                f"{statement.label} also accepts {len(statement.external_ids) - 1} other ExternalId(s): every "
                "cloud account of the portal with one of them can use this role."
            )
    if problems:
        return Outcome.failed(" ".join(problems), role_fix)
    if warnings:
        return Outcome.warning(
            " ".join(warnings), f"Keep only this cloud account's ExternalId, {external_id}, in the trust policy."
        )
    return Outcome.passed(
        f"The trust policy allows {portal_principal} to assume the role only with this cloud account's ExternalId."
    )


def _statements(document) -> list[tuple[int, Mapping[str, Any]]]:
    statements = load_document(document).get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [(index, statement) for index, statement in enumerate(statements) if _covers_assume_role(statement)]


def _effect(statement) -> str:
    return str(statement.get("Effect", "")).capitalize()


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        return [value]
    return list(value)


def _covers_assume_role(statement) -> bool:
    if "NotAction" in statement:
        return not any(action_pattern(action).fullmatch(ASSUME_ROLE) for action in _as_list(statement["NotAction"]))
    return any(action_pattern(action).fullmatch(ASSUME_ROLE) for action in _as_list(statement.get("Action")))


def _trusts_portal(statement, portal_principal: str) -> bool:
    """Decide whether a statement's Principal names the portal: its ARN, its account, or everyone."""
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    names = {str(name) for name in _as_list(principal.get("AWS"))}
    portal_account = portal_principal.split(":")[4] if portal_principal.count(":") >= 5 else ""
    partition = portal_principal.split(":")[1] if portal_account else "aws"
    accepted = {"*", portal_principal}
    if portal_account:
        accepted |= {portal_account, f"arn:{partition}:iam::{portal_account}:root"}
    return bool(names & accepted)


def _describe(index: int, statement) -> TrustStatement:
    sid = statement.get("Sid")
    label = f"Statement {sid!r}" if sid else f"Statement #{index + 1}"
    required, other_operators = None, []
    for operator, values in (statement.get("Condition") or {}).items():
        for key, value in (values or {}).items():
            if key.lower() != EXTERNAL_ID_KEY:
                continue
            if operator == "StringEquals":
                found = tuple(str(item) for item in _as_list(value))
                required = found if required is None else tuple(set(required) & set(found))
            else:
                other_operators.append(operator)
    return TrustStatement(label=label, external_ids=required, other_operators=tuple(other_operators))
