"""Permission check: the role is allowed every action of the catalogue for the engine kind and mode.

IAM policy simulation decides where it is available. Otherwise (moto has none), the
role's own attached and inline policies are evaluated, which also explains each
action that simulation denies.
"""

from botocore.exceptions import ClientError

from engines.choices import CheckResult
from engines.providers.aws.errors import ACCESS_CODES, error_code
from engines.providers.aws.permissions import ALLOW
from engines.providers.aws.policy_eval import Decision, evaluate

from . import simulation
from .base import REDEPLOY_FIX, Outcome, worst
from .coverage import Finding, assess, expectations
from .role_policies import read_role_policies

LIMITS_FIX = (
    "Remove the conditions or resource limits named above from the role's policies, or replace them with the "
    "published policy from this page, then run pre-flight again."
)


def required_permissions(context, target) -> Outcome:
    """Check the catalogue's actions against the role, and list what is missing by group."""
    iam = target.client("iam")
    policies, read_error = _read_policies(iam, target.role.name)
    try:
        requests = simulation.simulation_requests(
            target.catalogue, target.role.arn, target.partition, target.account_id, target.region
        )
        result = simulation.simulate(simulation.simulation_client(target), requests)
    except simulation.SimulationUnavailable as unavailable:
        result, reason = None, str(unavailable)

    notes = []
    if result is not None:
        findings = _from_simulation(result, target.catalogue.actions(), policies)
        method = "IAM policy simulation"
    elif policies is not None:
        findings = _from_policies(policies, target)
        method = f"reading the role's {len(policies)} policies, because IAM policy simulation is unavailable: {reason}"
        boundary = iam.get_role(RoleName=target.role.name)["Role"].get("PermissionsBoundary")
        if boundary:
            notes.append(Finding("", CheckResult.WARN, (
                f"The role has the permissions boundary {boundary.get('PermissionsBoundaryArn')}, which this "
                "reading does not evaluate: an action allowed above may still be blocked by it."
            )))
    else:
        return Outcome.failed(
            f"The permissions could not be checked: IAM policy simulation is unavailable ({reason}) and the "
            f"role's policies could not be read ({read_error}).",
            f"The role needs iam:SimulatePrincipalPolicy, or the iam:List* and iam:Get* reads of its own policies. "
            f"{REDEPLOY_FIX}",
        )
    return report(findings, notes, target, method)


def report(findings: list[Finding], notes: list[Finding], target, method: str) -> Outcome:
    """Return the outcome, listing missing and limited actions under their catalogue groups."""
    failed = [finding for finding in findings if finding.result == CheckResult.FAIL]
    limited = [finding for finding in findings if finding.result == CheckResult.WARN]
    total = len(findings)
    result = worst([finding.result for finding in findings + notes])

    lines = []
    if failed:
        lines.append(
            f"{len(failed)} of {total} actions of the {target.label} catalogue are missing (checked by {method})."
        )
        lines += _by_group(failed, target.catalogue, "missing")
    if limited:
        if not failed:
            lines.append(f"All {total} actions of the {target.label} catalogue are allowed, but {len(limited)} only "
                         f"with limits (checked by {method}).")
        lines += _by_group(limited, target.catalogue, "limited")
    if not failed and not limited:
        lines.append(f"All {total} actions of the {target.label} catalogue are allowed (checked by {method}).")
    lines += [note.explanation for note in notes]

    fix = ""
    if failed:
        fix = REDEPLOY_FIX
    elif result == CheckResult.WARN:
        fix = LIMITS_FIX
    return Outcome(result, "\n".join(lines), fix)


def _read_policies(iam, role_name: str):
    """Return (policies, None), or (None, why) when the role may not read its own policies."""
    try:
        return read_role_policies(iam, role_name), None
    except ClientError as error:
        if error_code(error) not in ACCESS_CODES:
            raise
        return None, f"{error.operation_name} returned {error_code(error)}"


def _from_simulation(result, actions: list[str], policies) -> list[Finding]:
    explanations = {}
    if policies is not None:
        explanations = {
            item.action.lower(): item.detail
            for item in evaluate(policies, actions)
            if item.decision != Decision.NOT_ALLOWED
        }

    findings = []
    for action in actions:
        decision = result.decisions.get(action.lower())
        if decision == simulation.ALLOWED:
            findings.append(Finding(action, CheckResult.PASS, "Allowed by IAM policy simulation."))
            continue
        parts = []
        if decision is None:
            parts.append("simulation returned no result")
        elif decision == simulation.EXPLICIT_DENY:
            parts.append("explicitly denied in simulation")
        if action.lower() in explanations:
            parts.append(explanations[action.lower()].rstrip("."))
        if action.lower() in result.missing_context:
            parts.append(f"missing context values {', '.join(result.missing_context[action.lower()])}")
        findings.append(Finding(action, CheckResult.FAIL, "; ".join(parts)))
    return findings


def _from_policies(policies, target) -> list[Finding]:
    expected = expectations(target.catalogue, target.partition, target.account_id)
    actions = target.catalogue.actions()
    return [assess(result, expected[result.action.lower()]) for result in evaluate(policies, actions)]


def _by_group(findings: list[Finding], catalogue, label: str) -> list[str]:
    """Return one line per catalogue group: its title and reason, then its actions with explanations."""
    by_group: dict[str, list[Finding]] = {}
    groups = {}
    for finding in findings:
        group = next(group for group in catalogue.groups_of(finding.action) if group.effect == ALLOW)
        groups[group.key] = group
        by_group.setdefault(group.key, []).append(finding)

    lines = []
    for key, group_findings in by_group.items():
        group = groups[key]
        actions = ", ".join(_describe(finding) for finding in group_findings)
        lines.append(f"{group.title} ({group.reason}) {label.capitalize()}: {actions}")
    return lines


def _describe(finding: Finding) -> str:
    if not finding.explanation:
        return finding.action
    return f"{finding.action} ({finding.explanation.rstrip('.')})"
