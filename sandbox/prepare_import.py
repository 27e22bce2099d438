"""`manage.py sandbox prepare-import`: build in the sandbox what an administrator builds before an EKS import.

Everything is made with the sandbox administrator's key pair, outside the portal's
inventory and without the portal's tags. In AWS (moto) that is a public VPC, IAM roles
with an instance profile, the EKS cluster and a node group, the OIDC provider, Karpenter's
SQS queue, an EFS file system with mount targets, and an Elastic IP. Inside the cluster
(the Kubernetes stand-in) it installs Karpenter, two storage classes and an ingress
`LoadBalancer` Service, for which the sandbox's load-balancer controller makes a network
load balancer in moto.

NOTE: moto 5.2.5 drops the Elastic IPs given in SubnetMappings and makes no network
interfaces for a load balancer, so this module attaches the Elastic IP to a network
interface described as ELB describes those of a network load balancer.
"""

import hashlib
import ipaddress
import json
import time
from dataclasses import asdict, dataclass, field

from botocore.credentials import Credentials
from django.core.management.base import CommandError

from engines.forms import EKS_NAME_PATTERN
from engines.providers.aws.eks.cluster import EKS_OIDC_THUMBPRINT
from engines.providers.aws.eks.manifests import karpenter_controller
from engines.providers.aws.eks_import.egress import PROBE_LABEL
from engines.providers.kube.client import KubeClient
from engines.providers.kube.sandbox import cluster_host
from engines.providers.kube.tokens import EksTokenSource
from sandbox.customer import admin_client
from sandbox.kube import JobOutcome
from sandbox.state import read_state

DEFAULT_REGION = "eu-west-1"
KUBERNETES_VERSION = "1.33"
VPC_CIDR = "10.60.0.0/16"
SUBNET_CIDRS = ("10.60.0.0/20", "10.60.16.0/20")
# Sandbox Elastic IPs are drawn from this global unicast block; no traffic is ever sent to them.
ELASTIC_IP_NETWORK = ipaddress.ip_network("52.16.0.0/16")
KARPENTER_NAMESPACE = "kube-system"
STORAGE_CLASS = "efs-sc"
INGRESS_NAMESPACE = "ingress-nginx"
INGRESS_SERVICE = "ingress-nginx-controller"
FIELD_MANAGER = "sandbox-administrator"
ACTIVE_TIMEOUT_SECONDS = 900
MANAGED_POLICY = "arn:aws:iam::aws:policy/{}"


class PrepareError(RuntimeError):
    """The sandbox could not build the cluster to import."""


@dataclass
class PreparedCluster:
    """A cluster built to import: the import form's values, and the id of every resource built."""

    cluster: str
    region: str
    storage_class: str
    nlb_ip: str
    resources: dict[str, str] = field(default_factory=dict)

    def import_values(self) -> dict[str, str]:
        """Return the four values to import the cluster with, as `prepare-import --json` prints them."""
        data = asdict(self)
        return {key: data[key] for key in ("cluster", "region", "storage_class", "nlb_ip")}


class AdminClients:
    """The sandbox administrator's clients for one region, each made once (making one takes tens of ms)."""

    def __init__(self, region: str):
        self.region = region
        self._clients = {}

    def __call__(self, service: str):
        if service not in self._clients:
            self._clients[service] = admin_client(service, self.region)
        return self._clients[service]


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _tags(name: str, **extra: str) -> list[dict]:
    return [{"Key": key, "Value": value} for key, value in {"Name": name, **extra}.items()]


def elastic_ip_for(cluster: str, allocated: set[str]) -> str:
    """Return a global unicast address for the cluster's Elastic IP, derived from its name and not in `allocated`."""
    seed = int(hashlib.sha256(cluster.encode()).hexdigest(), 16)
    for attempt in range(ELASTIC_IP_NETWORK.num_addresses):
        offset = (seed + attempt) % (ELASTIC_IP_NETWORK.num_addresses - 2) + 1
        address = str(ELASTIC_IP_NETWORK.network_address + offset)
        if address not in allocated:
            return address
    raise PrepareError(f"Every sandbox Elastic IP of {ELASTIC_IP_NETWORK} is taken.")


