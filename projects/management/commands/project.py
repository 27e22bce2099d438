"""`manage.py project`: create, delete and show projects, through the same services as the views."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engines.choices import ResourceState
from engines.management import lookup
from engines.management.waiting import wait_for
from organisations.permissions import Actor
from projects.labels import parse_labels
from projects.lifecycle import STORAGE_TYPES
from projects.models import ProjectRole, ProjectStatus
from projects.services.projects import create_project, start_project_deletion


class Command(BaseCommand):
    help = "Create, delete or show projects."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        create = subcommands.add_parser("create", help="Create a project on one or more Ready engines.")
        create.add_argument("--org", required=True, help="Organisation slug.")
        create.add_argument("--name", required=True, help="Project name; its namespace is derived from it.")
        create.add_argument("--repo", required=True, help="Git repository URL, https or ssh.")
        create.add_argument("--provider", default="", help="Repository provider, needed only for a self-hosted "
                            "GitLab: github, gitlab, bitbucket or azure_devops.")
        create.add_argument("--engine", required=True, action="append", metavar="ENGINE",
                            help="Engine name; repeatable. The first one is the default engine, where the buckets "
                            "and the registry live.")
        create.add_argument("--member", action="append", default=[], metavar="EMAIL:ROLE",
                            help="Member, ROLE being admin or member; repeatable. Organisation members join at once, "
                            "anyone else is invited (48 hours).")
        create.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="Label; repeatable.")
        create.add_argument("--description", default="", help="Description.")
        create.add_argument("--wait", action="store_true", help="Block until the project is Ready or failed.")

        delete = subcommands.add_parser("delete", help="Delete a project; its buckets and registry are kept "
                                        "unless --purge is given.")
        delete.add_argument("name", help="Project name.")
        delete.add_argument("--org", required=True, help="Organisation slug.")
        delete.add_argument("--yes", action="store_true", help="Confirm the deletion.")
        delete.add_argument("--purge", action="store_true", help="Also delete the buckets (every object version) "
                            "and the registry (every image); on a deleted project, purge what was retained.")
        delete.add_argument("--wait", action="store_true", help="Block until the deletion ends.")

        show = subcommands.add_parser("show", help="Show a project, its status, storage and inventory.")
        show.add_argument("name", help="Project name.")
        show.add_argument("--org", required=True, help="Organisation slug.")
        show.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_create(self, *, org, name, repo, provider, engine, member, label, description, wait, **options):
        organisation = lookup.organisation(org)
        engines = [lookup.engine(organisation, engine_name) for engine_name in engine]
        members = [_member(item) for item in member]
        try:
            labels = parse_labels("\n".join(label))
            project = create_project(
                organisation, actor=Actor.operator(), name=name, repository_url=repo, repository_provider=provider,
                engines=engines, default_engine=engines[0], description=description, members=members, labels=labels,
            )
        except ValidationError as error:
            raise CommandError("Cannot create the project:\n  " + "\n  ".join(error.messages)) from None
        self.stdout.write(f"Creating project {project.name} (id {project.pk}, namespace {project.namespace}).")
        if wait:
            self._exit(wait_for(project.operations.latest("created_at"), self.stdout))

    def handle_delete(self, *, name, org, yes, purge, wait, **options):
        project = find_project(lookup.organisation(org), name)
        if not yes:
            removed = "its namespaces, roles, buckets and registry" if purge else "its namespaces and roles"
            raise CommandError(f"Deleting {project.name} removes {removed}: add --yes.")
        try:
            operation = start_project_deletion(project, actor=Actor.operator(), purge=purge, confirm_name=project.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Deleting project {project.name}" + (", with its buckets and registry." if purge else
                          "; its buckets and registry are kept."))
        if wait:
            self._exit(wait_for(operation, self.stdout))

    def handle_show(self, *, name, org, as_json, **options):
        data = describe_project(find_project(lookup.organisation(org), name))
        if as_json:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"{data['name']}: namespace {data['namespace']}, {data['status']}")
        if data["status_reason"]:
            self.stdout.write(f"  {data['status_reason']}")
        for bucket in data["buckets"]:
            self.stdout.write(f"  bucket   {bucket['name']} ({bucket['region']}, {bucket['state']}"
                              f"{', retained' if bucket['retained'] else ''})")
        if data["registry"]:
            self.stdout.write(f"  registry {data['registry']['uri']} ({data['registry']['state']})")
        for resource in data["resources"]:
            self.stdout.write(f"  {resource['type']:<20} {resource['state']:<9} {resource['cloud_id']}")

    def _exit(self, code: int) -> None:
        if code:
            raise SystemExit(code)


def _member(item: str) -> tuple[str, str]:
    email, separator, role = item.rpartition(":")
    if not separator or not email or role not in ProjectRole.values:
        raise CommandError(f"Invalid --member {item!r}: use EMAIL:admin or EMAIL:member.")
    return email, role


def find_project(organisation, name: str):
    """Return the live project of that name, or else the most recently deleted one."""
    projects = organisation.projects.filter(name=name).order_by("-created_at")
    found = projects.exclude(status=ProjectStatus.DELETED).first() or projects.first()
    if found is None:
        known = ", ".join(organisation.projects.filter(status__in=ProjectStatus.live()).values_list("name", flat=True))
        raise CommandError(f"Project {name!r} not found in {organisation.slug} (projects: {known or 'none'}).")
    return found


def describe_project(project) -> dict:
    """Return the JSON form of a project that `project show --json` prints."""
    resources = list(project.resources.select_related("engine").order_by("id"))
    buckets = [resource for resource in resources if resource.type == "s3_bucket"]
    registry = next((resource for resource in resources if resource.type == "ecr_repository"), None)
    operation = project.operations.order_by("-created_at", "-id").first()
    data = {
        "name": project.name,
        "id": project.pk,
        "organisation": project.organisation.slug,
        "namespace": project.namespace,
        "status": project.status,
        "status_reason": project.status_reason,
        "repository_url": project.repository_url,
        "repository_provider": project.repository_provider,
        "default_engine": project.default_engine.name,
        "engines": [
            {"name": assignment.engine.name, "state": assignment.state}
            for assignment in project.engine_assignments.select_related("engine")
        ],
        "labels": project.labels,
        "members": [
            {"user": member.user.get_username(), "email": member.user.email, "role": member.role}
            for member in project.members.select_related("user")
        ],
        "buckets": [
            {"name": bucket.cloud_id, "purpose": bucket.data.get("purpose", ""), "region": bucket.region,
             "state": bucket.state, "retained": bucket.retained}
            for bucket in buckets
        ],
        "registry": None,
        "resources": [
            {
                "type": resource.type,
                "key": resource.key,
                "cloud_id": resource.cloud_id,
                "engine": resource.engine.name if resource.engine else None,
                "owner": resource.owner,
                "state": resource.state,
                "retained": resource.retained,
            }
            for resource in resources
        ],
        "retained": [resource.cloud_id for resource in resources
                     if resource.type in STORAGE_TYPES and resource.retained and resource.state != ResourceState.DELETED],
        "operation": None,
    }
    if registry is not None:
        data["registry"] = {"name": registry.data.get("name", ""), "uri": registry.data.get("uri", ""),
                            "arn": registry.cloud_id, "region": registry.region, "state": registry.state,
                            "retained": registry.retained}
    if operation is not None:
        done, total = operation.progress()
        data["operation"] = {
            "id": operation.pk, "kind": operation.kind, "status": operation.status, "steps_done": done,
            "steps_total": total, "failure_reason": operation.failure_reason, "failure_fix": operation.failure_fix,
        }
    return data
