"""Claims, leases, cancel, retry and the reaper of the provisioning runner."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engines.choices import EngineStatus, OperationStatus, StepStatus
from engines.models import Operation
from engines.provisioning import runner
from engines.services.engines import start_engine_creation
from engines.services.operations import cancel_operation, retry_operation
from organisations.permissions import Actor
from tests.engines.faults import FaultInjector
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("kube_sandbox")]


def new_operation(name="claims"):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name=name,
                                   kind="eks", region="eu-west-1")
    return engine.operations.get()


def test_second_claim_is_refused(aws_sandbox):
    operation = new_operation()

    first = runner.claim(operation.pk)
    second = runner.claim(operation.pk)

    assert first is not None
    assert second is None


def test_expired_lease_can_be_claimed(aws_sandbox):
    operation = new_operation()
    runner.claim(operation.pk)
    Operation.objects.filter(pk=operation.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    assert runner.claim(operation.pk) is not None


def test_racing_workers_run_each_step_once(aws_sandbox):
    operation = new_operation()
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            outcomes.append(runner.advance(operation.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    operation.refresh_from_db()
    assert sorted(outcomes) == ["not-claimed", "succeeded"]
    assert operation.status == OperationStatus.SUCCEEDED
    assert set(operation.steps.values_list("attempts", flat=True)) == {1}


def test_finished_operation_is_not_claimed(aws_sandbox):
    operation = new_operation()
    runner.advance(operation.pk)

    assert runner.advance(operation.pk) == "not-claimed"


def test_cancel_stops_before_next_step(aws_sandbox):
    operation = new_operation()

    cancel_operation(operation, actor=Actor.operator())
    runner.advance(operation.pk)

    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    assert operation.engine.status == EngineStatus.FAILED
    assert not operation.steps.filter(status=StepStatus.SUCCEEDED).exists()


def test_retry_resumes_from_failed_step(aws_sandbox, monkeypatch, settings):
    settings.AICHOR_RETRY_BASE_SECONDS = 0.01
    FaultInjector(monkeypatch, step="cluster-role", fault="permanent", code="AccessDenied")
    operation = new_operation()
    runner.advance(operation.pk)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.FAILED
    vpc_attempts = operation.steps.get(key="vpc").attempts

    retry_operation(operation, actor=Actor.operator())
    runner.advance(operation.pk)

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert operation.steps.get(key="vpc").attempts == vpc_attempts
    assert operation.engine.status == EngineStatus.READY


def test_reaper_fails_silent_operation(aws_sandbox):
    operation = new_operation()
    stale = timezone.now() - runner.STALL_AFTER - timedelta(minutes=1)
    Operation.objects.filter(pk=operation.pk).update(
        status=OperationStatus.RUNNING, heartbeat_at=stale, lease_until=stale
    )

    assert runner.reap_stalled_operations() == 1

    operation.refresh_from_db()
    assert operation.status == OperationStatus.FAILED
    assert "heartbeats" in operation.failure_reason
    assert operation.engine.status == EngineStatus.FAILED


def test_waiting_step_is_polled_when_due(aws_sandbox, monkeypatch):
    from engines.providers.aws.eks import cluster

    original = cluster.create_cluster
    calls = []

    def slow_cluster(context):
        calls.append(1)
        if len(calls) == 1:
            from engines.provisioning.steps import Wait
            return Wait("the cluster (simulated delay)", 30)
        return original(context)

    monkeypatch.setattr(cluster, "create_cluster", slow_cluster)
    operation = new_operation()

    assert runner.advance(operation.pk) == "waiting"
    assert runner.poll_due_operations() == 0
    operation.steps.filter(key="eks-cluster").update(next_attempt_at=timezone.now())
    assert runner.poll_due_operations() == 1
