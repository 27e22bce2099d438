"""Starting a cloud account's pre-flight checks for an engine kind and mode."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import services as audit
from engines.choices import OperationKind, OperationStatus, Provider
from engines.models import CloudAccount, Operation
from engines.providers.aws import permissions
from engines.services.operations import start_operation
from organisations.permissions import Permission, has_permission


def supported_checks(provider: str = Provider.AWS) -> list[tuple[str, str]]:
    """Return the (engine kind, mode) pairs that a provider's pre-flight can check."""
    if provider == Provider.AWS:
        return permissions.supported()
    return []


def active_preflight(account: CloudAccount, kind: str, mode: str) -> Operation | None:
    """Return the account's pre-flight for this kind and mode that is still running, if any."""
    return (
        Operation.objects.filter(
            cloud_account=account,
            kind=OperationKind.PREFLIGHT,
            status__in=OperationStatus.active(),
            parameters__kind=kind,
            parameters__mode=mode,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def start_preflight(account: CloudAccount, *, actor, kind: str, mode: str) -> Operation:
    """Start the pre-flight checks of an account for an engine kind and mode.

    When one for the same kind and mode is still running, return it instead of starting another.
    """
    if not has_permission(actor, Permission.MANAGE_CLOUD_ACCOUNTS, account.organisation):
        raise PermissionDenied("Running pre-flight needs the organisation admin or infrastructure admin role.")
    supported = supported_checks(account.provider)
    if (kind, mode) not in supported:
        pairs = ", ".join(f"{k} {m}" for k, m in supported) or "none"
        raise ValidationError(
            f"No pre-flight for {kind!r} engines in {mode!r} mode on {account.get_provider_display()} "
            f"(available: {pairs})."
        )

    with transaction.atomic():
        running = active_preflight(account, kind, mode)
        if running is not None:
            return running
        operation = start_operation(
            account.organisation,
            OperationKind.PREFLIGHT,
            actor=actor,
            cloud_account=account,
            parameters={"kind": kind, "mode": mode},
        )
        audit.record(actor, "cloud_account.preflight_requested", account,
                     details={"kind": kind, "mode": mode, "operation": operation.pk})
    return operation
