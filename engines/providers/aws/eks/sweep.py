"""The final sweep of a deletion: anything still tagged with the engine, service by service.

The resource-groups tagging API lists neither IAM roles (on AWS) nor EKS clusters
(on moto), so each service is listed on its own.
"""

from types import SimpleNamespace

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, Wait
from engines.providers.aws.eks import cluster, iam, teardown
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import ENGINE_TAG, IAM_PATH


def _found(cloud_id: str, **data) -> SimpleNamespace:
    return SimpleNamespace(cloud_id=cloud_id, data=data)


def _tagged(tags: list[dict] | dict | None, value: str) -> bool:
    if isinstance(tags, dict):
        return tags.get(ENGINE_TAG) == value
    return any(tag.get("Key") == ENGINE_TAG and tag.get("Value") == value for tag in tags or [])


def sweep(context):
    """Delete what carries this engine's tag; wait while deletions are in progress."""
    tag = context.engine.tag_value
    ec2 = context.cloud.client("ec2")
    eks = context.cloud.client("eks")
    client_iam = context.cloud.client("iam")
    filters = [{"Name": f"tag:{ENGINE_TAG}", "Values": [tag]}]
    swept = []

    # Instances and volumes the cluster made (Karpenter nodes, claims' volumes).
    reservations = ec2.describe_instances(
        Filters=filters + [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    )["Reservations"]
    instance_ids = [instance["InstanceId"] for reservation in reservations for instance in reservation["Instances"]]
    if instance_ids:
        ec2.terminate_instances(InstanceIds=instance_ids)
        swept += instance_ids
    for volume in ec2.describe_volumes(Filters=filters)["Volumes"]:
        if volume["State"] == "available":
            ec2.delete_volume(VolumeId=volume["VolumeId"])
            swept.append(volume["VolumeId"])

    # EKS clusters and their node groups.
    for name in eks.list_clusters()["clusters"]:
        described = eks.describe_cluster(name=name)["cluster"]
        if not _tagged(described.get("tags"), tag):
            continue
        for group in eks.list_nodegroups(clusterName=name)["nodegroups"]:
            if cluster.delete_node_group(context, _found("", cluster=name, name=group)) is not None:
                return Wait(f"node group {group} of {name} to be deleted", cluster.POLL_SECONDS)
            swept.append(group)
        if cluster.delete_cluster(context, _found(described["arn"], name=name)) is not None:
            return Wait(f"EKS cluster {name} to be deleted", cluster.POLL_SECONDS)
        swept.append(name)

    # IAM: OIDC providers, instance profiles and roles under the portal's path.
    for provider in client_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        try:
            tags = client_iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=provider["Arn"])["Tags"]
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                continue
            raise
        if _tagged(tags, tag):
            cluster.delete_oidc_provider(context, _found(provider["Arn"]))
            swept.append(provider["Arn"])
    for profile in client_iam.list_instance_profiles(PathPrefix=IAM_PATH)["InstanceProfiles"]:
        if _tagged(profile.get("Tags"), tag):
            iam.delete_instance_profile(context, _found(profile["Arn"], name=profile["InstanceProfileName"]))
            swept.append(profile["Arn"])
    for role in client_iam.list_roles(PathPrefix=IAM_PATH)["Roles"]:
        tags = client_iam.list_role_tags(RoleName=role["RoleName"])["Tags"]
        if _tagged(tags, tag):
            iam.delete_role(context, _found(role["Arn"], name=role["RoleName"]))
            swept.append(role["Arn"])

    # The network, from the edges in.
    for table in ec2.describe_route_tables(Filters=filters)["RouteTables"]:
        teardown.delete_route_table(context, _found(table["RouteTableId"]))
        swept.append(table["RouteTableId"])
    for gateway in ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]:
        teardown.delete_internet_gateway(context, _found(gateway["InternetGatewayId"]))
        swept.append(gateway["InternetGatewayId"])
    for group in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]:
        teardown._ignoring_missing(ec2.delete_security_group, GroupId=group["GroupId"])
        swept.append(group["GroupId"])
    for subnet in ec2.describe_subnets(Filters=filters)["Subnets"]:
        teardown.delete_subnet(context, _found(subnet["SubnetId"]))
        swept.append(subnet["SubnetId"])
    for vpc in ec2.describe_vpcs(Filters=filters)["Vpcs"]:
        teardown.delete_vpc(context, _found(vpc["VpcId"]))
        swept.append(vpc["VpcId"])

    if swept:
        context.log(f"Sweep deleted {len(swept)} leftover resource(s): {', '.join(swept)}", level="warning")
    return Done(f"{len(swept)} leftover resource(s) deleted" if swept else "Nothing left tagged with this engine")
