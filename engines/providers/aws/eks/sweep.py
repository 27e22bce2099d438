"""The final sweep of a deletion: anything still tagged with the engine, service by service.

The resource-groups tagging API lists neither IAM roles (on AWS) nor EKS clusters
(on moto), so each service is listed on its own. Resources that the cluster's
controllers tagged for the cluster but not with the engine tag are reported, not
deleted: the published policy lets the portal delete only what carries the engine tag.
"""

from types import SimpleNamespace

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, Wait
from engines.providers.aws.eks import cluster, cluster_made, efs, iam, queue, teardown
from engines.providers.aws.eks.incluster import engine_cluster_name
from engines.providers.aws.errors import error_code
from engines.providers.aws.naming import ENGINE_TAG, IAM_PATH


def _found(cloud_id: str, **data) -> SimpleNamespace:
    return SimpleNamespace(cloud_id=cloud_id, data=data)


def _tagged(tags: list[dict] | dict | None, value: str) -> bool:
    if isinstance(tags, dict):
        return tags.get(ENGINE_TAG) == value
    return any(tag.get("Key") == ENGINE_TAG and tag.get("Value") == value for tag in tags or [])


class Sweep:
    """The deletions of one run of the sweep, and the resources it left for the administrator."""

    def __init__(self, context):
        self.context = context
        self.tag = context.engine.tag_value
        self.cluster_name = engine_cluster_name(context)
        self.swept: list[str] = []
        self.left: list[str] = []

    def client(self, service: str):
        return self.context.cloud.client(service)


def sweep(context):
    """Delete what carries this engine's tag; wait while deletions are in progress."""
    run = Sweep(context)
    for part in (_cluster_made, _clusters, _iam, _queues, _file_systems, _network):
        waiting = part(run)
        if waiting is not None:
            _report(run)
            return waiting
    _report(run)
    if run.swept:
        return Done(f"{len(run.swept)} leftover resource(s) deleted")
    return Done("Nothing left tagged with this engine")


def _report(run: Sweep) -> None:
    if run.swept:
        run.context.log(f"Sweep deleted {len(run.swept)} leftover resource(s): {', '.join(run.swept)}", "warning")
    if run.left:
        run.context.log(
            f"Left for the administrator, because they are tagged for cluster {run.cluster_name} but not with "
            f"{ENGINE_TAG}: {', '.join(run.left)}", "warning",
        )


def _cluster_made(run: Sweep):
    """Delete the load balancers, instances, launch templates and volumes made by the cluster's controllers."""
    context, ec2 = run.context, run.client("ec2")
    for balancer in cluster_made.cluster_load_balancers(context, run.cluster_name):
        if balancer["tags"].get(ENGINE_TAG) == run.tag:
            cluster_made.delete_load_balancer(context, balancer)
            run.swept.append(balancer["id"])
        else:
            run.left.append(balancer["id"])

    filters = [{"Name": f"tag:{ENGINE_TAG}", "Values": [run.tag]}]
    live = [{"Name": "instance-state-name", "Values": cluster_made.LIVE_INSTANCE_STATES}]
    reservations = ec2.describe_instances(Filters=filters + live)["Reservations"]
    instance_ids = [instance["InstanceId"] for reservation in reservations for instance in reservation["Instances"]]
    if instance_ids:
        ec2.terminate_instances(InstanceIds=instance_ids)
        run.swept += instance_ids
    for instance in cluster_made.cluster_instances(context, run.cluster_name):
        if instance["InstanceId"] not in instance_ids:
            run.left.append(instance["InstanceId"])

    for template in ec2.describe_launch_templates(Filters=filters)["LaunchTemplates"]:
        teardown._ignoring_missing(ec2.delete_launch_template, LaunchTemplateId=template["LaunchTemplateId"])
        run.swept.append(template["LaunchTemplateId"])

    volumes = ec2.describe_volumes(Filters=filters)["Volumes"]
    for volume in volumes:
        if volume["State"] == "available":
            ec2.delete_volume(VolumeId=volume["VolumeId"])
            run.swept.append(volume["VolumeId"])
    tagged_volumes = {volume["VolumeId"] for volume in volumes}
    for volume in cluster_made.cluster_volumes(context, run.cluster_name):
        if volume["VolumeId"] not in tagged_volumes:
            run.left.append(volume["VolumeId"])
    return None


def _clusters(run: Sweep):
    """Delete the EKS clusters tagged with the engine, and their node groups."""
    eks = run.client("eks")
    for name in eks.list_clusters()["clusters"]:
        described = eks.describe_cluster(name=name)["cluster"]
        if not _tagged(described.get("tags"), run.tag):
            continue
        for group in eks.list_nodegroups(clusterName=name)["nodegroups"]:
            if cluster.delete_node_group(run.context, _found("", cluster=name, name=group)) is not None:
                return Wait(f"node group {group} of {name} to be deleted", cluster.POLL_SECONDS)
            run.swept.append(group)
        if cluster.delete_cluster(run.context, _found(described["arn"], name=name)) is not None:
            return Wait(f"EKS cluster {name} to be deleted", cluster.POLL_SECONDS)
        run.swept.append(name)
    return None


def _iam(run: Sweep):
    """Delete the OIDC providers, instance profiles and roles of the engine (under the portal's path)."""
    client_iam = run.client("iam")
    for provider in client_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        try:
            tags = client_iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=provider["Arn"])["Tags"]
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                continue
            raise
        if _tagged(tags, run.tag):
            cluster.delete_oidc_provider(run.context, _found(provider["Arn"]))
            run.swept.append(provider["Arn"])
    for profile in client_iam.list_instance_profiles(PathPrefix=IAM_PATH)["InstanceProfiles"]:
        if _tagged(profile.get("Tags"), run.tag):
            iam.delete_instance_profile(run.context, _found(profile["Arn"], name=profile["InstanceProfileName"]))
            run.swept.append(profile["Arn"])
    for role in client_iam.list_roles(PathPrefix=IAM_PATH)["Roles"]:
        tags = client_iam.list_role_tags(RoleName=role["RoleName"])["Tags"]
        if _tagged(tags, run.tag):
            iam.delete_role(run.context, _found(role["Arn"], name=role["RoleName"]))
            run.swept.append(role["Arn"])
    return None


def _queues(run: Sweep):
    run.swept += queue.sweep(run.context, _found)
    return None


def _file_systems(run: Sweep):
    swept, waiting = efs.sweep(run.context, _found)
    run.swept += swept
    return waiting


def _network(run: Sweep):
    """Delete the network, from the edges in."""
    ec2 = run.client("ec2")
    filters = [{"Name": f"tag:{ENGINE_TAG}", "Values": [run.tag]}]
    for table in ec2.describe_route_tables(Filters=filters)["RouteTables"]:
        teardown.delete_route_table(run.context, _found(table["RouteTableId"]))
        run.swept.append(table["RouteTableId"])
    for gateway in ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]:
        teardown.delete_internet_gateway(run.context, _found(gateway["InternetGatewayId"]))
        run.swept.append(gateway["InternetGatewayId"])
    for group in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]:
        teardown._ignoring_missing(ec2.delete_security_group, GroupId=group["GroupId"])
        run.swept.append(group["GroupId"])
    for subnet in ec2.describe_subnets(Filters=filters)["Subnets"]:
        teardown.delete_subnet(run.context, _found(subnet["SubnetId"]))
        run.swept.append(subnet["SubnetId"])
    for vpc in ec2.describe_vpcs(Filters=filters)["Vpcs"]:
        teardown.delete_vpc(run.context, _found(vpc["VpcId"]))
        run.swept.append(vpc["VpcId"])
    return None
