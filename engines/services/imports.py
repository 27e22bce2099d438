"""Importing an existing EKS cluster as an engine, and running its checks again, for views and commands."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import services as audit
from engines.choices import EngineKind, EngineMode, EngineStatus, OperationKind
from engines.models import Engine
from engines.services.operations import start_operation
from organisations.permissions import Permission, has_permission


def start_engine_import(organisation, *, actor, cloud_account, name: str, region: str, cluster_name: str,
                        storage_class: str, nlb_ip: str) -> Engine:
    """Record an imported engine and start its import operation, which checks the cluster before it installs anything."""
    if not has_permission(actor, Permission.MANAGE_ENGINES, organisation):
        raise PermissionDenied("Importing engines needs the organisation admin or infrastructure admin role.")
    if organisation.engines.exclude(status=EngineStatus.DELETED).filter(name=name).exists():
        raise ValidationError(f"An engine named {name!r} already exists in {organisation}: choose another name.")

    parameters = {"cluster_name": cluster_name, "storage_class": storage_class, "nlb_ip": nlb_ip}
    with transaction.atomic():
        engine = Engine.objects.create(
            organisation=organisation,
            cloud_account=cloud_account,
            name=name,
            kind=EngineKind.EKS,
            mode=EngineMode.IMPORT,
            region=region,
            parameters=parameters,
            created_by=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        )
        audit.record(actor, "engine.import_requested", engine,
                     details={"kind": EngineKind.EKS, "region": region, "cloud_account": cloud_account.name,
                              **parameters})
        start_operation(organisation, OperationKind.IMPORT, actor=actor, engine=engine)
    return engine


def can_recheck(engine: Engine) -> bool:
    """Tell whether an engine's import checks can run again: an imported engine that is Ready."""
    return engine.mode == EngineMode.IMPORT and engine.status == EngineStatus.READY


def start_engine_recheck(engine: Engine, *, actor):
    """Run an imported engine's checks again; a resource deleted or changed since shows as a failed row."""
    if not has_permission(actor, Permission.MANAGE_ENGINES, engine.organisation):
        raise PermissionDenied("Checking engines needs the organisation admin or infrastructure admin role.")
    if not can_recheck(engine):
        raise ValidationError(f"Only a Ready imported engine can be checked again; engine {engine} is in "
                              f"{engine.get_mode_display().lower()} mode and {engine.get_status_display()}.")
    with transaction.atomic():
        audit.record(actor, "engine.check_requested", engine)
        return start_operation(engine.organisation, OperationKind.CHECK, actor=actor, engine=engine)
