"""The network checks: the cluster's VPC, its subnets, internet gateway, route tables and default route.

AIchor needs a public VPC: the cluster's subnets route 0.0.0.0/0 to an internet gateway
attached to the VPC. Each part is its own row, so that a missing part is named. The
cluster check recorded the VPC and subnet ids that EKS returned.
"""

from botocore.exceptions import ClientError

from engines.providers.aws.errors import error_code
from engines.providers.aws.eks_import.base import Outcome, cluster_data, mark_missing, record_found

DEFAULT_ROUTE = "0.0.0.0/0"
NOT_FOUND_CODES = {"InvalidVpcID.NotFound", "InvalidSubnetID.NotFound"}


def _vpc_id(context) -> str:
    return cluster_data(context).get("vpc_id", "")


def _subnet_ids(context) -> list[str]:
    return cluster_data(context).get("subnet_ids", [])


def vpc(context) -> Outcome:
    vpc_id = _vpc_id(context)
    try:
        found = context.cloud.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    except ClientError as error:
        if error_code(error) not in NOT_FOUND_CODES:
            raise
        found = []
    if not found:
        mark_missing(context, keys=["vpc"])
        return Outcome.failed(f"The cluster's VPC {vpc_id} was not found in {context.cloud.region}.",
                              "The cluster cannot work without its VPC: import a cluster whose VPC exists.")
    described = found[0]
    record_found(context, "vpc", "vpc", vpc_id, cidr=described.get("CidrBlock", ""))
    if described.get("State") != "available":
        return Outcome.failed(f"VPC {vpc_id} is {described.get('State')}.", "Wait until the VPC is available, then retry.")
    return Outcome.passed(f"VPC {vpc_id} ({described.get('CidrBlock', '')}) is available")


def _existing_subnets(context, subnet_ids: list[str]) -> list[dict]:
    ec2 = context.cloud.client("ec2")
    found = []
    # One call per subnet: a call naming a deleted subnet fails as a whole.
    for subnet_id in subnet_ids:
        try:
            found += ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
        except ClientError as error:
            if error_code(error) not in NOT_FOUND_CODES:
                raise
    return found


def subnets(context) -> Outcome:
    subnet_ids, vpc_id = _subnet_ids(context), _vpc_id(context)
    if not subnet_ids:
        return Outcome.failed("EKS returned no subnets for the cluster.", "Check the cluster's networking in the EKS console.")
    found = {subnet["SubnetId"]: subnet for subnet in _existing_subnets(context, subnet_ids)}

    keys = []
    for index, subnet_id in enumerate(subnet_ids, start=1):
        subnet = found.get(subnet_id)
        if subnet is None:
            continue
        key = f"subnet-{index}"
        keys.append(key)
        record_found(context, key, "subnet", subnet_id, zone=subnet.get("AvailabilityZone", ""),
                     zone_id=subnet.get("AvailabilityZoneId", ""), cidr=subnet.get("CidrBlock", ""))
    mark_missing(context, prefix="subnet-", keep=keys)

    missing = [subnet_id for subnet_id in subnet_ids if subnet_id not in found]
    if missing:
        return Outcome.failed(f"The cluster's subnet(s) {', '.join(missing)} were not found.",
                              "The cluster's nodes and load balancers need every subnet it was created with: "
                              "restore them, or import another cluster.")
    outside = [subnet_id for subnet_id, subnet in found.items() if subnet.get("VpcId") != vpc_id]
    if outside:
        return Outcome.failed(f"Subnet(s) {', '.join(outside)} are not in the cluster's VPC {vpc_id}.",
                              "Check the cluster's networking in the EKS console.")
    zones = sorted({subnet.get("AvailabilityZone", "") for subnet in found.values()})
    return Outcome.passed(f"{len(found)} subnet(s) in {', '.join(zones)}")


