"""`manage.py engine`: create, import, delete and show engines, through the same services as the views."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engines.choices import CheckResult, EngineKind
from engines.forms import EngineCreateForm
from engines.import_forms import EngineImportForm
from engines.management import lookup
from engines.management.waiting import wait_for
from engines.services.engines import start_engine_creation, start_engine_deletion
from engines.services.imports import start_engine_import
from organisations.permissions import Actor

# --param keys for EKS creation, with their defaults.
EKS_PARAMETERS = {
    "kubernetes_version": "1.33",
    "node_instance_type": "m6i.large",
    "node_min": "1",
    "node_desired": "2",
    "node_max": "3",
    "gpu_instance_type": "",
    "gpu_max": "2",
}


class Command(BaseCommand):
    help = "Create, import, delete or show engines."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        create = subcommands.add_parser("create", help="Create an engine in a cloud account.")
        create.add_argument("--org", required=True, help="Organisation slug.")
        create.add_argument("--kind", required=True, choices=[EngineKind.EKS], help="Engine kind.")
        create.add_argument("--account", required=True, help="Cloud account name.")
        create.add_argument("--region", required=True, help="Region, for example eu-west-1.")
        create.add_argument("--name", required=True, help="Engine name (also the cluster's name).")
        create.add_argument(
            "--param", action="append", default=[], metavar="KEY=VALUE",
            help=f"Engine parameter; repeatable. Keys: {', '.join(EKS_PARAMETERS)}.",
        )
        create.add_argument("--wait", action="store_true", help="Block until the engine is Ready or failed.")

        imported = subcommands.add_parser("import", help="Import an existing EKS cluster after checking it.")
        imported.add_argument("--org", required=True, help="Organisation slug.")
        imported.add_argument("--kind", required=True, choices=[EngineKind.EKS], help="Engine kind.")
        imported.add_argument("--account", required=True, help="Cloud account name.")
        imported.add_argument("--region", required=True, help="The cluster's region, for example eu-west-1.")
        imported.add_argument("--name", required=True, help="Engine name in the portal.")
        imported.add_argument("--cluster", required=True, help="Name of the existing EKS cluster.")
        imported.add_argument("--storage-class", required=True, help="Kubernetes storage class for projects' volumes.")
        imported.add_argument("--nlb-ip", required=True, help="Public IP address of the cluster's network load balancer.")
        imported.add_argument("--wait", action="store_true",
                              help="Block until the engine is Ready, or exit non-zero when a check fails.")

        delete = subcommands.add_parser("delete", help="Delete an engine's portal-owned resources.")
        delete.add_argument("name", help="Engine name.")
        delete.add_argument("--org", required=True, help="Organisation slug.")
        delete.add_argument("--yes", action="store_true", help="Confirm the deletion.")
        delete.add_argument("--wait", action="store_true", help="Block until the engine is deleted.")

        show = subcommands.add_parser("show", help="Show an engine, its status and its inventory.")
        show.add_argument("name", help="Engine name.")
        show.add_argument("--org", required=True, help="Organisation slug.")
        show.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    def handle_create(self, *, org, kind, account, region, name, param, wait, **options):
        organisation = lookup.organisation(org)
        lookup.cloud_account(organisation, account)
        parameters = dict(EKS_PARAMETERS)
        for item in param:
            key, separator, value = item.partition("=")
            if not separator or key not in EKS_PARAMETERS:
                raise CommandError(
                    f"Invalid --param {item!r}: use KEY=VALUE with KEY one of {', '.join(EKS_PARAMETERS)}."
                )
            parameters[key] = value

        form = EngineCreateForm({"name": name, "cloud_account": account, "region": region, **parameters},
                                organisation=organisation)
        if not form.is_valid():
            raise CommandError("Cannot create the engine:\n  " + "\n  ".join(_form_problems(form)))
        try:
            engine = start_engine_creation(
                organisation, actor=Actor.operator(), cloud_account=form.cleaned_data["cloud_account"],
                name=form.cleaned_data["name"], kind=kind, region=form.cleaned_data["region"],
                parameters=form.parameters(),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Creating engine {engine.name} (id {engine.pk}) in {engine.region}.")
        if wait:
            self._exit(wait_for(engine.operations.latest("created_at"), self.stdout))

    def handle_import(self, *, org, kind, account, region, name, cluster, storage_class, nlb_ip, wait, **options):
        organisation = lookup.organisation(org)
        lookup.cloud_account(organisation, account)
        form = EngineImportForm({"name": name, "cloud_account": account, "region": region, "cluster_name": cluster,
                                 "storage_class": storage_class, "nlb_ip": nlb_ip}, organisation=organisation)
        if not form.is_valid():
            raise CommandError("Cannot import the engine:\n  " + "\n  ".join(_form_problems(form)))
        data = form.cleaned_data
        try:
            engine = start_engine_import(
                organisation, actor=Actor.operator(), cloud_account=data["cloud_account"], name=data["name"],
                region=data["region"], cluster_name=data["cluster_name"], storage_class=data["storage_class"],
                nlb_ip=data["nlb_ip"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Importing EKS cluster {cluster} as engine {engine.name} (id {engine.pk}) in {engine.region}.")
        if wait:
            operation = engine.operations.latest("created_at")
            code = wait_for(operation, self.stdout)
            for row in operation.steps.filter(result=CheckResult.FAIL).order_by("position"):
                self.stdout.write(f"FAIL {row.title}: {row.detail}" + (f" Fix: {row.fix}" if row.fix else ""))
            self._exit(code)

    def handle_delete(self, *, name, org, yes, wait, **options):
        organisation = lookup.organisation(org)
        engine = lookup.engine(organisation, name)
        if not yes:
            raise CommandError(f"Deleting {engine.name} removes every resource the portal created for it: add --yes.")
        try:
            operation = start_engine_deletion(engine, actor=Actor.operator())
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Deleting engine {engine.name}.")
        if wait:
            self._exit(wait_for(operation, self.stdout))

    def handle_show(self, *, name, org, as_json, **options):
        organisation = lookup.organisation(org)
        engine = lookup.engine(organisation, name, include_deleted=True)
        data = describe_engine(engine)
        if as_json:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"{data['name']}: {data['kind']} ({data['mode']}) in {data['region']}, {data['status']}")
        if data["status_reason"]:
            self.stdout.write(f"  {data['status_reason']}")
        for resource in data["resources"]:
            self.stdout.write(f"  {resource['type']:<18} {resource['state']:<9} {resource['owner']:<14} {resource['cloud_id']}")

    def _exit(self, code: int) -> None:
        if code:
            raise SystemExit(code)


def _form_problems(form) -> list[str]:
    """Return one line per form error, each prefixed with its field's name."""
    return [f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in form.errors.items()]


def describe_engine(engine) -> dict:
    """Return the JSON form of an engine that `engine show --json` prints."""
    operation = engine.operations.order_by("-created_at", "-id").first()
    data = {
        "name": engine.name,
        "id": engine.pk,
        "organisation": engine.organisation.slug,
        "kind": engine.kind,
        "mode": engine.mode,
        "status": engine.status,
        "status_reason": engine.status_reason,
        "cloud_account": engine.cloud_account.name,
        "region": engine.region,
        "parameters": engine.parameters,
        "resources": [
            {
                "type": resource.type,
                "key": resource.key,
                "cloud_id": resource.cloud_id,
                "owner": resource.owner,
                "state": resource.state,
            }
            for resource in engine.resources.order_by("id")
        ],
        "operation": None,
    }
    if operation is not None:
        done, total = operation.progress()
        data["operation"] = {
            "id": operation.pk,
            "kind": operation.kind,
            "status": operation.status,
            "steps_done": done,
            "steps_total": total,
            "failure_reason": operation.failure_reason,
            "failure_fix": operation.failure_fix,
        }
    return data
