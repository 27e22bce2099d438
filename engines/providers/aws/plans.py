"""The AWS plans: EKS creation and deletion, registered with the runner."""

from engines.choices import EngineKind, OperationKind, Provider, ResourceOwner, ResourceState
from engines.provisioning import lifecycle
from engines.provisioning.registry import register_plan, register_provider
from engines.provisioning.steps import Plan, Step
from engines.providers.aws.cloud import AwsCloud
from engines.providers.aws.eks import (
    access,
    cluster,
    cluster_made,
    efs,
    footprint,
    iam,
    karpenter,
    network,
    queue,
    sweep,
    teardown,
)
from engines.providers.aws.errors import classify

# Steps that remove what the cluster made, before the cluster's own resources are deleted.
CLUSTER_MADE_STEPS = {
    "cluster-load-balancers": ("Remove LoadBalancer services and wait for their load balancers",
                               cluster_made.remove_load_balancer_services),
    "cluster-node-pools": ("Remove Karpenter's node pools and wait for its instances to terminate",
                           cluster_made.remove_node_pools),
    "cluster-volume-claims": ("Delete persistent volume claims and wait for their volumes",
                              cluster_made.delete_volume_claims),
}


def eks_create_plan(operation) -> Plan:
    """Return the steps that build an EKS engine, in dependency order.

    The cluster takes 10 to 15 minutes, so it starts as early as its dependencies allow:
    after the VPC, its subnets and its role. The steps that do not need it run while it
    is being created.
    """
    engine = operation.engine
    plan = Plan(
        on_start=lifecycle.provisioning_started,
        on_success=lifecycle.provisioning_succeeded,
        on_failure=lifecycle.provisioning_failed,
    )
    plan.add(Step("vpc", "Create the VPC", network.create_vpc, resource_type="vpc"))
    subnets = []
    for index in range(1, network.zone_count(_Context(engine)) + 1):
        key = f"subnet-{index}"
        subnets.append(key)
        plan.add(Step(key, f"Create public subnet {index}", network.subnet_step(index), ("vpc",), "subnet"))
    plan.add(Step("cluster-role", "Create the cluster IAM role", iam.create_cluster_role, (), "iam_role"))
    plan.add(Step("eks-cluster", "Create the EKS cluster", cluster.create_cluster,
                  ("cluster-role", *subnets), "eks_cluster",
                  actions=("iam:PassRole", "iam:CreateServiceLinkedRole")))

    # While the cluster is being created.
    plan.add(Step("internet-gateway", "Create and attach the internet gateway", network.create_internet_gateway,
                  ("vpc",), "internet_gateway"))
    plan.add(Step("route-table", "Create the route table and associate the subnets", network.create_route_table,
                  ("vpc", *subnets), "route_table"))
    plan.add(Step("default-route", "Route 0.0.0.0/0 to the internet gateway", network.create_default_route,
                  ("route-table", "internet-gateway"), "route"))
    plan.add(Step("node-role", "Create the node IAM role", iam.create_node_role, (), "iam_role"))
    plan.add(Step("instance-profile", "Create the node instance profile", iam.create_instance_profile,
                  ("node-role",), "instance_profile"))
    plan.add(Step("interruption-queue", "Create Karpenter's SQS interruption queue", queue.create_interruption_queue,
                  (), "sqs_queue"))
    plan.add(Step("interruption-rules", "Send interruption events to the queue (EventBridge rules)",
                  queue.create_interruption_rules, ("interruption-queue",), "event_rule"))
    plan.add(Step("efs-security-group", "Create the EFS security group (NFS from the VPC)", efs.create_security_group,
                  ("vpc",), "security_group"))
    plan.add(Step("efs", "Create the encrypted EFS file system", efs.create_file_system, (), "efs",
                  actions=("iam:CreateServiceLinkedRole",)))
    plan.add(Step("efs-mount-targets", "Create an EFS mount target in each availability zone",
                  efs.create_mount_targets, ("efs", "efs-security-group", *subnets), "efs_mount_target"))

    # Once the cluster is ACTIVE.
    plan.add(Step("oidc-provider", "Create the cluster's IAM OIDC provider", cluster.create_oidc_provider,
                  ("eks-cluster",), "oidc_provider"))
    plan.add(Step("portal-access", "Give the portal's role access to the Kubernetes API", access.grant_portal_access,
                  ("eks-cluster",), ""))
    # Nodes reach the cluster's API and image registries through the default route.
    plan.add(Step("node-group", "Create the default node group", cluster.node_group_step("node-group", gpu=False),
                  ("eks-cluster", "node-role", "default-route"), "node_group", actions=("iam:PassRole",)))
    if engine.parameters.get("gpu_instance_type"):
        plan.add(Step("gpu-node-group", "Create the GPU node group",
                      cluster.node_group_step("gpu-node-group", gpu=True),
                      ("eks-cluster", "node-role", "default-route"), "node_group", actions=("iam:PassRole",)))
    plan.add(Step("footprint", "Create the portal's namespace, service account and RBAC in the cluster",
                  footprint.create_footprint, ("portal-access",), "kube_namespace"))
    plan.add(Step("karpenter-role", "Create Karpenter's controller IAM role (IRSA)", karpenter.create_controller_role,
                  ("oidc-provider", "interruption-queue", "node-role"), "iam_role"))
    plan.add(Step("karpenter", f"Install Karpenter {karpenter.KARPENTER_VERSION}", karpenter.install_karpenter,
                  ("karpenter-role", "portal-access", "node-group"), "karpenter"))
    plan.add(Step("karpenter-node-pool", "Create Karpenter's node class and node pool", karpenter.create_node_pool,
                  ("karpenter", "instance-profile", "interruption-rules"), "karpenter_node_pool"))
    return plan


