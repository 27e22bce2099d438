"""Shared fixtures: the sandbox AWS account (moto's server), the Kubernetes stand-in, synchronous tasks, a browser."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class AWSSandbox:
    """The test run's sandbox AWS account, in IAM authorisation mode."""

    endpoint: str
    admin_keys: object
    portal_keys: object

    def reset(self) -> None:
        requests.post(f"{self.endpoint}/_sandbox/reset", timeout=30).raise_for_status()

    def client(self, service: str, region: str = "eu-west-1", keys=None):
        """Return a client signed by the sandbox administrator (or by the given keys)."""
        import boto3

        keys = keys or self.admin_keys
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
        )


@pytest.fixture(scope="session")
def aws_sandbox_server():
    """Start moto's server in its own process (its IAM authorisation mode is process-wide)."""
    from django.conf import settings

    from sandbox.aws import ACCOUNT_ID, KeyPair
    from sandbox.state import SandboxState, write_state

    admin_keys, portal_keys = KeyPair.generate(), KeyPair.generate()
    environment = dict(
        os.environ,
        SANDBOX_ADMIN_KEYS=f"{admin_keys.access_key_id}:{admin_keys.secret_access_key}",
        SANDBOX_PORTAL_KEYS=f"{portal_keys.access_key_id}:{portal_keys.secret_access_key}",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.aws", "--port", "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
        cwd=settings.BASE_DIR,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("The sandbox AWS process exited before printing its endpoint.")
        endpoint = json.loads(line)["endpoint"]
        write_state(
            SandboxState(
                instance="tests",
                aws_endpoint=endpoint,
                aws_account_id=ACCOUNT_ID,
                portal_access_key_id=portal_keys.access_key_id,
                portal_secret_access_key=portal_keys.secret_access_key,
                admin_access_key_id=admin_keys.access_key_id,
                admin_secret_access_key=admin_keys.secret_access_key,
            )
        )
        yield AWSSandbox(endpoint, admin_keys, portal_keys)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def aws_sandbox(aws_sandbox_server, kube_sandbox):
    """Give the test an empty sandbox AWS account (the two IAM users only), and the Kubernetes stand-in."""
    from engines.providers.aws import clients

    aws_sandbox_server.reset()
    clients.clear_cache()
    return aws_sandbox_server


@pytest.fixture(scope="session")
def kube_sandbox_server(aws_sandbox_server):
    """Start the Kubernetes API stand-in in this process, with the cloud controllers that act in moto."""
    from sandbox.cloud_controllers import CloudControllers
    from sandbox.kube import KubeSandbox

    kube = KubeSandbox()
    CloudControllers(lambda service, region: aws_sandbox_server.client(service, region)).attach(kube)
    kube.start()
    yield kube
    kube.stop()


@pytest.fixture
def kube_sandbox(kube_sandbox_server):
    """Give the test the Kubernetes API stand-in with no clusters, named in the sandbox state file."""
    from dataclasses import replace

    from engines.providers.kube import eks
    from engines.providers.kube import sandbox as sandbox_mapping
    from sandbox.state import read_state, write_state

    for key in list(kube_sandbox_server.clusters):
        kube_sandbox_server.remove_cluster(key)
    kube_sandbox_server.clock.unfreeze()
    write_state(replace(read_state(), kube_endpoint=kube_sandbox_server.url))
    sandbox_mapping.forget_registrations()
    eks.clear_cache()
    return kube_sandbox_server


@pytest.fixture
def sync_tasks(monkeypatch):
    """Run django-q2 tasks in the caller's thread, at enqueue time."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(scope="session")
def chromium():
    """Launch Debian's chromium through Playwright, or skip with how to enable browser tests."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Browser tests need Debian's chromium at /usr/bin/chromium: run `make test` as root "
            "(it installs it), or `apt-get install -y chromium`."
        )
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()
