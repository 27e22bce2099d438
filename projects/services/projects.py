"""Project life cycle: create, change settings, delete and purge.

Each change is one transaction with its audit event; operations are queued when it commits.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from audit import services as audit
from engines.choices import EngineKind, EngineStatus, OperationKind, ResourceState
from engines.services.operations import cancel_operation, retry_operation, start_operation
from organisations.permissions import (
    Permission,
    ProjectPermission,
    has_permission,
    require_project,
)
from projects import naming
from projects.labels import validate_labels
from projects.models import AssignmentState, Project, ProjectMember, ProjectRole, ProjectStatus
from projects.repositories import parse_repository

PROJECT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
NAMESPACE_ATTEMPTS = 3


def validate_project_name(name: str) -> str:
    name = (name or "").strip()
    if not PROJECT_NAME_PATTERN.match(name):
        raise ValidationError(
            f"{name!r} is not a valid project name: use 1 to 100 letters, digits, spaces, '.', '_' and '-', "
            "starting with a letter or a digit.",
            code="project_name",
        )
    return name


def check_engines(organisation, engines, default_engine) -> list:
    """Return the engines when a project may run on them; raise ValidationError naming each problem."""
    engines = list(dict.fromkeys(engines))
    if not engines:
        raise ValidationError("Choose at least one engine.", code="no_engine")
    if default_engine not in engines:
        raise ValidationError(f"The default engine {default_engine} must be one of the project's engines.",
                              code="default_engine")
    problems = [problem for engine in engines if (problem := engine_problem(organisation, engine, default_engine))]
    if problems:
        raise ValidationError(problems)
    return engines


def engine_problem(organisation, engine, default_engine) -> str:
    """Return why a project of `organisation` cannot run on `engine`, or "" when it can."""
    if engine.organisation_id != organisation.pk:
        return f"Engine {engine} belongs to another organisation."
    if engine.status != EngineStatus.READY:
        return f"Engine {engine} is {engine.get_status_display().lower()}: only Ready engines can run projects."
    if engine.kind != EngineKind.EKS:
        return f"Engine {engine} is a {engine.get_kind_display()} engine: projects run on EKS engines only for now."
    # NOTE: the storage lives in the default engine's account. Reaching it from another account would
    # need cross-account bucket and repository policies, which the portal does not write yet.
    if engine.cloud_account_id != default_engine.cloud_account_id:
        return (f"Engine {engine} is in cloud account {engine.cloud_account}, not in the default engine's "
                f"({default_engine.cloud_account}): a project's engines share one cloud account.")
    return ""


def create_project(organisation, *, actor, name: str, repository_url: str, engines, default_engine,
                   repository_provider: str = "", description: str = "", members=(), labels=None,
                   request=None) -> Project:
    """Record a new project with its engines and members, and start its create operation.

    `members` is a list of (email, project role). A person who is a member of the organisation
    becomes a project member at once; anyone else gets a project invitation (48 hours).
    """
    from projects.services.members import add_or_invite

    if not has_permission(actor, Permission.CREATE_PROJECTS, organisation):
        raise PermissionDenied("Creating projects needs the organisation admin or infrastructure admin role.")
    name = validate_project_name(name)
    repository = parse_repository(repository_url, repository_provider)
    engines = check_engines(organisation, engines, default_engine)
    labels = validate_labels(dict(labels or {}))
    if organisation.projects.filter(status__in=ProjectStatus.live(), name=name).exists():
        raise ValidationError(f"A project named {name!r} already exists in {organisation}: choose another name.")

    with transaction.atomic():
        project = _insert_project(
            organisation=organisation,
            name=name,
            description=description.strip(),
            repository_url=repository.url,
            repository_provider=repository.provider,
            labels=labels,
            default_engine=default_engine,
            created_by=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        )
        for engine in engines:
            project.engine_assignments.create(engine=engine)
        audit.record(actor, "project.create_requested", project, details={
            "namespace": project.namespace,
            "engines": [engine.name for engine in engines],
            "default_engine": default_engine.name,
            "repository_url": project.repository_url,
        })
        if project.created_by is not None:
            ProjectMember.objects.create(project=project, user=project.created_by, role=ProjectRole.ADMIN)
        for email, role in members:
            add_or_invite(project, email, role, actor=actor, request=request)
        start_operation(organisation, OperationKind.CREATE, actor=actor, project=project,
                        parameters={"engines": [engine.pk for engine in engines]})
    return project


def _insert_project(**fields) -> Project:
    """Insert a project with a fresh namespace; a namespace collision (64 random bits) draws another."""
    for attempt in range(1, NAMESPACE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return Project.objects.create(namespace=naming.derive_namespace(fields["name"]), **fields)
        except IntegrityError:
            if attempt == NAMESPACE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def update_project_settings(project: Project, *, actor, description: str, repository_url: str,
                            repository_provider: str = "", labels: dict) -> Project:
    """Change a project's description, repository and labels; new labels reach its resources through a reconcile."""
    require_project(actor, ProjectPermission.MANAGE_SETTINGS, project)
    _require_live(project)
    repository = parse_repository(repository_url, repository_provider)
    labels = validate_labels(dict(labels))

    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        changes = {}
        for field, value in (("description", description.strip()), ("repository_url", repository.url),
                             ("repository_provider", repository.provider), ("labels", labels)):
            if getattr(project, field) != value:
                changes[field] = value
                setattr(project, field, value)
        if not changes:
            return project
        project.save(update_fields=[*changes, "updated_at"])
        audit.record(actor, "project.settings_changed", project, details={"changed": sorted(changes)})
        if "labels" in changes and project.status != ProjectStatus.PENDING:
            start_reconcile(project, actor=actor)
    return project


