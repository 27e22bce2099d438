"""IAM policy simulation (iam:SimulatePrincipalPolicy) of the catalogue's actions for the customer role.

A statement scoped to some resources allows nothing on the resource `*`, which is what
IAM simulates when no resource is given. So the actions are simulated in one request
per scope of the catalogue, on a sample ARN of that scope (`role/aichor/preflight` for
`role/aichor/*`), with context values that meet the scope's condition.
"""

from dataclasses import dataclass

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from engines.providers.aws.errors import ACCESS_CODES, error_code
from engines.providers.aws.permissions import ALLOW
from engines.providers.aws.permissions.documents import render

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
SAMPLE_NAME = "preflight"
UNAVAILABLE_CODES = {"NotImplemented", "InternalFailure", "InternalError", "ServiceUnavailable"}


@dataclass(frozen=True)
class SimulationResult:
    """Per action (lower case), the simulated decision: "allowed", "implicitDeny" or "explicitDeny"."""

    decisions: dict[str, str]
    missing_context: dict[str, tuple[str, ...]]


class SimulationUnavailable(Exception):
    """IAM policy simulation could not run: not implemented (moto), refused, or failing on the server."""


def simulation_client(target):
    """Return the IAM client that simulation uses (tests replace it with a stubbed client).

    It makes each call once: retrying a simulation that is not implemented or denied only
    delays the fallback.
    """
    return target.single_attempt_client("iam")


def sample_arn(pattern: str, region: str) -> str:
    """Return an ARN inside an ARN pattern: a wildcard region becomes `region`, other wildcards a sample name."""
    if pattern == "*":
        return pattern
    fields = pattern.split(":", 5)
    if len(fields) == 6 and fields[3] == "*":
        fields[3] = region
    fields[-1] = fields[-1].replace("*", SAMPLE_NAME)
    return ":".join(fields)


def simulation_requests(catalogue, role_arn: str, partition: str, account_id: str, region: str) -> list[dict]:
    """Return the SimulatePrincipalPolicy arguments that cover the catalogue: one request per scope."""
    batches: dict[tuple, dict] = {}
    for group in catalogue.groups:
        if group.effect != ALLOW:
            continue
        batch = batches.setdefault(group.scope.key(), {"scope": group.scope, "actions": set()})
        batch["actions"].update(group.actions)

    requests = []
    for batch in batches.values():
        scope = batch["scope"]
        request = {"PolicySourceArn": role_arn, "ActionNames": sorted(batch["actions"])}
        resources = [render(resource, partition, account_id) for resource in scope.resources]
        if resources != ["*"]:
            request["ResourceArns"] = [sample_arn(resource, region) for resource in resources]
        if scope.context:
            request["ContextEntries"] = [
                {
                    "ContextKeyName": key,
                    "ContextKeyValues": [render(value.value, partition, account_id)],
                    "ContextKeyType": value.key_type,
                }
                for key, value in sorted(scope.context.items())
            ]
        requests.append(request)
    return requests


def simulate(iam, requests: list[dict]) -> SimulationResult:
    """Run the simulation requests; an action is allowed only when every result for it is "allowed".

    Raises SimulationUnavailable when the simulation cannot run at all.
    """
    decisions: dict[str, str] = {}
    missing_context: dict[str, tuple[str, ...]] = {}
    for request in requests:
        for result in _results(iam, request):
            action = result["EvalActionName"].lower()
            decision = result["EvalDecision"]
            if decisions.get(action, ALLOWED) == ALLOWED:
                decisions[action] = decision
            if result.get("MissingContextValues"):
                missing_context[action] = tuple(result["MissingContextValues"])
    return SimulationResult(decisions=decisions, missing_context=missing_context)


def _results(iam, request: dict):
    marker = None
    while True:
        arguments = dict(request, Marker=marker) if marker else request
        try:
            response = iam.simulate_principal_policy(**arguments)
        except ResponseParserError as error:
            raise SimulationUnavailable(
                "the IAM endpoint returned an invalid response, such as an HTML error page"
            ) from error
        except ClientError as error:
            code = error_code(error)
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in ACCESS_CODES:
                raise SimulationUnavailable(f"the role may not call iam:SimulatePrincipalPolicy ({code})") from error
            if code in UNAVAILABLE_CODES or status >= 500:
                raise SimulationUnavailable(f"IAM returned {code} (HTTP {status})") from error
            raise
        yield from response["EvaluationResults"]
        if not response.get("IsTruncated"):
            return
        marker = response["Marker"]
