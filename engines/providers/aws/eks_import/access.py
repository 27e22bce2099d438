"""The access check: the customer role can use the cluster's Kubernetes API, proved by authenticated calls.

The role may have an EKS access entry or a mapping in the `aws-auth` ConfigMap. Either way
the proof is a request that the API server admits, with self-subject access reviews for
what the portal does next: its namespace, service account and RBAC, and the egress probe.
moto has no access-entry API (it returns 404 for all of it), so in sandbox mode the row
notes that, and the Kubernetes stand-in admits any well-formed EKS token.
"""

from botocore.exceptions import ClientError

from engines.providers.aws import clients
from engines.providers.aws.errors import error_code
from engines.providers.aws.eks.access import UNIMPLEMENTED_CODE
from engines.providers.aws.eks_import.base import KUBERNETES_ACCESS_FIX, Outcome, cluster_name, kube

REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
# (verb, API group, resource) that the footprint and the egress probe need.
REQUIRED_ACCESS = [
    ("create", "", "namespaces"),
    ("create", "", "serviceaccounts"),
    ("create", "rbac.authorization.k8s.io", "clusterroles"),
    ("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
    ("create", "batch", "jobs"),
    ("list", "storage.k8s.io", "storageclasses"),
]


def _access_entry(context, name: str) -> str:
    """Describe the role's access entry in a few words, for the row's detail."""
    principal = context.cloud.account.role_arn
    try:
        entry = context.cloud.client("eks").describe_access_entry(clusterName=name, principalArn=principal)
    except ClientError as error:
        code = error_code(error)
        if code == UNIMPLEMENTED_CODE and clients.is_sandbox():
            return "the sandbox has no EKS access-entry API"
        if code == "ResourceNotFoundException":
            return "no access entry (the aws-auth ConfigMap may map the role)"
        # A cluster in CONFIG_MAP authentication mode has no access entries at all.
        if code == "InvalidRequestException":
            return "access entries are off (authentication mode CONFIG_MAP), so the aws-auth ConfigMap maps the role"
        raise
    return f"access entry {entry['accessEntry'].get('type', 'STANDARD')}"


def _allowed(client, verb: str, group: str, resource: str) -> bool:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}},
    }
    answer = client.request("POST", REVIEW_PATH, body=review) or {}
    return bool(answer.get("status", {}).get("allowed"))


def kubernetes_access(context) -> Outcome:
    name = cluster_name(context)
    entry = _access_entry(context, name)
    client = kube(context)

    # A 401 or 403 here becomes a failed row with the access fix (see base.check_step).
    if client.get("v1", "Namespace", "kube-system") is None:
        return Outcome.failed(f"The Kubernetes API of {name} admitted the portal's token but shows no kube-system "
                              "namespace.", KUBERNETES_ACCESS_FIX)
    denied = [f"{verb} {group + '/' if group else ''}{resource}" for verb, group, resource in REQUIRED_ACCESS
              if not _allowed(client, verb, group, resource)]
    if denied:
        return Outcome.failed(
            f"The customer role reaches the Kubernetes API of {name} ({entry}) but may not: {', '.join(denied)}.",
            KUBERNETES_ACCESS_FIX,
        )
    return Outcome.passed(f"The customer role reads the Kubernetes API of {name} and may create the portal's "
                          f"objects ({entry})")
