"""`manage.py preflight`: run a cloud account's pre-flight checks and print one row per check."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from engines.choices import CheckResult, EngineKind, EngineMode, OperationStatus
from engines.management import lookup
from engines.management.waiting import EXIT_FAILED, wait_for
from engines.services.preflight import start_preflight
from organisations.permissions import Actor


class Command(BaseCommand):
    help = "Run the pre-flight checks of a cloud account for an engine kind and mode."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument("--account", required=True, help="Cloud account name.")
        parser.add_argument("--kind", required=True, choices=[EngineKind.EKS], help="Engine kind.")
        parser.add_argument("--mode", required=True, choices=[choice.value for choice in EngineMode],
                            help="Engine mode: create or import.")
        parser.add_argument("--wait", action="store_true",
                            help="Run the checks to the end, print the rows, and exit with 1 when one fails.")

    def handle(self, *args, org, account, kind, mode, wait, **options):
        organisation = lookup.organisation(org)
        cloud_account = lookup.cloud_account(organisation, account)
        try:
            operation = start_preflight(cloud_account, actor=Actor.operator(), kind=kind, mode=mode)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Pre-flight of {cloud_account.name} for {kind} {mode}: operation {operation.pk}.")
        if not wait:
            self.stdout.write("The checks run in the background; add --wait to follow them here.")
            return

        code = wait_for(operation, self.stdout)
        operation.refresh_from_db()
        steps = list(operation.steps.all())
        for step in steps:
            label = (step.result or step.status).upper()
            self.stdout.write(f"{label:<5} {step.title}")
            for line in step.detail.splitlines():
                self.stdout.write(f"      {line}")
            if step.fix:
                self.stdout.write(f"      Fix: {step.fix}")
        failed = sum(1 for step in steps if step.result == CheckResult.FAIL)
        warned = sum(1 for step in steps if step.result == CheckResult.WARN)
        self.stdout.write(f"{len(steps) - failed - warned} passed, {warned} warned, {failed} failed.")
        if failed and operation.status == OperationStatus.SUCCEEDED:
            code = EXIT_FAILED
        if code:
            raise SystemExit(code)
