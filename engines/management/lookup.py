"""Lookups of the objects that management commands name, with errors that list what exists."""

from django.core.management.base import CommandError

from engines.choices import EngineStatus
from organisations.models import Organisation


def organisation(slug: str) -> Organisation:
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"Organisation {slug!r} not found (known organisations: {known}).")
    return found


def cloud_account(organisation, name: str):
    found = organisation.cloud_accounts.filter(name=name).first()
    if found is None:
        known = ", ".join(organisation.cloud_accounts.values_list("name", flat=True)) or "none"
        raise CommandError(f"Cloud account {name!r} not found in {organisation.slug} (accounts: {known}).")
    return found


def engine(organisation, name: str, *, include_deleted: bool = False):
    engines = organisation.engines.filter(name=name).order_by("-created_at")
    if not include_deleted:
        live = engines.exclude(status=EngineStatus.DELETED).first()
        if live is not None:
            return live
    found = engines.first()
    if found is None:
        known = ", ".join(organisation.engines.exclude(status=EngineStatus.DELETED).values_list("name", flat=True))
        raise CommandError(f"Engine {name!r} not found in {organisation.slug} (engines: {known or 'none'}).")
    return found
