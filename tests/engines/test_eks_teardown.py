"""Teardown of what an EKS cluster made: load balancers of Services, Karpenter's nodes, volumes of claims."""

import pytest

from engines.choices import EngineStatus, StepStatus
from engines.services.engines import start_engine_creation, start_engine_deletion
from organisations.permissions import Actor
from tests.engines.cloud_state import engine_leftovers, engine_load_balancers
from tests.engines.helpers import make_sandbox_account
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db(transaction=True)


def stand_in_for(kube_sandbox, engine):
    """Return the stand-in cluster that serves the engine's EKS cluster."""
    clusters = [cluster for cluster in kube_sandbox.clusters.values()
                if cluster.attributes.get("eksClusterName") == engine.name]
    assert len(clusters) == 1
    return clusters[0]


def launch_karpenter_node(aws_sandbox, engine, cluster, number: int, *, engine_tag: bool = True) -> str:
    """Start an instance tagged as Karpenter tags its nodes, with its NodeClaim and Node in the cluster."""
    ec2 = aws_sandbox.client("ec2", engine.region)
    subnet = engine.resources.get(key="subnet-1")
    tags = {f"kubernetes.io/cluster/{engine.name}": "owned", "karpenter.sh/nodepool": "default",
            "karpenter.sh/nodeclaim": f"default-{number}", "eks:eks-cluster-name": engine.name}
    if engine_tag:
        tags["aichor:engine"] = engine.tag_value
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="m6i.large", SubnetId=subnet.cloud_id,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}],
    )["Instances"][0]
    pool = cluster.get_object("karpenter.sh/v1", "nodepools", "default")
    node_name = f"ip-10-0-0-{number}.{engine.region}.compute.internal"
    cluster.create_object({"apiVersion": "v1", "kind": "Node",
                           "metadata": {"name": node_name, "labels": {"karpenter.sh/nodepool": "default"}}})
    cluster.create_object({
        "apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
        "metadata": {"name": f"default-{number}", "labels": {"karpenter.sh/nodepool": "default"},
                     "ownerReferences": [{"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "name": "default",
                                          "uid": pool["metadata"]["uid"], "blockOwnerDeletion": True}]},
        "spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}},
        "status": {"providerID": f"aws:///{subnet.data['zone']}/{instance['InstanceId']}", "nodeName": node_name},
    })
    return instance["InstanceId"]


def instance_state(aws_sandbox, engine, instance_id: str) -> str:
    ec2 = aws_sandbox.client("ec2", engine.region)
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


@pytest.fixture
def busy_engine(aws_sandbox, kube_sandbox, sync_tasks):
    """A Ready engine whose cluster runs a LoadBalancer Service, a claim, and two Karpenter nodes."""
    organisation = make_organisation()
    account = make_sandbox_account(organisation)
    engine = start_engine_creation(organisation, actor=Actor.operator(), cloud_account=account, name="busy",
                                   kind="eks", region="eu-west-1")
    engine.refresh_from_db()
    assert engine.status == EngineStatus.READY, engine.status_reason

    cluster = stand_in_for(kube_sandbox, engine)
    cluster.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    cluster.create_object({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "apps"},
                           "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}})
    cluster.create_object({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                           "metadata": {"name": "data", "namespace": "apps"},
                           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}})
    nodes = [launch_karpenter_node(aws_sandbox, engine, cluster, number) for number in (1, 2)]
    return engine, cluster, nodes


def test_cluster_made_resources_exist_before_teardown(busy_engine, aws_sandbox):
    engine, cluster, nodes = busy_engine

    service = cluster.get_object("v1", "services", "web", "apps")
    balancers = engine_load_balancers(aws_sandbox, engine)
    volumes = aws_sandbox.client("ec2", engine.region).describe_volumes(
        Filters=[{"Name": "tag:KubernetesCluster", "Values": [engine.name]}])["Volumes"]

    assert len(balancers) == 1
    assert service["status"]["loadBalancer"]["ingress"][0]["hostname"].endswith(".elb.amazonaws.com")
    assert len(volumes) == 1
    assert [instance_state(aws_sandbox, engine, node) for node in nodes] == ["running", "running"]


def test_teardown_removes_what_cluster_made(busy_engine, aws_sandbox):
    engine, cluster, nodes = busy_engine

    operation = start_engine_deletion(engine, actor=Actor.operator())

    engine.refresh_from_db()
    operation.refresh_from_db()
    assert engine.status == EngineStatus.DELETED, engine.status_reason
    steps = {step.key: step for step in operation.steps.all()}
    assert steps["cluster-load-balancers"].detail == "Removed 1 LoadBalancer service(s) and their load balancers"
    assert steps["cluster-node-pools"].detail == "Removed 1 node pool(s); no Karpenter node is left"
    assert steps["cluster-volume-claims"].detail == "Deleted 1 persistent volume claim(s)"
    assert [instance_state(aws_sandbox, engine, node) for node in nodes] == ["terminated", "terminated"]
    assert engine_leftovers(aws_sandbox, engine) == []


def test_cluster_made_steps_run_before_cluster_deletion(busy_engine):
    engine, _, _ = busy_engine

    operation = start_engine_deletion(engine, actor=Actor.operator())

    keys = list(operation.steps.order_by("position").values_list("key", flat=True))
    assert keys[:3] == ["cluster-load-balancers", "cluster-node-pools", "cluster-volume-claims"]
    assert keys.index("delete-eks-cluster") > keys.index("delete-karpenter-node-pool") > 2
    assert keys[-1] == "sweep"
    assert set(operation.steps.values_list("status", flat=True)) == {StepStatus.SUCCEEDED}


def test_untagged_cluster_instance_left_and_reported(busy_engine, aws_sandbox):
    engine, cluster, _ = busy_engine
    ec2 = aws_sandbox.client("ec2", engine.region)
    subnet = engine.resources.get(key="subnet-1")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    stray = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet.cloud_id,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": f"kubernetes.io/cluster/{engine.name}", "Value": "owned"}]}],
    )["Instances"][0]["InstanceId"]

    operation = start_engine_deletion(engine, actor=Actor.operator())

    assert instance_state(aws_sandbox, engine, stray) == "running"
    messages = list(operation.log_lines.values_list("message", flat=True))
    assert any("Left for the administrator" in message and stray in message for message in messages)
