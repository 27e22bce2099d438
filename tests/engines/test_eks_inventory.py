"""A created EKS engine's inventory as `engine show --json` prints it, and its resource diagram."""

import io
import json
import re

import pytest
from django.core.management import call_command

from engines.choices import EngineStatus, ResourceState
from engines.diagram import engine_diagram
from engines.services.engines import start_engine_creation
from organisations.permissions import Actor
from tests.engines.helpers import make_sandbox_account
from tests.engines.test_eks_plan import CREATED_TYPES
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready_engine(aws_sandbox, sync_tasks):
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name="inventory",
                                   kind="eks", region="eu-west-1")
    engine.refresh_from_db()
    assert engine.status == EngineStatus.READY, engine.status_reason
    return engine


def test_show_json_lists_every_created_type(ready_engine):
    output = io.StringIO()
    call_command("engine", "show", "inventory", "--org", ready_engine.organisation.slug, "--json", stdout=output)

    resources = json.loads(output.getvalue())["resources"]

    types = {resource["type"] for resource in resources}
    assert {"sqs_queue", "karpenter", "efs"} <= types
    assert types == CREATED_TYPES
    queue = next(resource for resource in resources if resource["type"] == "sqs_queue")
    assert queue["cloud_id"].startswith("arn:aws:sqs:eu-west-1:")
    assert {resource["state"] for resource in resources} == {"present"}


def test_diagram_draws_every_resource(ready_engine):
    svg = str(engine_diagram(ready_engine))

    titles = re.findall(r"<g><title>([^<]+)</title>", svg)
    # The VPC and the cluster are the frames around the other boxes.
    assert len(titles) == ready_engine.resources.exclude(type__in=["vpc", "eks_cluster"]).count()
    for label in ("Subnet 1", "Subnet 2", "Internet gateway", "Route table", "Default route", "Security group",
                  "EFS mount target", "Node group", "Karpenter", "Karpenter node pool", "Namespace",
                  "Interruption queue", "EventBridge rule", "EFS file system", "OIDC provider", "Instance profile"):
        assert f">{label}</text>" in svg, label
    vpc = ready_engine.resources.get(type="vpc")
    assert f"VPC {vpc.cloud_id} (10.0.0.0/16, present)" in svg
    assert "EKS cluster inventory (present)" in svg


def test_diagram_colours_follow_states(ready_engine):
    ready_engine.resources.filter(type="efs").update(state=ResourceState.DELETING)

    svg = str(engine_diagram(ready_engine))

    deleting = re.search(r"<title>EFS file system: [^<]+</title><rect [^>]*fill=\"([^\"]+)\"", svg)
    assert deleting.group(1) == "#fff3cd"
    assert ">deleting</text>" in svg
    assert 'role="img"' in svg
    assert "<desc id=\"diagram-desc\">" in svg
