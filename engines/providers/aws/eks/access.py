"""The portal's access to the cluster's Kubernetes API.

In live mode the customer role gets an EKS access entry with the cluster admin access
policy (the entry usually exists already: EKS makes one for the cluster's creator). moto
does not implement access entries (it returns 404 for the whole API), so in sandbox mode
the step makes no access entry: the sandbox's Kubernetes stand-in admits any well-formed,
unexpired EKS token, and the step only checks that the portal's token is admitted.
"""

from botocore.exceptions import ClientError

from engines.provisioning.steps import Done, PermanentError
from engines.providers.aws import clients
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks.incluster import cluster_kube, engine_cluster_name
from engines.providers.aws.naming import resource_tags

ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
# What moto returns for every access-entry call: an HTML page with status 404 and no error code.
UNIMPLEMENTED_CODE = "404"


def admin_policy_arn(partition: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{ADMIN_POLICY}"


def grant_portal_access(context):
    eks = context.cloud.client("eks")
    name = engine_cluster_name(context)
    principal = context.cloud.account.role_arn
    try:
        eks.describe_access_entry(clusterName=name, principalArn=principal)
        has_entry = True
    except ClientError as error:
        code = error_code(error)
        if code == UNIMPLEMENTED_CODE and clients.is_sandbox():
            return _check_sandbox_access(context, name)
        if code != "ResourceNotFoundException":
            raise
        has_entry = False

    if not has_entry:
        eks.create_access_entry(clusterName=name, principalArn=principal, type="STANDARD",
                                tags=resource_tags(context, "portal-access"))
    policy = admin_policy_arn(context.cloud.partition)
    associated = eks.list_associated_access_policies(clusterName=name, principalArn=principal)["associatedAccessPolicies"]
    if not any(item["policyArn"] == policy and item["accessScope"]["type"] == "cluster" for item in associated):
        eks.associate_access_policy(clusterName=name, principalArn=principal, policyArn=policy,
                                    accessScope={"type": "cluster"})
    _check_access(context, name)
    return Done(f"{principal} has {ADMIN_POLICY} on {name}")


def _check_sandbox_access(context, name: str):
    _check_access(context, name)
    context.log("Sandbox: moto has no EKS access-entry API, so no access entry was made; the Kubernetes "
                "stand-in admits the portal's EKS token by its validity")
    return Done("Sandbox: the stand-in admits the portal's token (no access entry in moto)")


def _check_access(context, name: str) -> None:
    """Read a namespace through the API server, which proves that the portal's token is admitted."""
    kube = cluster_kube(context, recorded=True)
    if kube is None or kube.get("v1", "Namespace", "kube-system") is None:
        raise PermanentError(
            f"The portal cannot read EKS cluster {name} through its Kubernetes API.",
            code="ClusterAccessMissing",
            fix="Check the customer role's access entry in the EKS console (Access tab), then retry.",
        )
