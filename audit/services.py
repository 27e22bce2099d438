"""Writing audit events. Call `record` inside the transaction that makes the change."""

from django.db import transaction

from audit.models import AuditEvent


def record(actor, action: str, target=None, *, organisation=None, details: dict | None = None) -> AuditEvent:
    """Append an audit event for an action, in the caller's transaction.

    `details` must never carry a secret value: names, ids and flags only.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"Audit event {action!r} must be recorded inside the transaction of its change.")

    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    return AuditEvent.objects.create(
        organisation=organisation if organisation is not None else getattr(target, "organisation", None),
        actor=user,
        actor_label=actor.label or "unknown",
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        source_ip=actor.source_ip,
        details=details or {},
    )