def _network(name: str, aws: AdminClients, built: dict) -> None:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _tags(f"{name}-vpc")}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    built["vpc"] = vpc_id

    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]][:len(SUBNET_CIDRS)]
    for index, (zone, cidr) in enumerate(zip(zones, SUBNET_CIDRS), start=1):
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=[
            {"ResourceType": "subnet", "Tags": _tags(f"{name}-public-{index}", **{
                "kubernetes.io/role/elb": "1", f"kubernetes.io/cluster/{name}": "shared"})}])["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        built[f"subnet-{index}"] = subnet_id

    gateway_id = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": _tags(f"{name}-igw")}])["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    built["internet-gateway"] = gateway_id
    table_id = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": _tags(f"{name}-public")}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    for index in range(1, len(zones) + 1):
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=built[f"subnet-{index}"])
    built["route-table"] = table_id


def _roles(name: str, aws: AdminClients, built: dict) -> None:
    iam = aws("iam")
    cluster_role = iam.create_role(RoleName=f"{name}-cluster", AssumeRolePolicyDocument=_trust("eks.amazonaws.com"))
    iam.attach_role_policy(RoleName=f"{name}-cluster", PolicyArn=MANAGED_POLICY.format("AmazonEKSClusterPolicy"))
    built["cluster-role"] = cluster_role["Role"]["Arn"]

    node_role = iam.create_role(RoleName=f"{name}-node", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"))
    for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"):
        iam.attach_role_policy(RoleName=f"{name}-node", PolicyArn=MANAGED_POLICY.format(policy))
    built["node-role"] = node_role["Role"]["Arn"]

    profile = iam.create_instance_profile(InstanceProfileName=f"{name}-node")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-node", RoleName=f"{name}-node")
    built["instance-profile"] = profile["Arn"]


def _wait_until_active(eks, name: str) -> dict:
    deadline = time.monotonic() + ACTIVE_TIMEOUT_SECONDS
    while True:
        cluster = eks.describe_cluster(name=name)["cluster"]
        if cluster["status"] == "ACTIVE":
            return cluster
        if time.monotonic() > deadline:
            raise PrepareError(f"EKS cluster {name} is still {cluster['status']} after {ACTIVE_TIMEOUT_SECONDS} s.")
        time.sleep(1)


def _cluster(name: str, aws: AdminClients, built: dict) -> dict:
    eks = aws("eks")
    subnets = [built[key] for key in sorted(built) if key.startswith("subnet-")]
    eks.create_cluster(name=name, version=KUBERNETES_VERSION, roleArn=built["cluster-role"],
                       resourcesVpcConfig={"subnetIds": subnets, "endpointPublicAccess": True})
    cluster = _wait_until_active(eks, name)
    built["eks-cluster"] = cluster["arn"]
    group = eks.create_nodegroup(clusterName=name, nodegroupName=f"{name}-system", nodeRole=built["node-role"],
                                 subnets=subnets, instanceTypes=["m6i.large"],
                                 scalingConfig={"minSize": 2, "maxSize": 3, "desiredSize": 2})["nodegroup"]
    built["node-group"] = group["nodegroupArn"]

    issuer = cluster["identity"]["oidc"]["issuer"]
    iam = aws("iam")
    provider_arn = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"],
                                                       ThumbprintList=[EKS_OIDC_THUMBPRINT])["OpenIDConnectProviderArn"]
    built["oidc-provider"] = provider_arn
    host = issuer.removeprefix("https://")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:sub": f"system:serviceaccount:{KARPENTER_NAMESPACE}:karpenter",
                                       f"{host}:aud": "sts.amazonaws.com"}}}]}
    built["karpenter-role"] = iam.create_role(RoleName=f"KarpenterController-{name}"[:64],
                                              AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return cluster


def _queue_and_file_system(name: str, aws: AdminClients, built: dict) -> None:
    # Karpenter's Getting Started CloudFormation template (cloudformation.yaml) names the queue after the cluster.
    built["interruption-queue"] = aws("sqs").create_queue(
        QueueName=name, Attributes={"MessageRetentionPeriod": "300"})["QueueUrl"]

    ec2 = aws("ec2")
    group_id = ec2.create_security_group(GroupName=f"{name}-efs", Description="NFS from the cluster's VPC",
                                         VpcId=built["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "IpRanges": [{"CidrIp": VPC_CIDR}]}])
    built["efs-security-group"] = group_id
    efs = aws("efs")
    file_system_id = efs.create_file_system(CreationToken=f"{name}-efs", Encrypted=True, PerformanceMode="generalPurpose",
                                            Tags=_tags(f"{name}-efs"))["FileSystemId"]
    built["efs"] = file_system_id
    for key in sorted(key for key in built if key.startswith("subnet-")):
        target = efs.create_mount_target(FileSystemId=file_system_id, SubnetId=built[key], SecurityGroups=[group_id])
        built[f"efs-mount-target-{key.removeprefix('subnet-')}"] = target["MountTargetId"]


def _kube_client(cluster: dict, region: str) -> KubeClient:
    """Return a client of the cluster's API (the stand-in), signed with the administrator's EKS token."""
    state = read_state()
    credentials = Credentials(state.admin_access_key_id, state.admin_secret_access_key).get_frozen_credentials()
    host = cluster_host(cluster, region)
    return KubeClient(host, EksTokenSource(lambda: credentials, cluster["name"], region), label=cluster["name"])


def _as_helm_release(manifest: dict) -> dict:
    labels = manifest.get("metadata", {}).get("labels")
    if labels and "app.kubernetes.io/managed-by" in labels:
        labels["app.kubernetes.io/managed-by"] = "Helm"
    return manifest


def _in_cluster(cluster: dict, region: str, built: dict) -> dict:
    """Install Karpenter, the storage classes and the ingress Service; return the Service as stored."""
    client = _kube_client(cluster, region)
    values = {"NAMESPACE": KARPENTER_NAMESPACE, "KARPENTER_ROLE_ARN": built["karpenter-role"],
              "CLUSTER_NAME": cluster["name"], "CLUSTER_ENDPOINT": cluster["endpoint"],
              "INTERRUPTION_QUEUE": cluster["name"], "REGION": region}
    for manifest in karpenter_controller(values):
        client.apply(_as_helm_release(manifest), field_manager=FIELD_MANAGER)

    client.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": STORAGE_CLASS},
                  "provisioner": "efs.csi.aws.com", "parameters": {
                      "provisioningMode": "efs-ap", "fileSystemId": built["efs"], "directoryPerms": "700"}},
                 field_manager=FIELD_MANAGER)
    client.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {
        "name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "kubernetes.io/aws-ebs", "parameters": {"type": "gp2", "fsType": "ext4"}},
        field_manager=FIELD_MANAGER)

    client.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": INGRESS_NAMESPACE}},
                 field_manager=FIELD_MANAGER)
    return client.apply({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": INGRESS_SERVICE, "namespace": INGRESS_NAMESPACE, "annotations": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": built["elastic-ip"],
        }},
        "spec": {"type": "LoadBalancer", "selector": {"app.kubernetes.io/name": "ingress-nginx"},
                 "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]},
    }, field_manager=FIELD_MANAGER)


