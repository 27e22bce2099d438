"""`manage.py engine`: show, delete and the create command's input errors."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from engines.choices import EngineStatus
from engines.services.engines import start_engine_creation
from organisations.permissions import Actor
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)


def run(*arguments) -> str:
    output = io.StringIO()
    call_command("engine", *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture
def ready_engine(aws_sandbox, sync_tasks):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    return start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name="cli",
                                 kind="eks", region="eu-west-1")


def test_show_json_lists_inventory(ready_engine):
    data = json.loads(run("show", "cli", "--org", ready_engine.organisation.slug, "--json"))

    assert data["name"] == "cli"
    assert data["kind"] == "eks"
    assert data["mode"] == "create"
    assert data["status"] == "ready"
    types = {resource["type"] for resource in data["resources"]}
    assert {"vpc", "subnet", "internet_gateway", "route", "route_table", "node_group", "iam_role",
            "oidc_provider", "instance_profile", "eks_cluster"} <= types
    assert {resource["owner"] for resource in data["resources"]} == {"portal"}
    assert all(resource["cloud_id"] and resource["state"] == "present" for resource in data["resources"])


def test_delete_needs_yes(ready_engine):
    with pytest.raises(CommandError, match="--yes"):
        run("delete", "cli", "--org", ready_engine.organisation.slug)


def test_delete_wait_ends_deleted(ready_engine):
    output = run("delete", "cli", "--org", ready_engine.organisation.slug, "--yes", "--wait")

    ready_engine.refresh_from_db()
    assert ready_engine.status == EngineStatus.DELETED
    assert "Delete succeeded." in output
    data = json.loads(run("show", "cli", "--org", ready_engine.organisation.slug, "--json"))
    assert data["status"] == "deleted"
    assert {resource["state"] for resource in data["resources"]} == {"deleted"}


def test_create_unknown_organisation(aws_sandbox):
    with pytest.raises(CommandError, match="Organisation 'nowhere' not found"):
        run("create", "--org", "nowhere", "--kind", "eks", "--account", "a", "--region", "eu-west-1", "--name", "x")


def test_create_unknown_param(aws_sandbox):
    organisation = make_organisation()
    make_sandbox_account(organisation)
    with pytest.raises(CommandError, match="Invalid --param 'colour=blue'"):
        run("create", "--org", organisation.slug, "--kind", "eks", "--account", "sandbox", "--region",
            "eu-west-1", "--name", "x", "--param", "colour=blue")


def test_create_without_preflight_refused(aws_sandbox):
    organisation = make_organisation()
    make_sandbox_account(organisation)
    with pytest.raises(CommandError, match="no passing EKS create pre-flight"):
        run("create", "--org", organisation.slug, "--kind", "eks", "--account", "sandbox", "--region",
            "eu-west-1", "--name", "x")


def test_create_invalid_name_names_rule(aws_sandbox):
    organisation = make_organisation()
    make_sandbox_account(organisation)
    with pytest.raises(CommandError, match="not a valid EKS cluster name"):
        run("create", "--org", organisation.slug, "--kind", "eks", "--account", "sandbox", "--region",
            "eu-west-1", "--name", "-bad name")
