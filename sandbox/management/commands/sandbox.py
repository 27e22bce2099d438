"""`manage.py sandbox`: run the local clouds, and tell scripts how to reach them."""

import json
import signal
import threading
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sandbox.aws import ACCOUNT_ID, CUSTOMER_ROLE_ARN, KeyPair, SandboxAWS
from sandbox.state import SandboxNotRunning, SandboxState, read_state, state_path, write_state


class Command(BaseCommand):
    help = "Run the sandbox clouds (serve), or print how to reach them (info)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        serve = subcommands.add_parser("serve", help="Start moto and the stand-ins on 127.0.0.1 until interrupted.")
        serve.add_argument("--aws-port", type=int, default=None, help="Port for moto (default AICHOR_SANDBOX_AWS_PORT).")

        info = subcommands.add_parser("info", help="Print the sandbox organisation, endpoints and keys.")
        info.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, subcommand, **options):
        if settings.AICHOR_CLOUD_MODE != settings.SANDBOX:
            raise CommandError("The sandbox runs only with AICHOR_CLOUD_MODE=sandbox.")
        if subcommand == "serve":
            self.serve(options["aws_port"] or settings.AICHOR_SANDBOX_AWS_PORT)
        else:
            self.info(as_json=options["json"])

    def serve(self, aws_port: int) -> None:
        from sandbox.seed import agree_with_fresh_cloud, seed_organisation

        admin_keys, portal_keys = self._keys()
        aws = SandboxAWS(admin_keys, portal_keys, port=aws_port)
        try:
            aws.start()
        except OSError as error:
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{aws_port} ({error}). Stop what uses that port, or set "
                "AICHOR_SANDBOX_AWS_PORT to a free one."
            ) from error

        write_state(
            SandboxState(
                instance=uuid.uuid4().hex,
                aws_endpoint=aws.endpoint,
                aws_account_id=ACCOUNT_ID,
                portal_access_key_id=portal_keys.access_key_id,
                portal_secret_access_key=portal_keys.secret_access_key,
                admin_access_key_id=admin_keys.access_key_id,
                admin_secret_access_key=admin_keys.secret_access_key,
                started_at=timezone.now().isoformat(),
            )
        )
        organisation, password = seed_organisation()
        for message in agree_with_fresh_cloud():
            self.stdout.write(self.style.WARNING(message))

        self.stdout.write(f"Sandbox AWS (moto, IAM authorisation on) at {aws.endpoint}")
        self.stdout.write(f"Sandbox organisation: {organisation.slug}")
        if password:
            self.stdout.write(self.style.SUCCESS(f"Sandbox login: admin / {password}  (shown once; keep it)"))
        else:
            self.stdout.write("Sandbox login: admin (password shown on first run; reset it with "
                              "`python manage.py changepassword admin`)")

        stopped = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stopped.set())
        stopped.wait()
        aws.stop()
        self.stdout.write("Sandbox stopped.")

    def _keys(self) -> tuple[KeyPair, KeyPair]:
        """Reuse the key pairs of the previous run, so that scripts keep working across restarts."""
        try:
            previous = read_state()
        except (SandboxNotRunning, TypeError, ValueError):
            return KeyPair.generate(), KeyPair.generate()
        return (
            KeyPair(previous.admin_access_key_id, previous.admin_secret_access_key),
            KeyPair(previous.portal_access_key_id, previous.portal_secret_access_key),
        )

    def info(self, *, as_json: bool) -> None:
        from sandbox.seed import ORGANISATION_SLUG

        try:
            state = read_state()
        except SandboxNotRunning as error:
            raise CommandError(str(error)) from error
        data = {
            "organisation": ORGANISATION_SLUG,
            "aws_role_arn": CUSTOMER_ROLE_ARN,
            "aws_endpoint": state.aws_endpoint,
            "aws_account_id": state.aws_account_id,
            "aws_admin_access_key_id": state.admin_access_key_id,
            "aws_admin_secret_access_key": state.admin_secret_access_key,
            "portal_principal_arn": settings.AICHOR_AWS_PRINCIPAL_ARN,
            "state_file": str(state_path()),
            "started_at": state.started_at,
        }
        if as_json:
            self.stdout.write(json.dumps(data, indent=2))
            return
        for key, value in data.items():
            self.stdout.write(f"{key}: {value}")
