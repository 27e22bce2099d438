"""Teardown of what the cluster made in the account, before the cluster itself is deleted.

Controllers inside the cluster create AWS resources that the portal never recorded: the
load balancers of `LoadBalancer` Services, Karpenter's instances, the volumes of
persistent volume claims. Once the cluster is gone nothing deletes them, so these steps
delete their Kubernetes owners first and wait for the controllers to clean up. Past a
deadline, what carries the engine tag is deleted directly; the final sweep deletes what is
left with that tag and reports resources tagged for the cluster without it.
"""

import time

from engines.provisioning.steps import Done, Wait
from engines.providers.aws.eks.incluster import cluster_kube, engine_cluster_name, list_or_empty
from engines.providers.aws.naming import ENGINE_TAG

POLL_SECONDS = 15
LOAD_BALANCER_DEADLINE_SECONDS = 600
NODE_DEADLINE_SECONDS = 600
VOLUME_DEADLINE_SECONDS = 300
LIVE_INSTANCE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
LIVE_VOLUME_STATES = ["creating", "available", "in-use", "deleting"]


def cluster_tag_key(cluster_name: str) -> str:
    return f"kubernetes.io/cluster/{cluster_name}"


def _tags(items) -> dict[str, str]:
    return {item["Key"]: item["Value"] for item in items or []}


def cluster_load_balancers(context, cluster_name: str) -> list[dict]:
    """Return the load balancers (v2 and classic) that the cluster's controllers tagged as theirs.

    Each entry is {"kind": "elbv2" or "elb", "id": ARN or name, "tags": {...}}.
    """
    found = []
    elbv2 = context.cloud.client("elbv2")
    arns = [balancer["LoadBalancerArn"] for balancer in elbv2.describe_load_balancers()["LoadBalancers"]]
    for start in range(0, len(arns), 20):
        for description in elbv2.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]:
            tags = _tags(description["Tags"])
            if tags.get("elbv2.k8s.aws/cluster") == cluster_name or cluster_tag_key(cluster_name) in tags:
                found.append({"kind": "elbv2", "id": description["ResourceArn"], "tags": tags})
    elb = context.cloud.client("elb")
    names = [balancer["LoadBalancerName"] for balancer in elb.describe_load_balancers()["LoadBalancerDescriptions"]]
    for start in range(0, len(names), 20):
        for description in elb.describe_tags(LoadBalancerNames=names[start:start + 20])["TagDescriptions"]:
            tags = _tags(description["Tags"])
            if cluster_tag_key(cluster_name) in tags:
                found.append({"kind": "elb", "id": description["LoadBalancerName"], "tags": tags})
    return found


def delete_load_balancer(context, balancer: dict) -> None:
    if balancer["kind"] == "elbv2":
        context.cloud.client("elbv2").delete_load_balancer(LoadBalancerArn=balancer["id"])
    else:
        context.cloud.client("elb").delete_load_balancer(LoadBalancerName=balancer["id"])


def cluster_instances(context, cluster_name: str) -> list[dict]:
    """Return the live instances tagged for the cluster (Karpenter's nodes carry this tag)."""
    reservations = context.cloud.client("ec2").describe_instances(Filters=[
        {"Name": f"tag:{cluster_tag_key(cluster_name)}", "Values": ["owned"]},
        {"Name": "instance-state-name", "Values": LIVE_INSTANCE_STATES},
    ])["Reservations"]
    return [instance for reservation in reservations for instance in reservation["Instances"]]


def cluster_volumes(context, cluster_name: str) -> list[dict]:
    """Return the volumes that the cluster's storage drivers tagged as the cluster's."""
    ec2 = context.cloud.client("ec2")
    volumes = {}
    for filters in ([{"Name": "tag:KubernetesCluster", "Values": [cluster_name]}],
                    [{"Name": "tag-key", "Values": [cluster_tag_key(cluster_name)]}]):
        for volume in ec2.describe_volumes(Filters=filters + [{"Name": "status", "Values": LIVE_VOLUME_STATES}])[
                "Volumes"]:
            volumes[volume["VolumeId"]] = volume
    return list(volumes.values())


def _deadline_passed(context, seconds: int) -> bool:
    started = context.state.setdefault("waiting_since", time.time())
    context.save_state()
    return time.time() - started > seconds


