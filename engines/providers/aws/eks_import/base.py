"""Shared parts of the import checks: how a check becomes a row, and what checks read and record.

A check is a function `(context) -> Outcome` (or a `Wait`, for a check that waits on the
cluster). `check_step` turns it into a step of the runner that saves the outcome on its row
and finishes even when the check fails. So every check runs, and the page lists every
problem at once; the review step then fails the operation. What a check finds is recorded
in the inventory as the administrator's, and what it no longer finds is marked missing.
"""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from engines.choices import CheckResult, ResourceOwner, ResourceState
from engines.provisioning.steps import Done, PermanentError, TransientError, Wait
from engines.providers.aws.errors import ACCESS_CODES, NETWORK_ERRORS, classify
from engines.providers.aws.eks.incluster import cluster_kube
from engines.providers.aws.preflight.base import Outcome

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "check_step", "cluster_data", "cluster_name", "failed_keys", "kube", "mark_missing", "record_found"]

REDEPLOY_FIX = ("The customer role lacks a permission that the import checks need. Deploy the policy from the "
                "cloud account's page again (or its CloudFormation template), then retry.")
KUBERNETES_ACCESS_FIX = (
    "Give the customer role access to the cluster's Kubernetes API: an EKS access entry with the "
    "AmazonEKSClusterAdminPolicy access policy (EKS console, Access tab), or a mapping in the aws-auth "
    "ConfigMap to the system:masters group. Then retry."
)


def check_step(check, *, needs: tuple[str, ...] = ()):
    """Return a step `run` function that records the check's outcome on the step's row.

    `needs` names the check rows this check builds on. When one of them failed, this
    check is not run, and its row names the failed check.
    """

    def run(context):
        blocking = failed_keys(context, needs)
        if blocking:
            titles = ", ".join(title for _, title in blocking)
            outcome = Outcome.failed(f"Not checked, because this check failed: {titles}.",
                                     "Fix what that check reports, then retry: the failed checks run again.")
        else:
            outcome = _run_check(check, context)
            if isinstance(outcome, Wait):
                return outcome
        _record_outcome(context, outcome)
        return Done(outcome.detail)

    run.check = check
    return run


def failed_keys(context, keys) -> list[tuple[str, str]]:
    """Return (key, title) of the operation's check rows among `keys` that failed."""
    if not keys:
        return []
    rows = context.operation.steps.filter(key__in=keys, result=CheckResult.FAIL).order_by("position")
    return list(rows.values_list("key", "title"))


def _run_check(check, context):
    """Run a check; turn a cloud or cluster error into a failed row, or into a retry when it is transient."""
    try:
        return check(context)
    except TransientError:
        raise
    except PermanentError as error:
        return Outcome.failed(str(error), error.fix or "Correct the cause named in the message, then retry.")
    except ClientError as error:
        portal_error = classify(error)
        if isinstance(portal_error, TransientError):
            raise portal_error from error
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = error.response.get("Error", {}).get("Message", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        detail = f"{error.operation_name} returned {code}: {message}".rstrip(": ")
        if code in ACCESS_CODES or (status == 403 and code == "403"):
            return Outcome.failed(detail, REDEPLOY_FIX)
        return Outcome.failed(detail, "Correct the cause named in the message, then retry.")
    except ApiException as error:
        portal_error = classify(error)
        if isinstance(portal_error, TransientError):
            raise portal_error from error
        fix = KUBERNETES_ACCESS_FIX if error.status in (401, 403) else portal_error.fix
        return Outcome.failed(str(portal_error), fix)
    except (Urllib3Error, *NETWORK_ERRORS) as error:
        raise TransientError(f"Cannot reach the cloud or the cluster: {error}", code=type(error).__name__) from error
    except BotoCoreError as error:
        logger.warning("operation=%s step=%s AWS SDK error: %s", context.operation.pk, context.step_row.key, error)
        return Outcome.failed(f"The AWS SDK failed: {error}", "Retry. If it fails again, contact support.")


def _record_outcome(context, outcome: Outcome) -> None:
    row = context.step_row
    row.result = outcome.result
    row.detail = outcome.detail
    row.fix = outcome.fix
    row.save(update_fields=["result", "detail", "fix"])
    context.log(f"{row.title}: {CheckResult(outcome.result).label.lower()}",
                level="info" if outcome.result == CheckResult.PASS else "warning")


def cluster_name(context) -> str:
    """Return the name of the EKS cluster that the engine imports."""
    return context.engine.parameters.get("cluster_name") or context.engine.name


def cluster_data(context) -> dict:
    """Return what the cluster check recorded about the cluster (empty before it ran)."""
    resource = context.resource("eks-cluster")
    return dict(resource.data) if resource is not None else {}


def kube(context):
    """Return a Kubernetes client for the imported cluster, from the endpoint and CA that EKS returned."""
    client = cluster_kube(context, recorded=True)
    if client is None:
        raise PermanentError(f"EKS cluster {cluster_name(context)} has no Kubernetes API to reach: it is gone or not "
                             "ACTIVE.", code="ClusterNotActive", fix="Look at the cluster in the EKS console, then retry.")
    return client


def record_found(context, key: str, resource_type: str, cloud_id: str, **data):
    """Record a resource that the administrator built, or mark it present again."""
    return context.record(key, resource_type, cloud_id, owner=ResourceOwner.ADMINISTRATOR, data=data)


def mark_missing(context, *, keys=(), prefix: str = "", keep=()) -> list[str]:
    """Mark the administrator's recorded resources that a check no longer finds as missing; return their keys.

    `keys` names them, or `prefix` selects every key that starts with it except those in `keep`.
    """
    rows = context.engine.resources.filter(owner=ResourceOwner.ADMINISTRATOR)
    if prefix:
        rows = rows.filter(key__startswith=prefix).exclude(key__in=list(keep))
    else:
        rows = rows.filter(key__in=list(keys))
    missing = list(rows.exclude(state=ResourceState.MISSING).values_list("key", flat=True))
    for key in missing:
        context.set_state(key, ResourceState.MISSING)
        context.log(f"Recorded {key} is missing", "warning")
    return missing
