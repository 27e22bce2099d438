"""Shared parts of the AWS pre-flight checks: the target, the outcome, and how a row is recorded.

A check is a function `(context, target) -> Outcome`. `check_step` turns it into a
step of the runner: the step saves the outcome on its row and finishes even when the
check fails, so every check runs and the operation lists every problem at once.
"""

import logging
from dataclasses import dataclass
from functools import cached_property

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from django.conf import settings

from engines.choices import CheckResult
from engines.provisioning.steps import Done, TransientError
from engines.providers.aws import clients
from engines.providers.aws.arn import RoleArn, parse_role_arn
from engines.providers.aws.errors import ACCESS_CODES, NETWORK_ERRORS, classify
from engines.providers.aws.permissions import AwsCatalogue, catalogue

logger = logging.getLogger(__name__)

ASSUME_STEP = "assume-role"
NOT_RUN_DETAIL = "not run: the role could not be assumed"
SEVERITY = {CheckResult.PASS: 0, CheckResult.WARN: 1, CheckResult.FAIL: 2}

# For calls whose failure the check reports itself: a retry inside the SDK would only delay the row.
SINGLE_ATTEMPT = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=30)

REDEPLOY_FIX = (
    "Deploy the CloudFormation template from this cloud account's page again (or attach the policy "
    "JSON from the same page to the role), then run pre-flight again."
)


@dataclass(frozen=True)
class Outcome:
    """The result of one check: pass, warn or fail, what was found, and what the admin can do."""

    result: str
    detail: str
    fix: str = ""

    @classmethod
    def passed(cls, detail: str) -> "Outcome":
        return cls(CheckResult.PASS, detail)

    @classmethod
    def warning(cls, detail: str, fix: str) -> "Outcome":
        return cls(CheckResult.WARN, detail, fix)

    @classmethod
    def failed(cls, detail: str, fix: str) -> "Outcome":
        return cls(CheckResult.FAIL, detail, fix)


def worst(results) -> str:
    """Return the most severe of some check results (pass when there are none)."""
    return max(results, key=SEVERITY.__getitem__, default=CheckResult.PASS)


class Target:
    """The cloud account, engine kind and mode that a pre-flight checks, and clients in its role."""

    def __init__(self, operation):
        self.operation = operation
        self.account = operation.cloud_account
        self.kind = operation.parameters.get("kind", "")
        self.mode = operation.parameters.get("mode", "")
        self.region = self.account.default_region

    @cached_property
    def role(self) -> RoleArn:
        return parse_role_arn(self.account.role_arn, settings.AICHOR_AWS_PARTITION)

    @property
    def partition(self) -> str:
        return self.role.partition

    @property
    def account_id(self) -> str:
        return self.role.account_id

    @property
    def portal_principal(self) -> str:
        return settings.AICHOR_AWS_PRINCIPAL_ARN

    @cached_property
    def catalogue(self) -> AwsCatalogue:
        return catalogue(self.kind, self.mode)

    @property
    def label(self) -> str:
        """Return the kind and mode as the page shows them, for example "EKS create"."""
        return f"{self.kind.upper()} {self.mode}"

    @property
    def session(self):
        return clients.customer_session(self.account, self.region)

    def client(self, service: str, region: str | None = None):
        """Return a client in the customer role, for the account's default region unless given."""
        return clients.client(self.session, service, region or self.region)

    def single_attempt_client(self, service: str):
        """Return a client in the customer role that makes each call once, without SDK retries."""
        return self.session.client(
            service, region_name=self.region, endpoint_url=clients.endpoint_url(service, self.region),
            config=SINGLE_ATTEMPT,
        )


def check_step(check):
    """Return a step `run` function that records the check's outcome on the step's row."""

    def run(context):
        target = Target(context.operation)
        if _needs_role(context) and not _role_assumed(context):
            outcome = Outcome.failed(NOT_RUN_DETAIL, "Fix the first check, then run pre-flight again.")
        else:
            outcome = _run_check(check, context, target)
        _record(context, outcome)
        return Done(outcome.detail)

    run.check = check
    return run


def _needs_role(context) -> bool:
    return context.step_row.key != ASSUME_STEP and ASSUME_STEP in context.step_row.depends_on


def _role_assumed(context) -> bool:
    assume = context.operation.steps.filter(key=ASSUME_STEP).values_list("result", flat=True).first()
    return assume == CheckResult.PASS


def _run_check(check, context, target) -> Outcome:
    """Run a check; turn an AWS error into a failed row, or into a retry when it is transient."""
    try:
        return check(context, target)
    except ClientError as error:
        portal_error = classify(error)
        if isinstance(portal_error, TransientError):
            raise portal_error from error
        return error_outcome(error)
    except NETWORK_ERRORS as error:
        raise TransientError(f"Cannot reach AWS: {error}", code=type(error).__name__) from error
    except (BotoCoreError, ResponseParserError) as error:
        logger.warning("operation=%s step=%s AWS SDK error: %s", context.operation.pk, context.step_row.key, error)
        return Outcome.failed(
            f"The AWS SDK failed: {error}", "Run pre-flight again. If it fails again, contact support."
        )


def error_outcome(error: ClientError) -> Outcome:
    """Return the failed outcome for an AWS error, with the fix for a missing permission."""
    code = error.response.get("Error", {}).get("Code", "Unknown")
    message = error.response.get("Error", {}).get("Message", "")
    detail = f"{error.operation_name} returned {code}: {message}"
    if code in ACCESS_CODES:
        return Outcome.failed(detail, f"The role lacks a permission that pre-flight needs. {REDEPLOY_FIX}")
    return Outcome.failed(detail, "Correct the cause named in the message, then run pre-flight again.")


def _record(context, outcome: Outcome) -> None:
    row = context.step_row
    row.result = outcome.result
    row.detail = outcome.detail
    row.fix = outcome.fix
    row.save(update_fields=["result", "detail", "fix"])
    context.log(f"{row.title}: {CheckResult(outcome.result).label.lower()}",
                level="info" if outcome.result == CheckResult.PASS else "warning")
