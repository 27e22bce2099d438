"""`manage.py engine import` and `manage.py sandbox prepare-import` against the sandbox."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from engines.choices import EngineStatus
from tests.engines.helpers import make_sandbox_account
from tests.engines.import_helpers import answer_probes, record_passed_import_preflight
from tests.engines.import_helpers import prepared  # noqa: F401  (a fixture of these tests)
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)


def run(command: str, *arguments) -> str:
    output = io.StringIO()
    call_command(command, *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture
def organisation(aws_sandbox):
    organisation = make_organisation()
    record_passed_import_preflight(make_sandbox_account(organisation))
    return organisation


def import_arguments(organisation, prepared, **changes) -> list[str]:
    values = {"--org": organisation.slug, "--kind": "eks", "--account": "sandbox", "--region": prepared.region,
              "--name": "imported", "--cluster": prepared.cluster, "--storage-class": prepared.storage_class,
              "--nlb-ip": prepared.nlb_ip, **changes}
    return ["import", *[item for pair in values.items() for item in pair], "--wait"]


def test_import_wait_ends_ready(organisation, prepared, sync_tasks):
    output = run("engine", *import_arguments(organisation, prepared))

    engine = organisation.engines.get()
    assert engine.status == EngineStatus.READY
    assert "Importing EKS cluster research as engine imported" in output
    assert "Import succeeded." in output


def test_show_json_reports_owners(organisation, prepared, sync_tasks):
    run("engine", *import_arguments(organisation, prepared))

    data = json.loads(run("engine", "show", "imported", "--org", organisation.slug, "--json"))

    owners = {resource["type"]: resource["owner"] for resource in data["resources"]}
    assert data["mode"] == "import"
    assert data["status"] == "ready"
    assert owners["eks_cluster"] == "administrator"
    assert owners["vpc"] == "administrator"
    assert owners["load_balancer"] == "administrator"
    assert owners["kube_namespace"] == "portal"
    assert {owner for kind, owner in owners.items() if kind.startswith("kube_") and kind != "kube_storage_class"} == {
        "portal"}


def test_failed_check_exits_non_zero(organisation, prepared, aws_sandbox, sync_tasks):
    aws_sandbox.client("sqs", prepared.region).delete_queue(QueueUrl=prepared.resources["interruption-queue"])
    output = io.StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("engine", *import_arguments(organisation, prepared), stdout=output)

    assert exited.value.code == 1
    assert "FAIL Karpenter's SQS interruption queue exists: SQS queue research" in output.getvalue()
    assert "Fix: Create Karpenter's interruption queue research" in output.getvalue()


def test_private_address_rejected_before_import(organisation, prepared):
    with pytest.raises(CommandError, match=r"nlb_ip: 10\.0\.0\.8 is not a public address: it is a private address"):
        run("engine", *import_arguments(organisation, prepared, **{"--nlb-ip": "10.0.0.8"}))

    assert not organisation.engines.exists()


def test_import_without_preflight_refused(aws_sandbox, prepared):
    organisation = make_organisation()
    make_sandbox_account(organisation)

    with pytest.raises(CommandError, match="no passing EKS import pre-flight"):
        run("engine", *import_arguments(organisation, prepared))


def test_prepare_import_prints_values(aws_sandbox, kube_sandbox):
    answer_probes(kube_sandbox)

    data = json.loads(run("sandbox", "prepare-import", "--cluster", "lab", "--json"))

    assert set(data) == {"cluster", "region", "storage_class", "nlb_ip"}
    assert data["cluster"] == "lab"
    assert data["region"] == "eu-west-1"
    assert data["storage_class"] == "efs-sc"
    cluster = aws_sandbox.client("eks", "eu-west-1").describe_cluster(name="lab")["cluster"]
    assert cluster["status"] == "ACTIVE"
    assert "aichor:engine" not in (cluster.get("tags") or {})


def test_prepare_import_refuses_existing_cluster(prepared):
    with pytest.raises(CommandError, match="EKS cluster research already exists"):
        run("sandbox", "prepare-import", "--cluster", "research", "--json")
