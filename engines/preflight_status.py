"""Which cloud accounts passed pre-flight: the latest pre-flight per engine kind and mode decides."""

from engines.choices import CheckResult, OperationKind, OperationStatus
from engines.models import CloudAccount, Operation


def latest_preflight(account: CloudAccount, kind: str, mode: str) -> Operation | None:
    """Return the account's most recent pre-flight for an engine kind and mode, finished or not."""
    return (
        Operation.objects.filter(
            cloud_account=account, kind=OperationKind.PREFLIGHT, parameters__kind=kind, parameters__mode=mode
        )
        .order_by("-created_at", "-id")
        .first()
    )


def preflight_passed(operation: Operation | None) -> bool:
    """Decide whether a pre-flight finished with no failed check (warnings allowed)."""
    if operation is None or operation.status != OperationStatus.SUCCEEDED:
        return False
    return not operation.steps.filter(result=CheckResult.FAIL).exists()


def accounts_ready_for(organisation, kind: str, mode: str) -> list[CloudAccount]:
    """Return the organisation's accounts whose latest pre-flight for this kind and mode passed."""
    accounts = organisation.cloud_accounts.order_by("name")
    return [account for account in accounts if preflight_passed(latest_preflight(account, kind, mode))]
