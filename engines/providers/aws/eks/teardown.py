"""Deleting what the EKS plan created, one inventory resource at a time."""

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, TransientError, Wait
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks import cluster, efs, iam, incluster, karpenter, queue

# Deletion order by type: what depends on others goes first. Objects inside the cluster go
# before the cluster; mount targets before their file system and security group; the
# queue's rules before the queue.
DELETE_ORDER = [
    "kube_cluster_role_binding",
    "kube_cluster_role",
    "kube_service_account",
    "kube_namespace",
    "karpenter_node_pool",
    "karpenter",
    "node_group",
    "eks_cluster",
    "oidc_provider",
    "instance_profile",
    "iam_role",
    "event_rule",
    "sqs_queue",
    "efs_mount_target",
    "efs",
    "security_group",
    "route",
    "route_table",
    "internet_gateway",
    "subnet",
    "vpc",
]
IGNORED_CODES = {
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidRoute.NotFound",
    "InvalidGroup.NotFound",
    "Gateway.NotAttached",
    "InvalidAssociationID.NotFound",
    "InvalidLaunchTemplateId.NotFound",
}


def _ignoring_missing(call, **arguments) -> None:
    try:
        call(**arguments)
    except ClientError as error:
        if error_code(error) not in IGNORED_CODES:
            raise


def delete_route(context, resource):
    table_id, destination = resource.cloud_id.split(":", 1)
    _ignoring_missing(context.cloud.client("ec2").delete_route, RouteTableId=table_id, DestinationCidrBlock=destination)


def delete_route_table(context, resource):
    ec2 = context.cloud.client("ec2")
    try:
        table = ec2.describe_route_tables(RouteTableIds=[resource.cloud_id])["RouteTables"][0]
    except ClientError as error:
        if error_code(error) in IGNORED_CODES:
            return None
        raise
    for association in table.get("Associations", []):
        if not association.get("Main"):
            _ignoring_missing(ec2.disassociate_route_table, AssociationId=association["RouteTableAssociationId"])
    _ignoring_missing(ec2.delete_route_table, RouteTableId=resource.cloud_id)


def delete_internet_gateway(context, resource):
    ec2 = context.cloud.client("ec2")
    try:
        gateway = ec2.describe_internet_gateways(InternetGatewayIds=[resource.cloud_id])["InternetGateways"][0]
    except ClientError as error:
        if error_code(error) in IGNORED_CODES:
            return None
        raise
    for attachment in gateway.get("Attachments", []):
        _ignoring_missing(ec2.detach_internet_gateway, InternetGatewayId=resource.cloud_id, VpcId=attachment["VpcId"])
    _ignoring_missing(ec2.delete_internet_gateway, InternetGatewayId=resource.cloud_id)


def delete_subnet(context, resource):
    _ignoring_missing(context.cloud.client("ec2").delete_subnet, SubnetId=resource.cloud_id)


def delete_vpc(context, resource):
    """Delete the VPC, after the security groups that the cluster made in it."""
    ec2 = context.cloud.client("ec2")
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [resource.cloud_id]}])["SecurityGroups"]
    for group in groups:
        if group["GroupName"] != "default":
            _ignoring_missing(ec2.delete_security_group, GroupId=group["GroupId"])
    _ignoring_missing(ec2.delete_vpc, VpcId=resource.cloud_id)


DELETERS = {
    "kube_cluster_role_binding": incluster.delete_kube_object,
    "kube_cluster_role": incluster.delete_kube_object,
    "kube_service_account": incluster.delete_kube_object,
    "kube_namespace": incluster.delete_kube_object,
    "karpenter_node_pool": karpenter.delete_node_pool,
    "karpenter": karpenter.delete_karpenter,
    "event_rule": queue.delete_rule,
    "sqs_queue": queue.delete_queue,
    "efs_mount_target": efs.delete_mount_target,
    "efs": efs.delete_file_system,
    "security_group": efs.delete_security_group,
    "node_group": cluster.delete_node_group,
    "eks_cluster": cluster.delete_cluster,
    "oidc_provider": cluster.delete_oidc_provider,
    "instance_profile": iam.delete_instance_profile,
    "iam_role": iam.delete_role,
    "route": delete_route,
    "route_table": delete_route_table,
    "internet_gateway": delete_internet_gateway,
    "subnet": delete_subnet,
    "vpc": delete_vpc,
}


def delete_step(key: str):
    """Return the step function that deletes the inventory resource `key`."""

    def delete_resource(context):
        resource = context.resource(key)
        result = DELETERS[resource.type](context, resource)
        if isinstance(result, Wait):
            context.set_state(key, "deleting")
            return result
        context.set_state(key, "deleted")
        return Done(f"Deleted {resource.type} {resource.cloud_id}")

    delete_resource.__name__ = f"delete_{key.replace('-', '_')}"
    return delete_resource


def raise_if_left(leftovers: list[str]) -> None:
    if leftovers:
        raise TransientError(
            f"Resources tagged with this engine remain: {', '.join(leftovers)}", code="DependencyViolation"
        )
