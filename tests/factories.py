"""Explicit factories: each creates exactly one object with the fields a test names."""

import itertools

from django.contrib.auth import get_user_model

from organisations.models import Membership, Organisation, Role

_sequence = itertools.count(1)


def make_organisation(name: str | None = None) -> Organisation:
    number = next(_sequence)
    name = name or f"Organisation {number}"
    return Organisation.objects.create(name=name, slug=f"org-{number}")


def make_user(username: str | None = None, *, password: str = "correct horse battery", **fields):
    username = username or f"user{next(_sequence)}"
    fields.setdefault("email", f"{username}@example.com")
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_member(organisation: Organisation, *roles: Role, username: str | None = None):
    """Create a user holding the given roles in an organisation (organisation admin by default)."""
    user = make_user(username)
    Membership.objects.create(
        user=user, organisation=organisation, **Membership.role_fields(roles or [Role.ORGANISATION_ADMIN])
    )
    return user


def make_cloud_account(organisation: Organisation, name: str | None = None, **fields):
    from engines.models import CloudAccount

    fields.setdefault("role_arn", "arn:aws:iam::123456789012:role/AIchorPortalRole")
    fields.setdefault("aws_account_id", "123456789012")
    fields.setdefault("default_region", "eu-west-1")
    return CloudAccount.objects.create(organisation=organisation, name=name or f"account-{next(_sequence)}", **fields)


def make_engine(cloud_account, name: str | None = None, **fields):
    from engines.choices import EngineKind, EngineMode
    from engines.models import Engine

    fields.setdefault("kind", EngineKind.EKS)
    fields.setdefault("mode", EngineMode.CREATE)
    fields.setdefault("region", cloud_account.default_region or "eu-west-1")
    return Engine.objects.create(
        organisation=cloud_account.organisation,
        cloud_account=cloud_account,
        name=name or f"engine-{next(_sequence)}",
        **fields,
    )


def make_project(organisation: Organisation, name: str | None = None, *, engine=None, **fields):
    """Create a project on one Ready engine (created in a new cloud account unless given), without cloud calls."""
    from engines.choices import EngineStatus
    from projects.models import Project, ProjectStatus

    number = next(_sequence)
    engine = engine or make_engine(make_cloud_account(organisation), status=EngineStatus.READY)
    fields.setdefault("status", ProjectStatus.READY)
    fields.setdefault("repository_url", "https://github.com/acme/research")
    fields.setdefault("repository_provider", "github")
    project = Project.objects.create(
        organisation=organisation,
        name=name or f"project-{number}",
        namespace=f"project{number}-{number:016x}",
        default_engine=engine,
        **fields,
    )
    project.engine_assignments.create(engine=engine)
    return project