def start_reconcile(project: Project, *, actor):
    """Start an operation that makes the project's resources match its engines and labels."""
    assignments = list(project.engine_assignments.values_list("engine_id", "state"))
    parameters = {
        "engines": [engine_id for engine_id, state in assignments if state == AssignmentState.ASSIGNED],
        "removing": [engine_id for engine_id, state in assignments if state == AssignmentState.REMOVING],
    }
    return start_operation(project.organisation, OperationKind.RECONCILE, actor=actor, project=project,
                           parameters=parameters)


def start_project_deletion(project: Project, *, actor, purge: bool = False, confirm_name: str = ""):
    """Start deleting a project's namespaces and roles; with `purge`, also its buckets and repository.

    A deleted project whose storage was retained can be purged later. Purging needs
    `confirm_name` equal to the project's name.
    """
    require_project(actor, ProjectPermission.DELETE, project)
    if purge:
        _require_confirmation(project, confirm_name)
    if project.status == ProjectStatus.DELETED:
        if not purge:
            raise ValidationError(f"Project {project} is already deleted.")
        return start_purge(project, actor=actor, confirm_name=confirm_name)

    engine_ids = set(project.engine_assignments.values_list("engine_id", flat=True))
    engine_ids |= set(project.resources.filter(engine__isnull=False).exclude(state=ResourceState.DELETED)
                      .values_list("engine_id", flat=True))
    with transaction.atomic():
        audit.record(actor, "project.delete_requested", project, details={"purge": purge})
        return start_operation(project.organisation, OperationKind.DELETE, actor=actor, project=project,
                               parameters={"engines": sorted(engine_ids), "purge": purge})


def start_purge(project: Project, *, actor, confirm_name: str):
    """Start deleting a deleted project's retained buckets (every object version) and repository."""
    require_project(actor, ProjectPermission.DELETE, project)
    _require_confirmation(project, confirm_name)
    if project.status != ProjectStatus.DELETED:
        raise ValidationError(f"Project {project} is not deleted: delete it with the purge option instead.")
    if not retained_resources(project).exists():
        raise ValidationError(f"Project {project} has no retained bucket or repository left to purge.")
    with transaction.atomic():
        audit.record(actor, "project.purge_requested", project,
                     details={"resources": list(retained_resources(project).values_list("cloud_id", flat=True))})
        return start_operation(project.organisation, OperationKind.DELETE, actor=actor, project=project,
                               parameters={"purge_only": True})


def retained_resources(project: Project):
    """Return the buckets and repository kept after the project's deletion, which still cost money."""
    return project.resources.filter(retained=True).exclude(state=ResourceState.DELETED)


def retry_project_operation(operation, *, actor):
    require_project(actor, ProjectPermission.RUN_OPERATIONS, operation.project)
    return retry_operation(operation, actor=actor)


def cancel_project_operation(operation, *, actor):
    require_project(actor, ProjectPermission.RUN_OPERATIONS, operation.project)
    return cancel_operation(operation, actor=actor)


def _require_live(project: Project) -> None:
    if project.status in (ProjectStatus.DELETING, ProjectStatus.DELETED):
        raise ValidationError(f"Project {project} is {project.get_status_display().lower()}: it can no longer change.")


def _require_confirmation(project: Project, confirm_name: str) -> None:
    if (confirm_name or "").strip() != project.name:
        raise ValidationError(
            f"Type the project's name, {project.name}, to confirm that its buckets (with every object version) "
            "and its repository (with every image) are deleted for good."
        )
