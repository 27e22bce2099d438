"""Stand-ins for the controllers that make AWS resources on behalf of an EKS cluster.

In a real cluster, the AWS Load Balancer Controller creates a load balancer for each
`LoadBalancer` Service and deletes it with the Service. Karpenter terminates the instance
of each NodeClaim it removes. The EBS CSI driver creates a volume for each claim and
deletes it with the claim. The sandbox's Kubernetes API does none of this, so these hooks
do it in the sandbox AWS account (moto), through the sandbox administrator's clients.

They apply to stand-in clusters registered with an `eksClusterName` attribute. Each
resource carries the tags its real controller sets, plus the cluster's `aichor:` tags, as
the controllers do when the portal configures them as default or extra tags.
"""

import hashlib
import logging
import threading
from collections.abc import Callable

from botocore.exceptions import ClientError

from sandbox.kube.controllers import default_load_balancer_hostname

logger = logging.getLogger(__name__)

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
STACK_TAG = "service.k8s.aws/stack"
VOLUME_CLUSTER_TAG = "KubernetesCluster"
GIBIBYTE_SUFFIXES = {"Gi": 1, "G": 1, "Ti": 1024, "T": 1024, "Mi": 1 / 1024}

AwsClientFactory = Callable[[str, str], object]


class CloudControllers:
    """Load balancers of Services, instances of NodeClaims and volumes of claims, kept in moto."""

    def __init__(self, aws_client: AwsClientFactory):
        self._make_client = aws_client
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self._volumes: dict[tuple[str, str, str], str] = {}

    def _aws_client(self, service: str, region: str):
        # Making a boto3 client takes tens of milliseconds; a made one is thread-safe.
        with self._lock:
            if (service, region) not in self._clients:
                self._clients[(service, region)] = self._make_client(service, region)
            return self._clients[(service, region)]

    def attach(self, kube_sandbox) -> None:
        """Set up every EKS stand-in cluster registered with `kube_sandbox` from now on."""
        kube_sandbox.on_cluster_added(self.setup_cluster)

    def setup_cluster(self, cluster) -> None:
        if not cluster.attributes.get("eksClusterName"):
            return
        cluster.hostname_factory = lambda service: self._create_load_balancer(cluster, service)
        cluster.on_event(lambda event, resource_type, obj: self._on_event(cluster, event, resource_type, obj))

    # Load balancers of LoadBalancer Services

    def _eks_cluster(self, cluster) -> dict:
        eks = self._aws_client("eks", cluster.region)
        return eks.describe_cluster(name=cluster.attributes["eksClusterName"])["cluster"]

    def _create_load_balancer(self, cluster, service: dict) -> str:
        metadata = service["metadata"]
        stack = f"{metadata.get('namespace')}/{metadata['name']}"
        try:
            eks_cluster = self._eks_cluster(cluster)
            tags = [{"Key": key, "Value": value} for key, value in (eks_cluster.get("tags") or {}).items()
                    if key.startswith("aichor:")]
            tags += [{"Key": CLUSTER_TAG, "Value": eks_cluster["name"]}, {"Key": STACK_TAG, "Value": stack},
                     {"Key": "service.k8s.aws/resource", "Value": "LoadBalancer"}]
            digest = hashlib.sha256(f"{cluster.key}/{stack}".encode()).hexdigest()[:20]
            created = self._aws_client("elbv2", cluster.region).create_load_balancer(
                Name=f"k8s-{digest}", Type="network", Scheme="internet-facing",
                Subnets=eks_cluster["resourcesVpcConfig"]["subnetIds"], Tags=tags,
            )["LoadBalancers"][0]
        except (ClientError, KeyError) as error:
            logger.warning("cluster %s: no load balancer for service %s: %s", cluster.key, stack, error)
            return default_load_balancer_hostname(cluster.region, cluster.key, service)
        logger.info("cluster %s: load balancer %s for service %s", cluster.key, created["LoadBalancerName"], stack)
        return created["DNSName"]

    def _delete_load_balancers(self, cluster, service: dict) -> None:
        metadata = service["metadata"]
        stack = f"{metadata.get('namespace')}/{metadata['name']}"
        elbv2 = self._aws_client("elbv2", cluster.region)
        arns = [balancer["LoadBalancerArn"] for balancer in elbv2.describe_load_balancers()["LoadBalancers"]]
        for start in range(0, len(arns), 20):
            for description in elbv2.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]:
                tags = {tag["Key"]: tag["Value"] for tag in description["Tags"]}
                if tags.get(CLUSTER_TAG) == cluster.attributes["eksClusterName"] and tags.get(STACK_TAG) == stack:
                    elbv2.delete_load_balancer(LoadBalancerArn=description["ResourceArn"])

    # Events

    def _on_event(self, cluster, event: str, resource_type, obj: dict) -> None:
        kind = (resource_type.group, resource_type.plural)
        if event == "DELETED" and kind == ("", "services") and obj.get("spec", {}).get("type") == "LoadBalancer":
            self._delete_load_balancers(cluster, obj)
        elif event == "DELETED" and kind == ("karpenter.sh", "nodeclaims"):
            self._terminate_node_claim(cluster, obj)
        elif event == "ADDED" and kind == ("", "persistentvolumeclaims"):
            self._create_volume(cluster, obj)
        elif event == "DELETED" and kind == ("", "persistentvolumeclaims"):
            self._delete_volume(cluster, obj)

    def _terminate_node_claim(self, cluster, claim: dict) -> None:
        """Terminate a NodeClaim's instance and remove its Node, as Karpenter's termination controller does."""
        status = claim.get("status") or {}
        instance_id = (status.get("providerID") or "").rsplit("/", 1)[-1]
        if instance_id.startswith("i-"):
            self._aws_client("ec2", cluster.region).terminate_instances(InstanceIds=[instance_id])
            logger.info("cluster %s: terminated instance %s of node claim %s", cluster.key, instance_id,
                        claim["metadata"]["name"])
        if status.get("nodeName") and cluster.get_object("v1", "nodes", status["nodeName"]) is not None:
            cluster.delete_object("v1", "nodes", status["nodeName"])

    def _create_volume(self, cluster, claim: dict) -> None:
        metadata = claim["metadata"]
        eks_cluster = self._eks_cluster(cluster)
        requested = claim.get("spec", {}).get("resources", {}).get("requests", {}).get("storage", "1Gi")
        tags = {key: value for key, value in (eks_cluster.get("tags") or {}).items() if key.startswith("aichor:")}
        tags.update({
            VOLUME_CLUSTER_TAG: eks_cluster["name"],
            "ebs.csi.aws.com/cluster": "true",
            "kubernetes.io/created-for/pvc/name": metadata["name"],
            "kubernetes.io/created-for/pvc/namespace": metadata["namespace"],
        })
        ec2 = self._aws_client("ec2", cluster.region)
        subnet_id = eks_cluster["resourcesVpcConfig"]["subnetIds"][0]
        zone = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailabilityZone"]
        volume = ec2.create_volume(
            AvailabilityZone=zone, Size=_size_in_gibibytes(requested), VolumeType="gp3",
            TagSpecifications=[{"ResourceType": "volume",
                                "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}],
        )
        with self._lock:
            self._volumes[(cluster.key, metadata["namespace"], metadata["name"])] = volume["VolumeId"]

    def _delete_volume(self, cluster, claim: dict) -> None:
        metadata = claim["metadata"]
        with self._lock:
            volume_id = self._volumes.pop((cluster.key, metadata["namespace"], metadata["name"]), None)
        if volume_id:
            self._aws_client("ec2", cluster.region).delete_volume(VolumeId=volume_id)


def _size_in_gibibytes(quantity: str) -> int:
    """Return a storage quantity such as `10Gi` in whole GiB (at least 1)."""
    for suffix, factor in GIBIBYTE_SUFFIXES.items():
        if quantity.endswith(suffix) and quantity[: -len(suffix)].isdigit():
            return max(1, int(int(quantity[: -len(suffix)]) * factor))
    return 1
