"""Seeding the sandbox: an organisation with an administrator, and agreement with moto after a restart."""

import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from engines.choices import EngineStatus, OperationStatus, Provider, ResourceState
from engines.models import CloudAccount, Engine, Operation
from organisations.models import Membership, Organisation
from organisations.permissions import Actor

logger = logging.getLogger(__name__)

ORGANISATION_SLUG = "sandbox"
ORGANISATION_NAME = "Sandbox"
ADMIN_USERNAME = "admin"


def seed_organisation() -> tuple[Organisation, str | None]:
    """Create the sandbox organisation and its administrator; return the password when newly created."""
    with transaction.atomic():
        organisation, _ = Organisation.objects.get_or_create(
            slug=ORGANISATION_SLUG, defaults={"name": ORGANISATION_NAME}
        )
        user_model = get_user_model()
        password = None
        user = user_model.objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = user_model.objects.create_superuser(ADMIN_USERNAME, "admin@sandbox.invalid", password)
        Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"is_organisation_admin": True}
        )
    return organisation, password


def agree_with_fresh_cloud() -> list[str]:
    """Bring the database in line with a sandbox whose moto state started empty.

    Cloud accounts keep working: their customer roles are created again. Engines
    whose resources died with the previous moto process are marked deleted, and
    their unfinished operations cancelled. Returns one message per change.
    """
    from sandbox.customer import ensure_customer_role

    messages = []
    # NOTE: the sandbox has one customer role, which trusts one ExternalId. After this loop it
    # trusts the newest AWS cloud account's, and older accounts fail their pre-flight.
    for account in CloudAccount.objects.filter(provider=Provider.AWS).order_by("created_at"):
        ensure_customer_role(account.external_id)

    stale = Engine.objects.exclude(status=EngineStatus.DELETED).select_related("organisation")
    actor = Actor.system()
    for engine in stale:
        with transaction.atomic():
            Operation.objects.filter(engine=engine, status__in=OperationStatus.active()).update(
                status=OperationStatus.CANCELLED,
                finished_at=timezone.now(),
                failure_reason="Sandbox restarted: the local AWS state was reset.",
            )
            engine.resources.update(state=ResourceState.DELETED)
            previous_status = engine.status
            engine.status = EngineStatus.DELETED
            engine.status_reason = (
                "The sandbox restarted with an empty AWS state, so this engine's resources no longer exist. "
                "Create the engine again."
            )
            engine.deleted_at = timezone.now()
            engine.save(update_fields=["status", "status_reason", "deleted_at", "updated_at"])
            audit.record(actor, "engine.sandbox_reset", engine, details={"previous_status": previous_status})
        messages.append(
            f"Sandbox reset: engine '{engine.name}' ({engine.organisation.slug}) is marked deleted, "
            "because its resources were in the previous sandbox session."
        )
    return messages