def _attach_elastic_ip(service: dict, aws: AdminClients, built: dict) -> None:
    """Find the Service's network load balancer and give it the Elastic IP, as ELB would."""
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [{}]
    hostname = ingress[0].get("hostname", "")
    elbv2 = aws("elbv2")
    balancer = next((item for item in elbv2.describe_load_balancers()["LoadBalancers"]
                     if item["DNSName"] == hostname and item.get("Type") == "network"), None)
    if balancer is None:
        raise PrepareError(f"No network load balancer has the ingress Service's hostname {hostname or '(none)'}: "
                           "the sandbox's load-balancer controller did not run. Start the sandbox with "
                           "`python manage.py sandbox serve`.")
    built["nlb"] = balancer["LoadBalancerArn"]

    ec2 = aws("ec2")
    description = "ELB " + balancer["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    subnet_id = balancer["AvailabilityZones"][0]["SubnetId"]
    interface_id = ec2.create_network_interface(SubnetId=subnet_id, Description=description)[
        "NetworkInterface"]["NetworkInterfaceId"]
    ec2.associate_address(AllocationId=built["elastic-ip"], NetworkInterfaceId=interface_id)
    built["nlb-network-interface"] = interface_id


def prepare_import(cluster: str, region: str = DEFAULT_REGION) -> PreparedCluster:
    """Build an EKS cluster to import, and everything around it, as the sandbox administrator."""
    if not EKS_NAME_PATTERN.match(cluster):
        raise PrepareError(f"{cluster!r} is not a valid EKS cluster name: use 1 to 100 letters, digits, - and _, "
                           "starting with a letter or a digit.")
    aws = AdminClients(region)
    existing = aws("eks").list_clusters()["clusters"]
    if cluster in existing:
        raise PrepareError(f"EKS cluster {cluster} already exists in the sandbox's {region}: choose another name.")

    built: dict[str, str] = {}
    _network(cluster, aws, built)
    _roles(cluster, aws, built)
    described = _cluster(cluster, aws, built)
    _queue_and_file_system(cluster, aws, built)

    ec2 = aws("ec2")
    allocated = {address["PublicIp"] for address in ec2.describe_addresses()["Addresses"]}
    address = elastic_ip_for(cluster, allocated)
    built["elastic-ip"] = ec2.allocate_address(Domain="vpc", Address=address)["AllocationId"]

    service = _in_cluster(described, region, built)
    _attach_elastic_ip(service, aws, built)
    return PreparedCluster(cluster=cluster, region=region, storage_class=STORAGE_CLASS, nlb_ip=address,
                           resources=built)


def egress_probe_outcome(cluster, job: dict) -> JobOutcome | None:
    """Return the outcome of the portal's egress probe Jobs (None for other Jobs).

    The log reports every hostname reached, except those in the cluster's `unreachableHostnames`
    attribute, which tests set.
    """
    labels = job.get("metadata", {}).get("labels") or {}
    if labels.get("app.kubernetes.io/name") != PROBE_LABEL:
        return None
    containers = job.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    environment = {item["name"]: item.get("value", "") for container in containers for item in container.get("env", [])}
    blocked = set(cluster.attributes.get("unreachableHostnames", []))
    lines = [f"{'unreachable' if host in blocked else 'reached'} {host}"
             for host in environment.get("PROBE_HOSTNAMES", "").split()]
    return JobOutcome(succeeded=True, log="".join(line + "\n" for line in lines))


def answer_egress_probes(kube_sandbox) -> None:
    """Register `egress_probe_outcome` for the Jobs of every cluster of a Kubernetes stand-in."""
    kube_sandbox.on_job_created(egress_probe_outcome)


def handle_command(stdout, *, cluster: str, region: str, as_json: bool) -> None:
    """Run `sandbox prepare-import` and print the values to import with."""
    try:
        prepared = prepare_import(cluster, region)
    except PrepareError as error:
        raise CommandError(str(error)) from error
    values = prepared.import_values()
    if as_json:
        stdout.write(json.dumps(values, indent=2))
        return
    for key, value in values.items():
        stdout.write(f"{key}: {value}")
    stdout.write(f"Import it with: python manage.py engine import --org ORG --kind eks --account ACCOUNT --region "
                 f"{region} --name NAME --cluster {cluster} --storage-class {STORAGE_CLASS} --nlb-ip {prepared.nlb_ip}")

