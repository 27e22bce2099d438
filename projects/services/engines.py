"""Assigning engines to a project and unassigning them, through a reconcile operation.

Assigning adds the project's namespace, service account and workload role on the
engine; unassigning removes them. The assignment row of an unassigned engine stays
(as "being removed") until its footprint is gone, so the engine cannot be deleted first.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import services as audit
from organisations.permissions import ProjectPermission, require_project
from projects.models import AssignmentState, Project, ProjectStatus
from projects.services.projects import engine_problem, start_reconcile


def assign_engine(project: Project, engine, *, actor):
    """Assign a Ready engine to a project and start the operation that adds its footprint there."""
    require_project(actor, ProjectPermission.MANAGE_ENGINES, project)
    _require_changeable(project)
    problem = engine_problem(project.organisation, engine, project.default_engine)
    if problem:
        raise ValidationError(problem)
    if project.engine_assignments.filter(engine=engine).exists():
        raise ValidationError(f"Engine {engine} is already assigned to project {project}.")

    with transaction.atomic():
        project.engine_assignments.create(engine=engine)
        audit.record(actor, "project.engine_assigned", project, details={"engine": engine.name})
        return start_reconcile(project, actor=actor)


def unassign_engine(project: Project, engine, *, actor):
    """Start removing a project's namespace and workload role from an engine."""
    require_project(actor, ProjectPermission.MANAGE_ENGINES, project)
    _require_changeable(project)
    if engine.pk == project.default_engine_id:
        raise ValidationError(
            f"Engine {engine} is the project's default engine, where its buckets and registry live: it cannot "
            "be unassigned."
        )
    assignment = project.engine_assignments.filter(engine=engine, state=AssignmentState.ASSIGNED).first()
    if assignment is None:
        raise ValidationError(f"Engine {engine} is not assigned to project {project}.")

    with transaction.atomic():
        assignment.state = AssignmentState.REMOVING
        assignment.save(update_fields=["state"])
        audit.record(actor, "project.engine_unassigned", project, details={"engine": engine.name})
        return start_reconcile(project, actor=actor)


def _require_changeable(project: Project) -> None:
    if project.status not in (ProjectStatus.READY, ProjectStatus.FAILED):
        raise ValidationError(
            f"Project {project} is {project.get_status_display().lower()}: engines can be assigned or unassigned "
            "once it is Ready (or Failed, to repair it)."
        )