def _count(context, name: str, value: int) -> int:
    """Add `value` to a counter kept in the step's state across its runs, and return the total."""
    context.state[name] = context.state.get(name, 0) + value
    context.save_state()
    return context.state[name]


def remove_load_balancer_services(context):
    kube = cluster_kube(context)
    if kube is None:
        return Done("The cluster's Kubernetes API is not available: nothing to remove in it")
    name = engine_cluster_name(context)
    services = [service for service in list_or_empty(kube, "v1", "Service")
                if service.get("spec", {}).get("type") == "LoadBalancer"]
    for service in services:
        kube.delete("v1", "Service", service["metadata"]["name"], service["metadata"]["namespace"])
    removed = _count(context, "services_removed", len(services))

    remaining = cluster_load_balancers(context, name)
    if remaining and _deadline_passed(context, LOAD_BALANCER_DEADLINE_SECONDS):
        for balancer in remaining:
            if balancer["tags"].get(ENGINE_TAG) == context.engine.tag_value:
                delete_load_balancer(context, balancer)
        context.log(f"{len(remaining)} load balancer(s) outlived their services; deleted those tagged "
                    f"{ENGINE_TAG}", "warning")
        remaining = cluster_load_balancers(context, name)
        if all(balancer["tags"].get(ENGINE_TAG) != context.engine.tag_value for balancer in remaining):
            return Done(f"Removed {removed} LoadBalancer service(s); {len(remaining)} untagged load balancer(s) left")
    if remaining:
        return Wait(f"{len(remaining)} load balancer(s) of LoadBalancer services to be deleted", POLL_SECONDS)
    return Done(f"Removed {removed} LoadBalancer service(s) and their load balancers")


def remove_node_pools(context):
    kube = cluster_kube(context)
    if kube is None:
        return Done("The cluster's Kubernetes API is not available: nothing to remove in it")
    name = engine_cluster_name(context)
    pools = list_or_empty(kube, "karpenter.sh/v1", "NodePool")
    for pool in pools:
        kube.delete("karpenter.sh/v1", "NodePool", pool["metadata"]["name"])
    removed = _count(context, "node_pools_removed", len(pools))

    claims = list_or_empty(kube, "karpenter.sh/v1", "NodeClaim")
    instances = [instance for instance in cluster_instances(context, name)
                 if "karpenter.sh/nodepool" in _tags(instance.get("Tags"))]
    if (claims or instances) and _deadline_passed(context, NODE_DEADLINE_SECONDS):
        tagged = [instance["InstanceId"] for instance in instances
                  if _tags(instance.get("Tags")).get(ENGINE_TAG) == context.engine.tag_value]
        if tagged:
            context.cloud.client("ec2").terminate_instances(InstanceIds=tagged)
        context.log(f"Karpenter did not remove {len(claims)} node claim(s) in time; terminated {len(tagged)} "
                    f"instance(s) tagged {ENGINE_TAG}", "warning")
        return Done(f"Removed {removed} node pool(s); terminated {len(tagged)} instance(s) directly")
    if claims or instances:
        return Wait(f"Karpenter to terminate {max(len(claims), len(instances))} node(s)", POLL_SECONDS)
    return Done(f"Removed {removed} node pool(s); no Karpenter node is left")


def delete_volume_claims(context):
    kube = cluster_kube(context)
    if kube is None:
        return Done("The cluster's Kubernetes API is not available: nothing to remove in it")
    name = engine_cluster_name(context)
    claims = list_or_empty(kube, "v1", "PersistentVolumeClaim")
    for claim in claims:
        kube.delete("v1", "PersistentVolumeClaim", claim["metadata"]["name"], claim["metadata"]["namespace"])
    removed = _count(context, "claims_removed", len(claims))

    volumes = [volume for volume in cluster_volumes(context, name) if volume["State"] != "deleted"]
    if volumes and not _deadline_passed(context, VOLUME_DEADLINE_SECONDS):
        return Wait(f"{len(volumes)} volume(s) of persistent volume claims to be deleted", POLL_SECONDS)
    if volumes:
        context.log(f"{len(volumes)} volume(s) outlived their claims; the final sweep deletes those tagged "
                    f"{ENGINE_TAG}", "warning")
    return Done(f"Deleted {removed} persistent volume claim(s)")
