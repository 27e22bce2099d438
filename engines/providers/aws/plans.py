"""The AWS plans: EKS creation and deletion, registered with the runner."""

from engines.choices import EngineKind, OperationKind, Provider, ResourceOwner, ResourceState
from engines.provisioning import lifecycle
from engines.provisioning.registry import register_plan, register_provider
from engines.provisioning.steps import Plan, Step
from engines.providers.aws.cloud import AwsCloud
from engines.providers.aws.eks import cluster, iam, network, sweep, teardown
from engines.providers.aws.errors import classify


def eks_create_plan(operation) -> Plan:
    """Return the steps that build an EKS engine, in dependency order."""
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
    plan.add(Step("internet-gateway", "Create and attach the internet gateway", network.create_internet_gateway,
                  ("vpc",), "internet_gateway"))
    plan.add(Step("route-table", "Create the route table and associate the subnets", network.create_route_table,
                  ("vpc", *subnets), "route_table"))
    plan.add(Step("default-route", "Route 0.0.0.0/0 to the internet gateway", network.create_default_route,
                  ("route-table", "internet-gateway"), "route"))
    plan.add(Step("cluster-role", "Create the cluster IAM role", iam.create_cluster_role, (), "iam_role"))
    plan.add(Step("node-role", "Create the node IAM role", iam.create_node_role, (), "iam_role"))
    plan.add(Step("instance-profile", "Create the node instance profile", iam.create_instance_profile,
                  ("node-role",), "instance_profile"))
    plan.add(Step("eks-cluster", "Create the EKS cluster", cluster.create_cluster,
                  ("cluster-role", "default-route", *subnets), "eks_cluster",
                  actions=("iam:PassRole", "iam:CreateServiceLinkedRole")))
    plan.add(Step("oidc-provider", "Create the cluster's IAM OIDC provider", cluster.create_oidc_provider,
                  ("eks-cluster",), "oidc_provider"))
    plan.add(Step("node-group", "Create the default node group", cluster.node_group_step("node-group", gpu=False),
                  ("eks-cluster", "node-role"), "node_group", actions=("iam:PassRole",)))
    if engine.parameters.get("gpu_instance_type"):
        plan.add(Step("gpu-node-group", "Create the GPU node group",
                      cluster.node_group_step("gpu-node-group", gpu=True),
                      ("eks-cluster", "node-role"), "node_group", actions=("iam:PassRole",)))
    return plan


def eks_delete_plan(operation) -> Plan:
    """Return the steps that delete what the portal owns, in reverse dependency order, then sweep."""
    plan = Plan(
        on_start=lifecycle.deletion_started,
        on_success=lifecycle.deletion_succeeded,
        on_failure=lifecycle.deletion_failed,
    )
    resources = operation.engine.resources.filter(owner=ResourceOwner.PORTAL).exclude(type="")
    if operation.steps.exists():
        # The plan was fixed when the operation started: keep the same steps on every run.
        keys = [step.key.removeprefix("delete-") for step in operation.steps.all() if step.key.startswith("delete-")]
        resources = [resource for key in keys for resource in resources if resource.key == key]
    else:
        resources = sorted(
            resources.exclude(state=ResourceState.DELETED),
            key=lambda resource: (teardown.DELETE_ORDER.index(resource.type), -resource.pk),
        )

    previous = ()
    for resource in resources:
        step = plan.add(Step(f"delete-{resource.key}", f"Delete {resource.type.replace('_', ' ')} {resource.key}",
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
