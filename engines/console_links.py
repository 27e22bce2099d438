"""Links from inventory rows to the cloud console page of each resource."""

from urllib.parse import quote

AWS_CONSOLE = "https://{region}.console.aws.amazon.com"


def console_link(engine, resource) -> str:
    """Return the AWS console URL of a resource, or an empty string when it has none."""
    region = resource.region or engine.region
    base = AWS_CONSOLE.format(region=region)
    cloud_id = resource.cloud_id
    name = resource.data.get("name", "")
    links = {
        "vpc": f"{base}/vpcconsole/home?region={region}#VpcDetails:VpcId={cloud_id}",
        "subnet": f"{base}/vpcconsole/home?region={region}#SubnetDetails:subnetId={cloud_id}",
        "internet_gateway": f"{base}/vpcconsole/home?region={region}#InternetGateway:internetGatewayId={cloud_id}",
        "route_table": f"{base}/vpcconsole/home?region={region}#RouteTableDetails:RouteTableId={cloud_id}",
        "route": f"{base}/vpcconsole/home?region={region}#RouteTableDetails:RouteTableId={cloud_id.split(':')[0]}",
        "iam_role": f"https://console.aws.amazon.com/iam/home#/roles/details/{quote(name)}",
        "instance_profile": f"https://console.aws.amazon.com/iam/home#/roles/details/{quote(name)}",
        "oidc_provider": "https://console.aws.amazon.com/iam/home#/identity_providers",
        "eks_cluster": f"{base}/eks/home?region={region}#/clusters/{quote(name)}",
        "node_group": f"{base}/eks/home?region={region}#/clusters/{quote(resource.data.get('cluster', ''))}/nodegroups/{quote(name)}",
        "sqs_queue": f"{base}/sqs/v3/home?region={region}#/queues/{quote(cloud_id, safe='')}",
        "efs": f"{base}/efs/home?region={region}#/file-systems/{cloud_id}",
    }
    return links.get(resource.type, "") if cloud_id else ""
