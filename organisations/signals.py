"""Signals: the support group kept in step with the models after every migration, and `invitation_accepted`."""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import router
from django.dispatch import Signal

from organisations.permissions import SUPPORT_GROUP

PORTAL_APPS = {"organisations", "audit", "engines", "projects", "secrets_vault", "django_q", "auth"}


def ensure_support_group(sender, using="default", **kwargs):
    """Create the `support` group with the view permission on every portal model."""
    if not global_apps.is_installed("django.contrib.auth"):
        return
    # `migrate --database vault` emits the signal too; the auth tables exist only in `default`.
    if not router.allow_migrate_model(using, Group):
        return
    group, _ = Group.objects.using(using).get_or_create(name=SUPPORT_GROUP)
    view_permissions = Permission.objects.using(using).filter(
        codename__startswith="view_", content_type__app_label__in=PORTAL_APPS
    )
    group.permissions.add(*view_permissions)


# Sent by `organisations.services.accept` inside its transaction, with `invitation` and `user`:
# the projects app adds the member of a project invitation here.
invitation_accepted = Signal()
