"""Data types of the permissions catalogue: scopes, groups of actions, and a catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..policy_eval import action_pattern

ALLOW = "Allow"
DENY = "Deny"

# Placeholders that resource ARNs and condition values carry until a document is rendered.
PARTITION = "${Partition}"
ACCOUNT_ID = "${AccountId}"


def _empty() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True)
class ContextValue:
    """A value that satisfies a condition key, for IAM policy simulation (SimulatePrincipalPolicy)."""

    value: str
    key_type: str = "string"


@dataclass(frozen=True, eq=False)
class Scope:
    """The resources and the condition that a group's statement applies to, with the reason.

    Resource ARNs and condition values may contain the PARTITION and ACCOUNT_ID placeholders.
    `context` gives, for each condition key, a value that satisfies the condition.
    """

    resources: tuple[str, ...]
    reason: str
    condition: Mapping[str, Mapping[str, str | tuple[str, ...]]] = field(default_factory=_empty)
    context: Mapping[str, ContextValue] = field(default_factory=_empty)

    def key(self) -> tuple:
        """Return a hashable form of the resources and the condition, to compare two scopes."""
        condition = tuple(
            (operator, tuple(sorted((name, _as_tuple(value)) for name, value in values.items())))
            for operator, values in sorted(self.condition.items())
        )
        return (tuple(sorted(self.resources)), condition)


@dataclass(frozen=True, eq=False)
class PermissionGroup:
    """IAM actions needed for one purpose, granted (or denied) together on one scope.

    `notes` maps an action to the reason it is in the group, where the group's reason does
    not say it, or to a caveat about that action.
    """

    key: str
    title: str
    reason: str
    actions: tuple[str, ...]
    scope: Scope
    effect: str = ALLOW
    notes: Mapping[str, str] = field(default_factory=_empty)

    @property
    def sid(self) -> str:
        """Return the statement id: the key in CamelCase, as IAM allows only [A-Za-z0-9] there."""
        return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", self.key))


@dataclass(frozen=True)
class DroppedAction:
    """An action deliberately left out of the catalogue, with the reason."""

    action: str
    reason: str


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Every AWS permission that the portal needs for one engine kind and mode."""

    kind: str
    mode: str
    groups: tuple[PermissionGroup, ...]
    dropped: tuple[DroppedAction, ...] = field(default=())

    def actions(self) -> list[str]:
        """Return the allowed actions, sorted and without duplicates."""
        names = {action for group in self.groups if group.effect == ALLOW for action in group.actions}
        return sorted(names)

    def denied_actions(self) -> list[str]:
        """Return the actions that a Deny statement restricts, sorted and without duplicates."""
        names = {action for group in self.groups if group.effect == DENY for action in group.actions}
        return sorted(names)

    def groups_of(self, action: str) -> list[PermissionGroup]:
        """Return the groups that list an action, compared case-insensitively."""
        requested = action.lower()
        return [group for group in self.groups if requested in {name.lower() for name in group.actions}]

    def missing(self, allowed_actions: Iterable[str]) -> list[str]:
        """Return the catalogue's actions that `allowed_actions` does not cover.

        `allowed_actions` may hold IAM wildcard patterns such as "s3:Get*" or "*". The
        comparison is case-insensitive, as in IAM.
        """
        patterns = [action_pattern(allowed) for allowed in allowed_actions]
        return [action for action in self.actions() if not any(pattern.fullmatch(action) for pattern in patterns)]


def _as_tuple(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(sorted(value))
