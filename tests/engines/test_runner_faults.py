"""The fault harness over the EKS plan: every step survives a transient error, a crash and a denial.

To keep the file fast, the transient and the crash cases each run one creation in which
every step meets its fault once, and each step is then checked on its own. The denial
cases run one creation per step, since each ends its operation. moto is reset once for
the module, not per case: every check reads only the resources of the case's engine
(its tag, names and cluster), and each case's engine has a new id.
"""

import pytest
from django.utils import timezone

from engines.choices import EngineStatus, OperationStatus
from engines.models import Operation
from engines.provisioning import runner
from engines.services.engines import start_engine_creation, start_engine_deletion
from organisations.permissions import Actor
from tests.engines.cloud_state import EXPECTED_COUNTS, engine_counts, engine_leftovers
from tests.engines.faults import FaultInjector, SimulatedCrash
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)

EKS_STEPS = [
    "vpc", "subnet-1", "subnet-2", "internet-gateway", "route-table", "default-route", "cluster-role",
    "eks-cluster", "node-role", "instance-profile", "interruption-queue", "interruption-rules",
    "efs-security-group", "efs", "efs-mount-targets", "oidc-provider", "portal-access", "node-group",
    "footprint", "karpenter-role", "karpenter", "karpenter-node-pool",
]
# In the sandbox this step makes no write (moto has no access-entry API), so its first call is faulted.
FIRST_CALL_STEPS = {"portal-access"}
# These steps write to the cluster's Kubernetes API only, where a denial is 403 Forbidden.
KUBERNETES_STEPS = {"footprint", "karpenter", "karpenter-node-pool"}
# One row per resource: the counts above, plus the route and the four objects inside the cluster
# (Karpenter, its node pool, and the footprint's namespace, service account, role and binding).
INVENTORY_ROWS = sum(EXPECTED_COUNTS.values()) + 1 + 6


@pytest.fixture(scope="module")
def shared_aws(aws_sandbox_server):
    """The sandbox AWS account, emptied once for this module."""
    aws_sandbox_server.reset()
    return aws_sandbox_server


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.AICHOR_RETRY_BASE_SECONDS = 0.01


USED_ENGINE_IDS: set[int] = set()


def new_engine(name):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name=name,
                                   kind="eks", region="eu-west-1")
    # Cases share moto's state, so each must have an engine id (hence tag) of its own.
    assert engine.pk not in USED_ENGINE_IDS
    USED_ENGINE_IDS.add(engine.pk)
    return engine, engine.operations.get()


def run_to_end(operation: Operation) -> Operation:
    """Advance an operation as workers would, until it ends; a crashed worker's lease runs out."""
    for _ in range(60):
        try:
            runner.advance(operation.pk)
        except SimulatedCrash:
            Operation.objects.filter(pk=operation.pk).update(lease_until=timezone.now())
            continue
        operation.refresh_from_db()
        if operation.status in OperationStatus.terminal():
            return operation
    raise AssertionError(f"operation {operation.pk} still {operation.status}")


def test_transient_error_in_each_step(shared_aws, kube_sandbox, monkeypatch):
    injector = FaultInjector(monkeypatch, steps=EKS_STEPS, fault="transient", first_call_steps=FIRST_CALL_STEPS)
    engine, operation = new_engine("transient")

    operation = run_to_end(operation)

    assert sorted(injector.fired) == sorted(EKS_STEPS)
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    attempts = dict(operation.steps.values_list("key", "attempts"))
    assert attempts == {step: 2 for step in EKS_STEPS}
    assert engine_counts(shared_aws, engine) == EXPECTED_COUNTS


def test_crash_after_each_write_adopts(shared_aws, kube_sandbox, monkeypatch):
    injector = FaultInjector(monkeypatch, steps=EKS_STEPS, fault="crash", first_call_steps=FIRST_CALL_STEPS)
    engine, operation = new_engine("crashes")

    operation = run_to_end(operation)

    assert sorted(injector.fired) == sorted(EKS_STEPS)
    assert operation.status == OperationStatus.SUCCEEDED, operation.failure_reason
    assert engine_counts(shared_aws, engine) == EXPECTED_COUNTS
    assert engine.resources.count() == INVENTORY_ROWS


@pytest.mark.parametrize("step", EKS_STEPS)
def test_permanent_error_fails_then_delete_cleans(shared_aws, kube_sandbox, monkeypatch, step, sync_tasks):
    injector = FaultInjector(monkeypatch, step=step, fault="permanent", code="AccessDenied",
                             first_call_steps=FIRST_CALL_STEPS)
    engine, operation = new_engine(f"denied-{step}")
    operation = run_to_end(operation)

    engine.refresh_from_db()
    assert injector.fired == [step]
    assert operation.status == OperationStatus.FAILED
    assert ("Forbidden" if step in KUBERNETES_STEPS else "AccessDenied") in operation.failure_reason
    assert "policy" in operation.failure_fix
    assert engine.status == EngineStatus.FAILED

    start_engine_deletion(engine, actor=Actor.operator())
    engine.refresh_from_db()
    assert engine.status == EngineStatus.DELETED, engine.status_reason
    assert engine_leftovers(shared_aws, engine) == []
