"""The EKS import plan and the re-check plan, registered with the runner.

Import runs one row per check, then a review that fails the operation when any check
failed (so nothing is installed), then creates the portal's footprint in the cluster.
Re-check runs the same checks and one for the footprint, then the review. It leaves the
cluster as it was, apart from the egress probe Job, which it deletes once read.
"""

from collections.abc import Callable
from typing import NamedTuple

from engines.choices import CheckResult, EngineKind, OperationKind, StepStatus
from engines.provisioning import lifecycle
from engines.provisioning.registry import register_plan
from engines.provisioning.steps import Done, Plan, PermanentError, Step
from engines.providers.aws.eks import footprint
from engines.providers.aws.eks_import import access, cluster, egress, karpenter, nlb, nodes, network, storage
from engines.providers.aws.eks_import.base import check_step
from engines.providers.aws.eks_import.footprint import footprint_present

REVIEW_STEP = "review"
FOOTPRINT_STEP = "footprint"


class Check(NamedTuple):
    """One import check: its row's key and title, the function, and the checks it builds on or runs after.

    When a check of `needs` failed, this one is not run. `after` only orders the rows.
    """

    key: str
    title: str
    check: Callable
    needs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


def import_checks(engine) -> list[Check]:
    """Return every import check of an engine, in running order."""
    parameters = engine.parameters
    name = parameters.get("cluster_name") or engine.name
    in_cluster = ("kubernetes-access",)
    return [
        Check("cluster", f"EKS cluster {name} exists in {engine.region} and is ACTIVE", cluster.cluster_exists),
        Check("kubernetes-access", "The customer role can use the cluster's Kubernetes API", access.kubernetes_access,
              ("cluster",)),
        Check("vpc", "The cluster's VPC exists", network.vpc, ("cluster",)),
        Check("subnets", "The cluster's subnets exist in its VPC", network.subnets, ("cluster",)),
        Check("internet-gateway", "An internet gateway is attached to the VPC", network.internet_gateway, ("cluster",)),
        Check("route-tables", "The cluster's subnets have route tables", network.route_tables, ("cluster",)),
        Check("default-route", "The subnets route 0.0.0.0/0 to the internet gateway", network.default_route,
              ("cluster",)),
        Check("node-groups", "The cluster has an ACTIVE managed node group", nodes.node_groups, ("cluster",)),
        Check("instance-profile", "An instance profile holds the node role", nodes.instance_profile, ("node-groups",)),
        Check("oidc-provider", "An IAM OIDC provider serves the cluster's issuer", nodes.oidc_provider, ("cluster",)),
        Check("karpenter", "Karpenter runs in the cluster", karpenter.karpenter, in_cluster),
        Check("interruption-queue", "Karpenter's SQS interruption queue exists", karpenter.interruption_queue,
              in_cluster),
        Check("efs", "An EFS file system has mount targets in the cluster's zones", storage.efs_file_system,
              ("subnets",)),
        Check("storage-class", f"Storage class {parameters.get('storage_class', '')} exists in the cluster",
              storage.storage_class, in_cluster),
        # The address rule is checked even when the cluster is not reachable (see nlb.nlb_address).
        Check("nlb-address", f"{parameters.get('nlb_ip', '')} is the public address of the cluster's NLB",
              nlb.nlb_address, after=in_cluster),
        Check("egress", "The cluster reaches the hostnames it needs", egress.egress, in_cluster),
    ]


def _add_checks(plan: Plan, checks: list[Check]) -> list[str]:
    for item in checks:
        plan.add(Step(item.key, item.title, check_step(item.check, needs=item.needs), item.needs + item.after))
    return [item.key for item in checks]


def review_step(check_keys: list[str]):
    """Return the step that fails the operation when a check failed, naming each failed check."""

    def review_checks(context):
        rows = list(context.operation.steps.filter(key__in=check_keys).order_by("position"))
        failed = [row for row in rows if row.result == CheckResult.FAIL]
        warned = [row for row in rows if row.result == CheckResult.WARN]
        if not failed:
            return Done(f"{len(rows)} checks passed" + (f", {len(warned)} with a warning" if warned else ""))

        # Failed rows become failed steps, so that a retry runs exactly those checks again.
        context.operation.steps.filter(pk__in=[row.pk for row in failed]).update(status=StepStatus.FAILED)
        summary = "; ".join(f"{row.title}: {row.detail}" for row in failed)
        fix = failed[0].fix if len(failed) == 1 else (
            "Fix what each failed check reports (see its row), then retry: the failed checks run again.")
        raise PermanentError(f"{len(failed)} of {len(rows)} checks failed. {summary}", code="ImportCheckFailed",
                             fix=fix)

    return review_checks


def eks_import_plan(operation) -> Plan:
    """Return the steps that verify an administrator's EKS cluster and install the portal's footprint."""
    plan = Plan(
        on_start=lifecycle.provisioning_started,
        on_success=lifecycle.provisioning_succeeded,
        on_failure=lifecycle.provisioning_failed,
    )
    keys = _add_checks(plan, import_checks(operation.engine))
    plan.add(Step(REVIEW_STEP, "Review of the checks", review_step(keys), tuple(keys)))
    plan.add(Step(FOOTPRINT_STEP, "Create the portal's namespace, service account and RBAC in the cluster",
                  footprint.create_footprint, (REVIEW_STEP,), "kube_namespace"))
    return plan


def eks_check_plan(operation) -> Plan:
    """Return the checks of an imported engine, run again; the engine's status stays as it is."""
    plan = Plan()
    keys = _add_checks(plan, import_checks(operation.engine))
    plan.add(Step(FOOTPRINT_STEP, "The portal's namespace, service account and RBAC are in the cluster",
                  check_step(footprint_present, needs=("kubernetes-access",)), ("kubernetes-access",)))
    keys.append(FOOTPRINT_STEP)
    plan.add(Step(REVIEW_STEP, "Review of the checks", review_step(keys), tuple(keys)))
    return plan


register_plan(EngineKind.EKS, OperationKind.IMPORT, eks_import_plan)
register_plan(EngineKind.EKS, OperationKind.CHECK, eks_check_plan)
