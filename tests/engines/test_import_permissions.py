"""The EKS import policy covers the import, its re-check and its deletion, proven by enforcement and by record.

The sandbox customer role is deployed from the EKS *import* catalogue here, so moto
rejects any call outside it. Every call made is also recorded and mapped to its IAM
actions, each of which must be in that catalogue.
"""

import pytest

from engines.choices import EngineStatus, OperationStatus
from engines.providers.aws.permissions import catalogue
from engines.services.engines import start_engine_deletion
from engines.services.imports import start_engine_recheck
from organisations.permissions import Actor
from sandbox import customer
from tests.engines.import_helpers import import_engine, latest_operation
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)
from tests.engines.test_permission_coverage import CallRecorder

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_CATALOGUE = catalogue("eks", "import")


@pytest.fixture
def import_role(monkeypatch):
    """Deploy the sandbox customer role with exactly the published EKS import policy."""
    monkeypatch.setattr(customer, "ROLE_MODE", "import")


@pytest.fixture
def call_recorder(monkeypatch):
    return CallRecorder(monkeypatch)


def outside_catalogue(recorder) -> dict[str, list[str]]:
    allowed = {action.lower() for action in IMPORT_CATALOGUE.actions()}
    return {action: sorted(needers) for action, needers in recorder.actions().items() if action.lower() not in allowed}


def test_import_recheck_and_delete_within_import_policy(import_role, call_recorder, prepared, sync_tasks):
    engine = import_engine(prepared)
    assert engine.status == EngineStatus.READY, engine.status_reason

    check = start_engine_recheck(engine, actor=Actor.operator())
    check.refresh_from_db()
    assert check.status == OperationStatus.SUCCEEDED, check.failure_reason
    start_engine_deletion(engine, actor=Actor.operator())
    engine.refresh_from_db()

    assert engine.status == EngineStatus.DELETED, engine.status_reason
    assert outside_catalogue(call_recorder) == {}
    assert len(call_recorder.calls) > 50


def test_absent_cluster_search_within_import_policy(import_role, call_recorder, prepared, sync_tasks):
    engine = import_engine(prepared, cluster_name="nowhere")

    row = latest_operation(engine).steps.get(key="cluster")
    assert "was not found" in row.detail
    assert outside_catalogue(call_recorder) == {}