def internet_gateway(context) -> Outcome:
    vpc_id = _vpc_id(context)
    gateways = context.cloud.client("ec2").describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    attached = [gateway for gateway in gateways
                if any(item.get("VpcId") == vpc_id and item.get("State") in ("available", "attached")
                       for item in gateway.get("Attachments", []))]
    if not attached:
        mark_missing(context, keys=["internet-gateway"])
        return Outcome.failed(f"No internet gateway is attached to VPC {vpc_id}.",
                              "Create an internet gateway and attach it to the VPC (VPC console), then retry.")
    gateway_id = attached[0]["InternetGatewayId"]
    record_found(context, "internet-gateway", "internet_gateway", gateway_id)
    return Outcome.passed(f"Internet gateway {gateway_id} is attached to {vpc_id}")


def subnet_route_tables(context) -> dict[str, dict]:
    """Return the route table of each of the cluster's subnets: its explicit one, or else the VPC's main table."""
    ec2 = context.cloud.client("ec2")
    vpc_id = _vpc_id(context)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    main = next((table for table in tables
                 if any(association.get("Main") for association in table.get("Associations", []))), None)
    by_subnet = {}
    for subnet_id in _subnet_ids(context):
        explicit = next((table for table in tables
                         if any(association.get("SubnetId") == subnet_id for association in table.get("Associations", []))),
                        None)
        table = explicit or main
        if table is not None:
            by_subnet[subnet_id] = table
    return by_subnet


def _distinct(tables: dict[str, dict]) -> list[dict]:
    return sorted({table["RouteTableId"]: table for table in tables.values()}.values(), key=lambda t: t["RouteTableId"])


def route_tables(context) -> Outcome:
    by_subnet = subnet_route_tables(context)
    tables = _distinct(by_subnet)
    keys = []
    for index, table in enumerate(tables, start=1):
        keys.append(f"route-table-{index}")
        subnets_of_table = sorted(subnet for subnet, item in by_subnet.items()
                                  if item["RouteTableId"] == table["RouteTableId"])
        record_found(context, keys[-1], "route_table", table["RouteTableId"], subnets=subnets_of_table)
    mark_missing(context, prefix="route-table-", keep=keys)

    without = [subnet_id for subnet_id in _subnet_ids(context) if subnet_id not in by_subnet]
    if without:
        return Outcome.failed(f"Subnet(s) {', '.join(without)} have no route table, and VPC {_vpc_id(context)} has no "
                              "main route table.", "Associate a route table with each subnet, then retry.")
    return Outcome.passed(f"Route table(s) {', '.join(table['RouteTableId'] for table in tables)}")


def default_route(context) -> Outcome:
    by_subnet = subnet_route_tables(context)
    ec2 = context.cloud.client("ec2")
    gateways = {gateway["InternetGatewayId"] for gateway in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [_vpc_id(context)]}])["InternetGateways"]}

    keys, private = [], []
    for index, table in enumerate(_distinct(by_subnet), start=1):
        route = next((route for route in table.get("Routes", [])
                      if route.get("DestinationCidrBlock") == DEFAULT_ROUTE and route.get("GatewayId") in gateways
                      and route.get("State", "active") == "active"), None)
        if route is None:
            private.append(table["RouteTableId"])
            continue
        keys.append(f"default-route-{index}")
        record_found(context, keys[-1], "route", f"{table['RouteTableId']}:{DEFAULT_ROUTE}",
                     gateway=route["GatewayId"])
    mark_missing(context, prefix="default-route-", keep=keys)

    if not by_subnet:
        return Outcome.failed("The cluster's subnets have no route table, so they have no default route.",
                              "Associate a route table with each subnet, then retry.")
    if private:
        return Outcome.failed(
            f"Route table(s) {', '.join(private)} have no active route from {DEFAULT_ROUTE} to the VPC's internet "
            "gateway, so their subnets are not public.",
            f"Add a route {DEFAULT_ROUTE} to the internet gateway in each of those route tables, then retry.",
        )
    return Outcome.passed(f"Every subnet routes {DEFAULT_ROUTE} to {', '.join(sorted(gateways))}")
