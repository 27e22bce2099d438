"""The cluster check: the EKS cluster exists in the engine's region, is ACTIVE, and has an EKS endpoint.

Its endpoint and certificate authority come from eks:DescribeCluster only, and are
recorded with the cluster for every later call to its Kubernetes API. When the cluster is
not in the engine's region, the check looks for it in the account's other enabled
regions, so that the row names the region where it is.
"""

from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from engines.providers.aws import clients
from engines.providers.aws.arn import regions_of
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks_import.base import Outcome, cluster_name, mark_missing, record_found

# The DNS suffix of EKS API endpoints per partition.
ENDPOINT_SUFFIXES = {"aws": "eks.amazonaws.com", "aws-us-gov": "eks.amazonaws.com", "aws-cn": "eks.amazonaws.com.cn"}


def _describe(eks, name: str) -> dict | None:
    try:
        return eks.describe_cluster(name=name)["cluster"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise


def endpoint_problem(endpoint: str, region: str, partition: str) -> str | None:
    """Return why an API endpoint is not an https endpoint on the EKS domain of the region, or None."""
    parts = urlsplit(endpoint or "")
    suffix = f".{region}.{ENDPOINT_SUFFIXES.get(partition, ENDPOINT_SUFFIXES['aws'])}"
    if parts.scheme != "https":
        return f"its API endpoint {endpoint!r} does not use https"
    if not (parts.hostname or "").endswith(suffix) or parts.port not in (None, 443) or parts.path not in ("", "/"):
        return f"its API endpoint {endpoint!r} is not on the EKS domain *{suffix}"
    return None


def vpc_of_subnets(context, subnet_ids: list[str]) -> str:
    """Return the VPC of the cluster's subnets.

    NOTE: EKS returns resourcesVpcConfig.vpcId, but moto 5.2.5 returns the configuration as
    it was given at creation, without it. So the VPC is read from a subnet when it is missing.
    """
    if not subnet_ids:
        return ""
    try:
        subnets = context.cloud.client("ec2").describe_subnets(SubnetIds=subnet_ids[:1])["Subnets"]
    except ClientError as error:
        if error_code(error) != "InvalidSubnetID.NotFound":
            raise
        return ""
    return subnets[0].get("VpcId", "") if subnets else ""


def other_regions_with(context, name: str) -> list[str]:
    """Return the account's other enabled regions that have an EKS cluster of this name."""
    cloud = context.cloud
    # moto 5.2.5 lists the regions of every partition; AWS lists those of the caller's partition only.
    partition_regions = set(regions_of(cloud.partition))
    regions = cloud.client("ec2").describe_regions()["Regions"]
    found = []
    for region in sorted(item["RegionName"] for item in regions):
        if region == cloud.region or region not in partition_regions:
            continue
        if _describe(clients.client(cloud.session, "eks", region), name) is not None:
            found.append(region)
    return found


def cluster_exists(context) -> Outcome:
    cloud = context.cloud
    name = cluster_name(context)
    cluster = _describe(cloud.client("eks"), name)

    if cluster is None:
        mark_missing(context, keys=["eks-cluster"])
        elsewhere = other_regions_with(context, name)
        if elsewhere:
            return Outcome.failed(
                f"EKS cluster {name} is not in {cloud.region}: it exists in {', '.join(elsewhere)} of account "
                f"{cloud.account_id}.",
                f"Delete this engine and import the cluster again with region {elsewhere[0]}.",
            )
        return Outcome.failed(
            f"EKS cluster {name} was not found in account {cloud.account_id}, in {cloud.region} or any other "
            "enabled region.",
            "Check the cluster's name in the EKS console (names are case-sensitive), then import it with that name.",
        )

    vpc_config = cluster.get("resourcesVpcConfig", {})
    record_found(
        context, "eks-cluster", "eks_cluster", cluster["arn"],
        name=name, endpoint=cluster.get("endpoint", ""), version=cluster.get("version", ""),
        oidc_issuer=cluster.get("identity", {}).get("oidc", {}).get("issuer", ""),
        certificate_authority=cluster.get("certificateAuthority", {}).get("data", ""),
        vpc_id=vpc_config.get("vpcId") or vpc_of_subnets(context, vpc_config.get("subnetIds", [])),
        subnet_ids=sorted(vpc_config.get("subnetIds", [])),
    )
    status = cluster.get("status")
    if status != "ACTIVE":
        return Outcome.failed(f"EKS cluster {name} is {status}, not ACTIVE.",
                              "Wait until the cluster is ACTIVE in the EKS console, then retry.")
    problem = endpoint_problem(cluster.get("endpoint", ""), cloud.region, cloud.partition)
    if problem:
        return Outcome.failed(f"EKS cluster {name} is ACTIVE, but {problem}.",
                              "Check the cluster in the EKS console; if it is healthy, contact support.")
    return Outcome.passed(f"{cluster['arn']} is ACTIVE (Kubernetes {cluster.get('version', 'unknown')}), "
                          f"endpoint {cluster['endpoint']}")
