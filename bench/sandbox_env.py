"""Shared setup of the benchmarks: a private database, sandbox AWS account and Kubernetes stand-in.

Nothing here touches the developer's sandbox: the benchmarks use their own state file,
database files and ports, all under a temporary directory, and listen on 127.0.0.1 only.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def configure(database_url: str | None = None, *, workers: int = 2) -> Path:
    """Point Django at a private directory (and `database_url`, SQLite by default), set it up, and migrate."""
    workdir = Path(tempfile.mkdtemp(prefix="aichor-bench-"))
    from cryptography.fernet import Fernet

    os.environ.update({
        "AICHOR_ENV_FILE": "",
        "AICHOR_CLOUD_MODE": "sandbox",
        "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
        "SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-django-checks",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'portal.sqlite3'}",
        "VAULT_DATABASE_URL": f"sqlite:///{workdir / 'vault.sqlite3'}",
        "AICHOR_SANDBOX_STATE_FILE": str(workdir / "sandbox.json"),
        "Q_WORKERS": str(workers),
    })
    sys.path.insert(0, str(BASE_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate", database="vault", verbosity=0, interactive=False)
    return workdir


class BenchSandbox:
    """moto's server in a child process, and the Kubernetes stand-in in this process."""

    def __init__(self, eks_create_seconds: float = 0.0):
        self.eks_create_seconds = eks_create_seconds
        self.process = None
        self.kube = None

    def start(self) -> "BenchSandbox":
        from sandbox.aws import ACCOUNT_ID, KeyPair
        from sandbox.cloud_controllers import CloudControllers
        from sandbox.kube import KubeSandbox
        from sandbox.state import SandboxState, write_state

        self.admin_keys, portal_keys = KeyPair.generate(), KeyPair.generate()
        environment = dict(
            os.environ,
            SANDBOX_ADMIN_KEYS=f"{self.admin_keys.access_key_id}:{self.admin_keys.secret_access_key}",
            SANDBOX_PORTAL_KEYS=f"{portal_keys.access_key_id}:{portal_keys.secret_access_key}",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.aws", "--port", "0", "--eks-create-seconds", str(self.eks_create_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, cwd=BASE_DIR, text=True,
        )
        self.endpoint = json.loads(self.process.stdout.readline())["endpoint"]
        self.kube = KubeSandbox()
        CloudControllers(self.admin_client).attach(self.kube)
        self.kube.start()
        write_state(SandboxState(
            instance="bench", aws_endpoint=self.endpoint, aws_account_id=ACCOUNT_ID,
            portal_access_key_id=portal_keys.access_key_id, portal_secret_access_key=portal_keys.secret_access_key,
            admin_access_key_id=self.admin_keys.access_key_id,
            admin_secret_access_key=self.admin_keys.secret_access_key, kube_endpoint=self.kube.url,
        ))
        return self

    def admin_client(self, service: str, region: str = "eu-west-1"):
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id=self.admin_keys.access_key_id,
                            aws_secret_access_key=self.admin_keys.secret_access_key)

    def stop(self) -> None:
        if self.kube is not None:
            self.kube.stop()
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait(timeout=20)


def make_account(region: str = "eu-west-1"):
    """Create the benchmark organisation and a cloud account for the sandbox's customer role."""
    from engines.choices import Provider
    from engines.models import CloudAccount
    from organisations.models import Organisation
    from sandbox.aws import ACCOUNT_ID, CUSTOMER_ROLE_ARN
    from sandbox.customer import ensure_customer_role

    organisation, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Benchmarks"})
    account = CloudAccount.objects.create(organisation=organisation, provider=Provider.AWS, name="bench",
                                          role_arn=CUSTOMER_ROLE_ARN, aws_account_id=ACCOUNT_ID,
                                          default_region=region)
    ensure_customer_role(account.external_id)
    return organisation, account
