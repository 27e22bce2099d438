"""Compare what the role's own policies allow with what the catalogue publishes, action by action.

An action passes when the role allows it at least as widely as the published policy:
on every resource the catalogue names, and either without a condition or under exactly
the catalogue's condition, which the portal's requests always meet. An action that the
role allows only under another condition, or on fewer resources, is a warning, because
whether a request passes then depends on the request.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from engines.choices import CheckResult
from engines.providers.aws.permissions import ALLOW, DENY
from engines.providers.aws.permissions.documents import render
from engines.providers.aws.policy_eval import ActionResult, Decision


@dataclass(frozen=True)
class Expectation:
    """The published policy's grant of one action: resources, accepted conditions, and denied resources.

    The published JSON names either the account id or `*` as the account, so both
    renderings of a condition or a denied resource are accepted.
    """

    resources: tuple[str, ...]
    conditions: tuple[dict, ...] = ()
    denied: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """The verdict on one action, and why."""

    action: str
    result: str
    explanation: str


def expectations(catalogue, partition: str, account_id: str) -> dict[str, Expectation]:
    """Return, per action in lower case, how the catalogue rendered for this account grants it."""
    renderings = (account_id, "*")
    allowed: dict[str, Expectation] = {}
    denied: dict[str, set[str]] = {}
    for group in catalogue.groups:
        action_names = [action.lower() for action in group.actions]
        if group.effect == DENY:
            for action in action_names:
                denied.setdefault(action, set()).update(
                    render(resource, partition, account) for resource in group.scope.resources for account in renderings
                )
            continue
        if group.effect != ALLOW:
            continue
        resources = tuple(render(resource, partition, account_id) for resource in group.scope.resources)
        conditions = ()
        if group.scope.condition:
            condition = dict(group.scope.condition)
            conditions = tuple(normalise(render(condition, partition, account)) for account in renderings)
        for action in action_names:
            allowed.setdefault(action, Expectation(resources, conditions))
    return {
        action: Expectation(expectation.resources, expectation.conditions, tuple(sorted(denied.get(action, ()))))
        for action, expectation in allowed.items()
    }


def assess(result: ActionResult, expectation: Expectation) -> Finding:
    """Return the verdict on one action from the role's policies, against the published expectation."""
    if result.decision is Decision.NOT_ALLOWED:
        return Finding(result.action, CheckResult.FAIL, "")
    if result.decision is Decision.DENIED:
        return Finding(result.action, CheckResult.FAIL, result.detail)

    uncovered = [required for required in expectation.resources
                 if not any(covers(allowed, required) for allowed in result.resources)]
    if uncovered:
        return Finding(result.action, CheckResult.WARN,
                       f"{result.detail} The portal needs it on {', '.join(uncovered)}.")
    extra_denials = [resource for resource in result.excluded if resource not in expectation.denied]
    if extra_denials:
        return Finding(result.action, CheckResult.WARN, result.detail)

    if result.decision is Decision.CONDITIONAL:
        if normalise(result.condition) in expectation.conditions:
            return Finding(result.action, CheckResult.PASS, result.detail)
        return Finding(result.action, CheckResult.WARN, result.detail)
    return Finding(result.action, CheckResult.PASS, result.detail)


def covers(allowed: str, required: str) -> bool:
    """Decide whether a policy's resource pattern covers a resource pattern of the catalogue."""
    if allowed == "*":
        return True
    body = re.escape(allowed).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(body, required) is not None


def normalise(condition: Mapping | None) -> dict:
    """Return a condition block in a comparable form: keys in lower case, values as sorted lists."""
    if not condition:
        return {}
    normalised = {}
    for operator, values in condition.items():
        normalised[operator] = {
            key.lower(): sorted([value] if isinstance(value, str) else [str(item) for item in value])
            for key, value in values.items()
        }
    return normalised