def eks_delete_plan(operation) -> Plan:
    """Return the steps that delete what the portal owns, in reverse dependency order, then sweep.

    When the portal owns the cluster, the steps that remove what the cluster made come first.
    """
    plan = Plan(
        on_start=lifecycle.deletion_started,
        on_success=lifecycle.deletion_succeeded,
        on_failure=lifecycle.deletion_failed,
    )
    owned = operation.engine.resources.filter(owner=ResourceOwner.PORTAL).exclude(type="")
    if operation.steps.exists():
        # The plan was fixed when the operation started: keep the same steps on every run.
        keys = [step.key for step in operation.steps.all() if step.key != "sweep"]
    else:
        resources = sorted(
            owned.exclude(state=ResourceState.DELETED),
            key=lambda resource: (teardown.DELETE_ORDER.index(resource.type), -resource.pk),
        )
        keys = [f"delete-{resource.key}" for resource in resources]
        if any(resource.type == "eks_cluster" for resource in resources):
            keys = [*CLUSTER_MADE_STEPS, *keys]

    by_key = {resource.key: resource for resource in owned}
    previous = ()
    for key in keys:
        if key in CLUSTER_MADE_STEPS:
            title, run = CLUSTER_MADE_STEPS[key]
            step = plan.add(Step(key, title, run, previous))
        else:
            resource = by_key[key.removeprefix("delete-")]
            step = plan.add(Step(key, f"Delete {resource.type.replace('_', ' ')} {resource.key}",
                                 teardown.delete_step(resource.key), previous, resource.type))
        previous = (step.key,)
    plan.add(Step("sweep", "Sweep for anything still tagged with the engine", sweep.sweep, previous))
    return plan


class _Context:
    """The little a plan builder needs to read the engine's parameters like a step does."""

    def __init__(self, engine):
        self.engine = engine


register_provider(Provider.AWS, classify=classify, session_factory=AwsCloud)
register_plan(EngineKind.EKS, OperationKind.CREATE, eks_create_plan)
register_plan(EngineKind.EKS, OperationKind.DELETE, eks_delete_plan)
