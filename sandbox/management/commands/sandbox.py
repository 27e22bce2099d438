"""`manage.py sandbox`: run the local clouds, and tell scripts how to reach them."""

import json
import signal
import threading
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sandbox.aws import ACCOUNT_ID, CUSTOMER_ROLE_ARN, KeyPair, SandboxAWS
from sandbox.cloud_controllers import CloudControllers
from sandbox.kube import KubeSandbox
from sandbox.prepare_import import answer_egress_probes
from sandbox.state import SandboxNotRunning, SandboxState, read_state, state_path, write_state


class Command(BaseCommand):
    help = "Run the sandbox clouds (serve), or print how to reach them (info)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        serve = subcommands.add_parser("serve", help="Start moto and the stand-ins on 127.0.0.1 until interrupted.")
        serve.add_argument("--aws-port", type=int, default=None, help="Port for moto (default AICHOR_SANDBOX_AWS_PORT).")
        serve.add_argument("--kube-port", type=int, default=None,
                           help="Port for the Kubernetes API stand-in (default AICHOR_SANDBOX_KUBE_PORT).")
        serve.add_argument("--eks-create-seconds", type=float, default=0.0,
                           help="Report each new EKS cluster CREATING for this many seconds (default 0: ACTIVE at once).")

        prepare = subcommands.add_parser("prepare-import", help="Build an EKS cluster to import, as its administrator.")
        prepare.add_argument("--cluster", required=True, help="Name of the EKS cluster to build.")
        prepare.add_argument("--region", default="eu-west-1", help="AWS region to build it in (default eu-west-1).")
        prepare.add_argument("--json", action="store_true", help="Print one JSON object.")

        info = subcommands.add_parser("info", help="Print the sandbox organisation, endpoints and keys.")
        info.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, subcommand, **options):
        if settings.AICHOR_CLOUD_MODE != settings.SANDBOX:
            raise CommandError("The sandbox runs only with AICHOR_CLOUD_MODE=sandbox.")
        if subcommand == "serve":
            self.serve(options["aws_port"] or settings.AICHOR_SANDBOX_AWS_PORT,
                       options["kube_port"] or settings.AICHOR_SANDBOX_KUBE_PORT,
                       options["eks_create_seconds"])
        elif subcommand == "prepare-import":
            from sandbox.prepare_import import handle_command

            handle_command(self.stdout, cluster=options["cluster"], region=options["region"], as_json=options["json"])
        else:
            self.info(as_json=options["json"])

    def serve(self, aws_port: int, kube_port: int, eks_create_seconds: float) -> None:
        from sandbox.seed import agree_with_fresh_cloud, seed_organisation

        admin_keys, portal_keys = self._keys()
        aws = SandboxAWS(admin_keys, portal_keys, port=aws_port)
        aws.eks_delay.seconds = eks_create_seconds
        try:
            aws.start()
        except OSError as error:
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{aws_port} ({error}). Stop what uses that port, or set "
                "AICHOR_SANDBOX_AWS_PORT to a free one."
            ) from error
        kube = KubeSandbox(port=kube_port)
        CloudControllers(lambda service, region: aws.client(service, region=region)).attach(kube)
        answer_egress_probes(kube)
        try:
            kube.start()
        except OSError as error:
            aws.stop()
            raise CommandError(
                f"Cannot listen on 127.0.0.1:{kube_port} ({error}). Stop what uses that port, or set "
                "AICHOR_SANDBOX_KUBE_PORT to a free one."
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
                kube_endpoint=kube.url,
                started_at=timezone.now().isoformat(),
            )
        )
        organisation, password = seed_organisation()
        for message in agree_with_fresh_cloud():
            self.stdout.write(self.style.WARNING(message))

        self.stdout.write(f"Sandbox AWS (moto, IAM authorisation on) at {aws.endpoint}")
        self.stdout.write(f"Sandbox Kubernetes API (one stand-in per EKS cluster) at {kube.url}")
        if eks_create_seconds:
            self.stdout.write(f"New EKS clusters stay CREATING for {eks_create_seconds:g} s")
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
        kube.stop()
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
            "kube_endpoint": state.kube_endpoint,
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
