"""Engine life cycle: create and delete, shared by the views and the management commands."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import services as audit
from engines.choices import EngineKind, EngineMode, EngineStatus, OperationKind
from engines.models import Engine
from engines.services.operations import start_operation
from organisations.permissions import Permission, has_permission


def start_engine_creation(organisation, *, actor, cloud_account, name: str, kind: str, region: str,
                          parameters: dict | None = None) -> Engine:
    """Record a new engine and start its create operation."""
    if not has_permission(actor, Permission.MANAGE_ENGINES, organisation):
        raise PermissionDenied("Creating engines needs the organisation admin or infrastructure admin role.")
    if kind != EngineKind.EKS:
        raise ValidationError(f"Creating {kind} engines is not available yet: only eks is.")
    if organisation.engines.exclude(status=EngineStatus.DELETED).filter(name=name).exists():
        raise ValidationError(f"An engine named {name!r} already exists in {organisation}: choose another name.")

    with transaction.atomic():
        engine = Engine.objects.create(
            organisation=organisation,
            cloud_account=cloud_account,
            name=name,
            kind=kind,
            mode=EngineMode.CREATE,
            region=region,
            parameters=parameters or {},
            created_by=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        )
        audit.record(actor, "engine.create_requested", engine,
                     details={"kind": kind, "region": region, "cloud_account": cloud_account.name})
        start_operation(organisation, OperationKind.CREATE, actor=actor, engine=engine)
    return engine


def start_engine_deletion(engine: Engine, *, actor):
    """Start deleting an engine's portal-owned resources."""
    if not has_permission(actor, Permission.MANAGE_ENGINES, engine.organisation):
        raise PermissionDenied("Deleting engines needs the organisation admin or infrastructure admin role.")
    if engine.status == EngineStatus.DELETED:
        raise ValidationError(f"Engine {engine} is already deleted.")
    blockers = engine_users(engine)
    if blockers:
        raise ValidationError(
            f"Engine {engine} is still used by project(s) {', '.join(blockers)}: move them to another engine first."
        )
    with transaction.atomic():
        audit.record(actor, "engine.delete_requested", engine)
        return start_operation(engine.organisation, OperationKind.DELETE, actor=actor, engine=engine)


def engine_users(engine: Engine) -> list[str]:
    """Return the names of the projects that still use an engine."""
    related = getattr(engine, "project_assignments", None)
    if related is None:
        return []
    return sorted(related.values_list("project__name", flat=True))
