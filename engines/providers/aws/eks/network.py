"""Network steps of the EKS plan: a public VPC with subnets in two or more availability zones."""

import ipaddress

from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws.naming import tag_filters, tag_specifications

DEFAULT_VPC_CIDR = "10.0.0.0/16"
SUBNET_PREFIX = 19
DEFAULT_ZONE_COUNT = 2

# Availability zones in which EKS cannot place a control plane (by zone id, which is the
# same in every account, unlike zone names).
EKS_UNSUPPORTED_ZONE_IDS = {"use1-az3", "usw1-az2", "cac1-az3"}


_tag_filters = tag_filters
_spec = tag_specifications


def pick_zones(ec2, count: int) -> list[dict]:
    """Return `count` available zones that EKS supports, chosen by zone id so the choice is stable."""
    zones = ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}]
    )["AvailabilityZones"]
    usable = sorted(
        (zone for zone in zones if zone["ZoneId"] not in EKS_UNSUPPORTED_ZONE_IDS), key=lambda zone: zone["ZoneId"]
    )
    if len(usable) < count:
        raise PermanentError(
            f"The region has {len(usable)} availability zone(s) that EKS supports; the plan needs {count}.",
            code="NotEnoughZones",
            fix="Choose a region with at least two availability zones that EKS supports.",
        )
    return usable[:count]


def vpc_cidr(context) -> str:
    return context.engine.parameters.get("vpc_cidr", DEFAULT_VPC_CIDR)


def zone_count(context) -> int:
    return int(context.engine.parameters.get("zone_count", DEFAULT_ZONE_COUNT))


def create_vpc(context):
    ec2 = context.cloud.client("ec2")
    found = ec2.describe_vpcs(Filters=_tag_filters(context, "vpc"))["Vpcs"]
    if found:
        vpc_id = found[0]["VpcId"]
        context.log(f"Adopted VPC {vpc_id}, found by its tags")
    else:
        vpc_id = ec2.create_vpc(CidrBlock=vpc_cidr(context), TagSpecifications=_spec("vpc", context, "vpc"))["Vpc"][
            "VpcId"
        ]
    context.record("vpc", "vpc", vpc_id, data={"cidr": vpc_cidr(context)})

    # EKS nodes need DNS names. Each attribute is read first, so that a rerun changes nothing.
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        current = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute[0].lower() + attribute[1:])
        if not current[attribute]["Value"]:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": True}})
    return Done(vpc_id)


def subnet_step(index: int):
    """Return the step function that creates public subnet number `index` (from 1)."""
    key = f"subnet-{index}"

    def create_subnet(context):
        ec2 = context.cloud.client("ec2")
        vpc_id = context.cloud_id("vpc")
        zone = pick_zones(ec2, zone_count(context))[index - 1]
        cidr = str(list(ipaddress.ip_network(vpc_cidr(context)).subnets(new_prefix=SUBNET_PREFIX))[index - 1])

        found = ec2.describe_subnets(Filters=_tag_filters(context, key))["Subnets"]
        if found:
            subnet = found[0]
            context.log(f"Adopted subnet {subnet['SubnetId']}, found by its tags")
        else:
            extra = {"kubernetes.io/role/elb": "1", "karpenter.sh/discovery": context.engine.name}
            subnet = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZoneId=zone["ZoneId"],
                TagSpecifications=_spec("subnet", context, key, **extra),
            )["Subnet"]
        subnet_id = subnet["SubnetId"]
        context.record(key, "subnet", subnet_id, data={"zone_id": zone["ZoneId"], "zone": zone["ZoneName"], "cidr": cidr})

        # Managed node groups in public subnets need instances to get public addresses.
        if not subnet.get("MapPublicIpOnLaunch"):
            ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        return Done(f"{subnet_id} in {zone['ZoneName']} ({zone['ZoneId']})")

    create_subnet.__name__ = f"create_subnet_{index}"
    return create_subnet


def create_internet_gateway(context):
    ec2 = context.cloud.client("ec2")
    vpc_id = context.cloud_id("vpc")
    found = ec2.describe_internet_gateways(Filters=_tag_filters(context, "internet-gateway"))["InternetGateways"]
    if found:
        gateway = found[0]
        context.log(f"Adopted internet gateway {gateway['InternetGatewayId']}, found by its tags")
    else:
        gateway = ec2.create_internet_gateway(
            TagSpecifications=_spec("internet-gateway", context, "internet-gateway")
        )["InternetGateway"]
    gateway_id = gateway["InternetGatewayId"]
    context.record("internet-gateway", "internet_gateway", gateway_id)

    attached = {attachment["VpcId"] for attachment in gateway.get("Attachments", [])}
    if vpc_id not in attached:
        ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    return Done(gateway_id)


def create_route_table(context):
    ec2 = context.cloud.client("ec2")
    vpc_id = context.cloud_id("vpc")
    found = ec2.describe_route_tables(Filters=_tag_filters(context, "route-table"))["RouteTables"]
    if found:
        table = found[0]
        context.log(f"Adopted route table {table['RouteTableId']}, found by its tags")
    else:
        table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_spec("route-table", context, "route-table"))[
            "RouteTable"
        ]
    table_id = table["RouteTableId"]
    context.record("route-table", "route_table", table_id)

    associated = {association.get("SubnetId") for association in table.get("Associations", [])}
    for index in range(1, zone_count(context) + 1):
        subnet_id = context.cloud_id(f"subnet-{index}")
        if subnet_id not in associated:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    return Done(table_id)


def create_default_route(context):
    ec2 = context.cloud.client("ec2")
    table_id = context.cloud_id("route-table")
    gateway_id = context.cloud_id("internet-gateway")
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    present = any(route.get("DestinationCidrBlock") == "0.0.0.0/0" for route in table.get("Routes", []))
    if not present:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    context.record("default-route", "route", f"{table_id}:0.0.0.0/0", data={"gateway": gateway_id})
    return Done(f"0.0.0.0/0 via {gateway_id}")
