"""Evaluate IAM identity policies against a list of actions, without resource context.

This is pre-flight's fallback when IAM policy simulation is unavailable: it reads the
policies attached to the customer's role (managed and inline) and decides, per action, as
IAM does for one principal. An explicit Deny wins over any Allow, and without an Allow the
action is implicitly denied. A statement with a Condition, or one limited to some
resources, cannot be decided without the request, so its result is reported as such.

Permissions boundaries, session policies, service control policies and resource-based
policies are not evaluated.
"""

from __future__ import annotations

import enum
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Decision(str, enum.Enum):
    """The outcome of evaluating one action."""

    ALLOWED = "allowed"
    DENIED = "denied"
    NOT_ALLOWED = "not_allowed"
    CONDITIONAL = "conditional"


@dataclass(frozen=True)
class Policy:
    """A named identity policy: a document as a mapping, JSON text or URL-encoded JSON."""

    name: str
    document: Mapping[str, Any] | str


@dataclass(frozen=True, eq=False)
class StatementRef:
    """A statement of a policy: the policy's name, its position and its Sid."""

    policy: str
    index: int
    statement: Mapping[str, Any]

    @property
    def sid(self) -> str | None:
        """Return the statement's Sid, or None."""
        return self.statement.get("Sid")

    def __str__(self) -> str:
        label = f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"
        return f"{label} of policy {self.policy!r}"


@dataclass(frozen=True, eq=False)
class ActionResult:
    """The decision for one action and the statement that made it.

    `resources` is the Allow statement's scope: ("*",) for every resource. `excluded` lists
    resources on which an unconditional Deny with a narrower scope denies the action.
    """

    action: str
    decision: Decision
    statement: StatementRef | None
    detail: str
    resources: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    condition: Mapping[str, Any] | None = None

    @property
    def scoped(self) -> bool:
        """Return True when the action is allowed on some resources only."""
        return self.decision is Decision.ALLOWED and (self.resources != ("*",) or bool(self.excluded))

    @property
    def severity(self) -> str:
        """Return "pass", "warn" or "fail" as a pre-flight row shows it."""
        if self.decision is Decision.ALLOWED:
            return "pass"
        if self.decision is Decision.CONDITIONAL:
            return "warn"
        return "fail"


@dataclass(frozen=True, eq=False)
class _Match:
    ref: StatementRef
    effect: str
    resources: tuple[str, ...]
    all_resources: bool
    condition: Mapping[str, Any] | None = field(default=None)


def action_pattern(action: str) -> re.Pattern[str]:
    """Compile an IAM action, with its * and ? wildcards, into a case-insensitive regex."""
    body = re.escape(action).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def load_document(document: Mapping[str, Any] | str) -> Mapping[str, Any]:
    """Return a policy document from a mapping, JSON text or URL-encoded JSON text.

    Raises ValueError when the text is not a JSON object.
    """
    if isinstance(document, Mapping):
        return document
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = urllib.parse.unquote(text)
    loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError(f"A policy document must be a JSON object, not {type(loaded).__name__}.")
    return loaded


def evaluate(policies: Iterable[Policy | Mapping[str, Any] | str], actions: Iterable[str]) -> list[ActionResult]:
    """Return the decision for each action, in the order given.

    `policies` contains Policy objects or bare documents. A bare document is named
    "policy N" after its position, counted from 1.
    """
    statements = list(_statements(policies))
    return [_evaluate_action(action, statements) for action in actions]


def _statements(policies: Iterable[Policy | Mapping[str, Any] | str]) -> Iterable[StatementRef]:
    for number, policy in enumerate(policies, start=1):
        if not isinstance(policy, Policy):
            policy = Policy(name=f"policy {number}", document=policy)
        document = load_document(policy.document)
        statements = document.get("Statement", [])
        if isinstance(statements, Mapping):
            statements = [statements]
        for index, statement in enumerate(statements):
            yield StatementRef(policy=policy.name, index=index, statement=statement)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _match(action: str, ref: StatementRef) -> _Match | None:
    """Return how a statement applies to an action, or None when it does not cover it."""
    statement = ref.statement
    if "NotAction" in statement:
        covered = not any(action_pattern(pattern).fullmatch(action) for pattern in _as_list(statement["NotAction"]))
    else:
        covered = any(action_pattern(pattern).fullmatch(action) for pattern in _as_list(statement.get("Action")))
    if not covered:
        return None

    if "NotResource" in statement:
        excluded = tuple(_as_list(statement["NotResource"]))
        resources = tuple(f"all but {resource}" for resource in excluded)
        all_resources = not excluded
    else:
        resources = tuple(_as_list(statement.get("Resource", "*")))
        all_resources = "*" in resources
    return _Match(
        ref=ref,
        effect=str(statement.get("Effect", "")).capitalize(),
        resources=("*",) if all_resources else resources,
        all_resources=all_resources,
        condition=statement.get("Condition") or None,
    )


def _evaluate_action(action: str, statements: list[StatementRef]) -> ActionResult:
    matches = [found for found in (_match(action, ref) for ref in statements) if found]
    denies = [found for found in matches if found.effect == "Deny"]
    allows = [found for found in matches if found.effect == "Allow"]

    for deny in denies:
        if deny.condition is None and deny.all_resources:
            return ActionResult(action, Decision.DENIED, deny.ref, f"Explicitly denied by {deny.ref}.")

    if not allows:
        return ActionResult(action, Decision.NOT_ALLOWED, None, "No statement allows this action.")

    # Prefer the Allow that needs the least: no condition, then every resource.
    allow = min(allows, key=lambda found: (found.condition is not None, not found.all_resources))
    if allow.condition is not None:
        return ActionResult(
            action,
            Decision.CONDITIONAL,
            allow.ref,
            f"Allowed only under condition {json.dumps(allow.condition, sort_keys=True)} by {allow.ref}.",
            resources=allow.resources,
            condition=allow.condition,
        )

    conditional_deny = next((deny for deny in denies if deny.condition is not None), None)
    if conditional_deny:
        return ActionResult(
            action,
            Decision.CONDITIONAL,
            conditional_deny.ref,
            f"Allowed by {allow.ref}, but denied under condition "
            f"{json.dumps(conditional_deny.condition, sort_keys=True)} by {conditional_deny.ref}.",
            resources=allow.resources,
            condition=conditional_deny.condition,
        )

    excluded = tuple(resource for deny in denies for resource in deny.resources)
    if allow.all_resources and not excluded:
        return ActionResult(action, Decision.ALLOWED, allow.ref, f"Allowed by {allow.ref}.", resources=("*",))
    detail = f"Allowed on some resources ({', '.join(allow.resources)}) by {allow.ref}"
    if excluded:
        detail += f", except {', '.join(excluded)}, denied by {', '.join(str(deny.ref) for deny in denies)}"
    return ActionResult(
        action, Decision.ALLOWED, allow.ref, detail + ".", resources=allow.resources, excluded=excluded
    )
