"""The Karpenter checks: its controller runs in the cluster, and its SQS interruption queue exists.

Karpenter is found by the label its Helm chart and its manifests set
(`app.kubernetes.io/name=karpenter`), in whichever namespace the administrator chose.
The queue is the one its controller reads (the `INTERRUPTION_QUEUE` setting). Without that
setting, the check looks for a queue named after the cluster, as the CloudFormation template
of Karpenter's Getting Started guide names it.
"""

from botocore.exceptions import ClientError

from engines.providers.aws.errors import error_code
from engines.providers.aws.eks.queue import MISSING_QUEUE_CODES
from engines.providers.aws.eks_import.base import Outcome, cluster_name, kube, mark_missing, record_found

KARPENTER_SELECTOR = "app.kubernetes.io/name=karpenter"
QUEUE_SETTING = "INTERRUPTION_QUEUE"


def karpenter_deployments(client) -> list[dict]:
    return client.list("apps/v1", "Deployment", label_selector=KARPENTER_SELECTOR)


def _available_replicas(deployment: dict) -> int:
    status = deployment.get("status") or {}
    conditions = {condition.get("type"): condition.get("status") for condition in status.get("conditions", [])}
    if conditions.get("Available") == "False":
        return 0
    return int(status.get("availableReplicas") or 0)


def _environment(deployment: dict) -> dict[str, str]:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return {item["name"]: item.get("value", "") for container in containers for item in container.get("env", [])
            if "name" in item}


def _version(deployment: dict) -> str:
    labels = deployment["metadata"].get("labels") or {}
    if labels.get("app.kubernetes.io/version"):
        return labels["app.kubernetes.io/version"]
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    image = containers[0].get("image", "") if containers else ""
    return image.rsplit(":", 1)[-1].split("@", 1)[0] if ":" in image else "unknown"


def karpenter(context) -> Outcome:
    name = cluster_name(context)
    deployments = karpenter_deployments(kube(context))
    if not deployments:
        mark_missing(context, keys=["karpenter"])
        return Outcome.failed(f"Karpenter is not installed in cluster {name}: no Deployment is labelled "
                              f"{KARPENTER_SELECTOR}.",
                              "Install Karpenter with its Helm chart (karpenter.sh, Getting Started), then retry.")

    available = [deployment for deployment in deployments if _available_replicas(deployment) > 0]
    deployment = (available or deployments)[0]
    metadata = deployment["metadata"]
    configured = _environment(deployment).get("CLUSTER_NAME", "")
    record_found(context, "karpenter", "karpenter", f"{metadata['namespace']}/{metadata['name']}",
                 namespace=metadata["namespace"], version=_version(deployment), cluster=name)
    where = f"Deployment {metadata['namespace']}/{metadata['name']}"
    if not available:
        return Outcome.failed(f"Karpenter's {where} has no available replica.",
                              f"Look at the pods of namespace {metadata['namespace']} (events, image pulls), then retry.")
    if configured and configured != name:
        return Outcome.failed(f"Karpenter's {where} is configured for cluster {configured}, not {name}.",
                              "Set Karpenter's settings.clusterName to this cluster's name, then retry.")
    return Outcome.passed(f"Karpenter {_version(deployment)} runs: {where}, "
                          f"{_available_replicas(deployment)} replica(s) available")


def queue_name(context) -> tuple[str, str]:
    """Return the interruption queue's name and where the name came from."""
    for deployment in karpenter_deployments(kube(context)):
        configured = _environment(deployment).get(QUEUE_SETTING)
        if configured:
            return configured, f"Karpenter's {QUEUE_SETTING} setting"
    return cluster_name(context), "Karpenter's convention of naming the queue after the cluster"


def interruption_queue(context) -> Outcome:
    name, source = queue_name(context)
    sqs = context.cloud.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in MISSING_QUEUE_CODES:
            raise
        mark_missing(context, keys=["interruption-queue"])
        return Outcome.failed(f"SQS queue {name} (from {source}) was not found in {context.cloud.region}.",
                              f"Create Karpenter's interruption queue {name} with its EventBridge rules (Karpenter's "
                              "Getting Started CloudFormation template), or set Karpenter's settings.interruptionQueue "
                              "to the existing queue, then retry.")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    record_found(context, "interruption-queue", "sqs_queue", arn, name=name, url=url)
    return Outcome.passed(f"SQS queue {name} exists (from {source})")
