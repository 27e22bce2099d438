"""A real django-q2 cluster process drives an EKS creation to Ready."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from engines.choices import EngineStatus
from engines.services.engines import start_engine_creation
from organisations.permissions import Actor
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.qcluster]


def database_url() -> str:
    """Return the URL of the test database, for the cluster process."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{database['USER']}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def qcluster():
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    environment = dict(os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="tests.settings")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_qcluster_creates_engine(aws_sandbox, kube_sandbox, qcluster):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)

    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account,
                                   name="by-worker", kind="eks", region="eu-west-1")

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and qcluster.poll() is None:
        engine.refresh_from_db()
        if engine.status in (EngineStatus.READY, EngineStatus.FAILED):
            break
        time.sleep(0.5)
    assert qcluster.poll() is None, qcluster.stderr.read()[-2000:]
    assert engine.status == EngineStatus.READY, engine.status_reason
