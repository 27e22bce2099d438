"""The NLB check: the address is public, belongs to a network load balancer of the account, and fronts the cluster.

The AWS API shows a network load balancer's public addresses in two places. The first is
`LoadBalancerAddresses` of its availability zones (Elastic IPs given at creation). The
second is the public IP associated with each network interface that ELB made for it, whose
description is `ELB net/<name>/<id>`. The check reads both. The load balancer's DNS name
must then be the ingress hostname of a `LoadBalancer` Service in the cluster.

NOTE: moto 5.2.5 drops the Elastic IPs of SubnetMappings and makes no network interfaces
for a load balancer, so the sandbox attaches the Elastic IP to an interface described as
ELB does. The sandbox therefore proves the interface path and the Service match, but not
that AWS fills `LoadBalancerAddresses` as read here, nor that the NLB routes to the Service.
"""

from engines.providers.aws.eks_import.addresses import public_address_error
from engines.providers.aws.eks_import.base import (Outcome, cluster_name, failed_keys, kube, mark_missing,
                                                   record_found)


def _address(context) -> str:
    return (context.engine.parameters.get("nlb_ip") or "").strip()


def network_load_balancers(context) -> list[dict]:
    balancers = []
    for page in context.cloud.client("elbv2").get_paginator("describe_load_balancers").paginate():
        balancers += [balancer for balancer in page["LoadBalancers"] if balancer.get("Type") == "network"]
    return balancers


def listed_addresses(balancer: dict) -> set[str]:
    """Return the addresses that DescribeLoadBalancers lists for a load balancer."""
    found = set()
    for zone in balancer.get("AvailabilityZones", []):
        for address in zone.get("LoadBalancerAddresses", []):
            found.update(value for value in (address.get("IpAddress"), address.get("IPv6Address")) if value)
    return found


def interface_addresses(context, balancer: dict) -> set[str]:
    """Return the public addresses of the network interfaces that ELB made for a load balancer."""
    description = "ELB " + balancer["LoadBalancerArn"].split(":loadbalancer/", 1)[-1]
    interfaces = context.cloud.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [description]}])["NetworkInterfaces"]
    found = set()
    for interface in interfaces:
        public = (interface.get("Association") or {}).get("PublicIp")
        if public:
            found.add(public)
        found.update(item["Ipv6Address"] for item in interface.get("Ipv6Addresses", []) if item.get("Ipv6Address"))
    return found


def balancer_with_address(context, address: str) -> dict | None:
    balancers = network_load_balancers(context)
    for balancer in balancers:
        if address in listed_addresses(balancer):
            return balancer
    for balancer in balancers:
        if address in interface_addresses(context, balancer):
            return balancer
    return None


def _elastic_ip(context, address: str) -> dict | None:
    addresses = context.cloud.client("ec2").describe_addresses(
        Filters=[{"Name": "public-ip", "Values": [address]}])["Addresses"]
    return addresses[0] if addresses else None


def _ingress_hostnames(context) -> dict[str, str]:
    """Return the ingress hostname of each LoadBalancer Service in the cluster, with the Service's name."""
    hostnames = {}
    for service in kube(context).list("v1", "Service"):
        if (service.get("spec") or {}).get("type") != "LoadBalancer":
            continue
        metadata = service["metadata"]
        for entry in ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            if entry.get("hostname"):
                hostnames[entry["hostname"].lower().rstrip(".")] = f"{metadata['namespace']}/{metadata['name']}"
    return hostnames


def nlb_address(context) -> Outcome:
    address = _address(context)
    problem = public_address_error(address)
    if problem:
        return Outcome.failed(problem, "Delete this engine and import the cluster again with the public address of "
                                       "its network load balancer.")

    blocking = failed_keys(context, ("cluster", "kubernetes-access"))
    if blocking:
        titles = ", ".join(title for _, title in blocking)
        return Outcome.failed(f"{address} is a public address. Not checked further, because this check failed: "
                              f"{titles}.", "Fix what that check reports, then retry: the failed checks run again.")

    cloud = context.cloud
    balancer = balancer_with_address(context, address)
    if balancer is None:
        mark_missing(context, keys=["nlb"])
        elastic_ip = _elastic_ip(context, address)
        if elastic_ip is not None:
            detail = (f"{address} is Elastic IP {elastic_ip.get('AllocationId', '')} of account {cloud.account_id}, "
                      f"but no network load balancer in {cloud.region} uses it.")
        else:
            detail = (f"{address} is not an address of any network load balancer of account {cloud.account_id} in "
                      f"{cloud.region}.")
        return Outcome.failed(detail, "Give the public address of the network load balancer in front of the "
                                      "cluster's ingress (EC2 console, Load balancers, then its network mapping).")

    dns_name = balancer["DNSName"].lower().rstrip(".")
    hostnames = _ingress_hostnames(context)
    service = hostnames.get(dns_name)
    record_found(context, "nlb", "load_balancer", balancer["LoadBalancerArn"], name=balancer["LoadBalancerName"],
                 dns_name=balancer["DNSName"], address=address, service=service or "")
    if service is None:
        listed = ", ".join(f"{name} ({hostname})" for hostname, name in sorted(hostnames.items())) or "none"
        return Outcome.failed(
            f"{address} belongs to network load balancer {balancer['LoadBalancerName']} ({balancer['DNSName']}), "
            f"but no LoadBalancer Service of cluster {cluster_name(context)} has that ingress hostname. "
            f"LoadBalancer Services: {listed}.",
            "Give the address of the load balancer in front of the cluster's ingress Service, then import again.",
        )
    return Outcome.passed(f"{address} belongs to network load balancer {balancer['LoadBalancerName']}, the ingress "
                          f"of Service {service}")
