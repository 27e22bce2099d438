"""What the sandbox AWS account holds for one engine, read with the sandbox administrator's keys.

Every lookup is scoped to the engine (by its tag, its names or its cluster), so that tests
sharing one moto state across engines see only their own.
"""

from engines.providers.aws.eks import efs, queue

LIVE_INSTANCES = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]


def _engine_filter(engine) -> list[dict]:
    return [{"Name": "tag:aichor:engine", "Values": [engine.tag_value]}]


def _prefix(engine) -> str:
    return f"aichor-{engine.tag_value}-"


def _clients(aws_sandbox, engine):
    region = engine.region
    return (aws_sandbox.client("ec2", region), aws_sandbox.client("iam"), aws_sandbox.client("eks", region))


def engine_roles(aws_sandbox, engine) -> list[str]:
    iam = aws_sandbox.client("iam")
    return [role["RoleName"] for role in iam.list_roles(PathPrefix="/aichor/")["Roles"]
            if role["RoleName"].startswith(_prefix(engine))]


def engine_instance_profiles(aws_sandbox, engine) -> list[str]:
    iam = aws_sandbox.client("iam")
    return [profile["InstanceProfileName"] for profile in iam.list_instance_profiles(PathPrefix="/aichor/")[
        "InstanceProfiles"] if profile["InstanceProfileName"].startswith(_prefix(engine))]


def engine_oidc_providers(aws_sandbox, engine) -> list[str]:
    iam = aws_sandbox.client("iam")
    found = []
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        tags = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=provider["Arn"])["Tags"]
        if {"Key": "aichor:engine", "Value": engine.tag_value} in tags:
            found.append(provider["Arn"])
    return found


def engine_clusters(aws_sandbox, engine) -> list[str]:
    eks = aws_sandbox.client("eks", engine.region)
    return [name for name in eks.list_clusters()["clusters"]
            if eks.describe_cluster(name=name)["cluster"].get("tags", {}).get("aichor:engine") == engine.tag_value]


def engine_file_systems(aws_sandbox, engine) -> list[str]:
    client = aws_sandbox.client("efs", engine.region)
    return [system["FileSystemId"] for system in
            client.describe_file_systems(CreationToken=efs.creation_token(engine))["FileSystems"]]


def engine_load_balancers(aws_sandbox, engine) -> list[str]:
    elbv2 = aws_sandbox.client("elbv2", engine.region)
    arns = [balancer["LoadBalancerArn"] for balancer in elbv2.describe_load_balancers()["LoadBalancers"]]
    found = []
    for start in range(0, len(arns), 20):
        for description in elbv2.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]:
            if {"Key": "aichor:engine", "Value": engine.tag_value} in description["Tags"]:
                found.append(description["ResourceArn"])
    return found


def engine_leftovers(aws_sandbox, engine) -> list[str]:
    """List what moto still holds for the engine, service by service."""
    ec2, _, _ = _clients(aws_sandbox, engine)
    filters = _engine_filter(engine)
    found = []
    found += [vpc["VpcId"] for vpc in ec2.describe_vpcs(Filters=filters)["Vpcs"]]
    found += [subnet["SubnetId"] for subnet in ec2.describe_subnets(Filters=filters)["Subnets"]]
    found += [gw["InternetGatewayId"] for gw in ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]]
    found += [table["RouteTableId"] for table in ec2.describe_route_tables(Filters=filters)["RouteTables"]]
    found += [group["GroupId"] for group in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]]
    found += [instance["InstanceId"] for reservation in ec2.describe_instances(Filters=filters + LIVE_INSTANCES)[
        "Reservations"] for instance in reservation["Instances"]]
    found += [volume["VolumeId"] for volume in ec2.describe_volumes(Filters=filters)["Volumes"]]
    found += engine_roles(aws_sandbox, engine)
    found += engine_instance_profiles(aws_sandbox, engine)
    found += engine_oidc_providers(aws_sandbox, engine)
    found += engine_clusters(aws_sandbox, engine)
    found += aws_sandbox.client("sqs", engine.region).list_queues(QueueNamePrefix=queue.name_prefix(engine)).get(
        "QueueUrls", [])
    found += [rule["Name"] for rule in aws_sandbox.client("events", engine.region).list_rules(
        NamePrefix=queue.name_prefix(engine))["Rules"]]
    found += engine_file_systems(aws_sandbox, engine)
    found += engine_load_balancers(aws_sandbox, engine)
    return found


def engine_counts(aws_sandbox, engine) -> dict[str, int]:
    """Count what moto holds for the engine, per resource type."""
    ec2, _, eks = _clients(aws_sandbox, engine)
    filters = _engine_filter(engine)
    clusters = engine_clusters(aws_sandbox, engine)
    file_systems = engine_file_systems(aws_sandbox, engine)
    efs_client = aws_sandbox.client("efs", engine.region)
    return {
        "vpc": len(ec2.describe_vpcs(Filters=filters)["Vpcs"]),
        "subnet": len(ec2.describe_subnets(Filters=filters)["Subnets"]),
        "internet_gateway": len(ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]),
        "route_table": len(ec2.describe_route_tables(Filters=filters)["RouteTables"]),
        "security_group": len(ec2.describe_security_groups(Filters=filters)["SecurityGroups"]),
        "iam_role": len(engine_roles(aws_sandbox, engine)),
        "instance_profile": len(engine_instance_profiles(aws_sandbox, engine)),
        "oidc_provider": len(engine_oidc_providers(aws_sandbox, engine)),
        "eks_cluster": len(clusters),
        "node_group": sum(len(eks.list_nodegroups(clusterName=name)["nodegroups"]) for name in clusters),
        "sqs_queue": len(aws_sandbox.client("sqs", engine.region).list_queues(
            QueueNamePrefix=queue.name_prefix(engine)).get("QueueUrls", [])),
        "event_rule": len(aws_sandbox.client("events", engine.region).list_rules(
            NamePrefix=queue.name_prefix(engine))["Rules"]),
        "efs": len(file_systems),
        "efs_mount_target": sum(len(efs_client.describe_mount_targets(FileSystemId=system)["MountTargets"])
                                for system in file_systems),
    }


EXPECTED_COUNTS = {
    "vpc": 1, "subnet": 2, "internet_gateway": 1, "route_table": 1, "security_group": 1, "iam_role": 3,
    "instance_profile": 1, "oidc_provider": 1, "eks_cluster": 1, "node_group": 1, "sqs_queue": 1, "event_rule": 4,
    "efs": 1, "efs_mount_target": 2,
}
