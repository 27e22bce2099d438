"""Permission groups for EKS engines: discovery for import, and the create and delete plans.

Create mode includes every import group, because the portal also verifies what it built.
"""

from __future__ import annotations

from types import MappingProxyType

from .common import ANY_RESOURCE, PORTAL_INSTANCE_PROFILES, PORTAL_ROLES
from .model import ACCOUNT_ID, PARTITION, ContextValue, PermissionGroup, Scope

ENGINE_TAG = "aichor:engine"

# Teardown deletes only what carries the engine tag. NOTE: the plans must set it in every
# create call and pass it to Karpenter (EC2NodeClass tags), the EBS CSI driver (extra tags)
# and the load-balancer controller (default tags). An untagged resource fails to delete
# with AccessDenied and is left for the administrator.
_TAGGED_BY_PORTAL = Scope(
    ANY_RESOURCE,
    f"Only resources tagged {ENGINE_TAG}, so teardown can never delete a resource of the "
    "administrator. AWS picks the ids, so the tag is the only way to scope.",
    condition=MappingProxyType({"Null": {f"aws:ResourceTag/{ENGINE_TAG}": "false"}}),
    context=MappingProxyType({f"aws:ResourceTag/{ENGINE_TAG}": ContextValue("preflight")}),
)

CLUSTER_READS = PermissionGroup(
    key="eks_cluster_reads",
    title="Read EKS clusters",
    reason="Import checks that the cluster exists and reads its endpoint, node groups and access "
    "entries from the EKS API. Create mode waits on the same reads.",
    actions=(
        "eks:DescribeCluster",
        "eks:ListClusters",
        "eks:DescribeNodegroup",
        "eks:ListNodegroups",
        "eks:DescribeAccessEntry",
        "eks:ListAccessEntries",
        "eks:ListAssociatedAccessPolicies",
    ),
    scope=Scope(ANY_RESOURCE, "Cluster names are chosen by the administrator or derived from the engine id."),
    notes=MappingProxyType({
        "eks:ListClusters": "Offers the region's clusters in the import form.",
        "eks:DescribeNodegroup": "Records the node groups of an imported cluster in its inventory.",
        "eks:ListNodegroups": "Records the node groups of an imported cluster in its inventory.",
        "eks:DescribeAccessEntry": "Checks that the portal's role can reach the Kubernetes API.",
        "eks:ListAccessEntries": "Checks that the portal's role can reach the Kubernetes API.",
        "eks:ListAssociatedAccessPolicies": "Checks which access policy the portal's role has in the cluster.",
    }),
)

NETWORK_READS = PermissionGroup(
    key="network_reads",
    title="Read the network of a cluster",
    reason="Import records the VPC, subnets, gateway, route tables, security groups and the NLB "
    "address. Create mode reads the same objects to build and tear them down.",
    actions=(
        "ec2:DescribeSubnets",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeAddresses",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
    ),
    scope=Scope(ANY_RESOURCE, "EC2 and Elastic Load Balancing Describe actions accept no resource ARN."),
    notes=MappingProxyType({
        "ec2:DescribeAddresses": "Checks that the NLB's public address is an Elastic IP of the account.",
        "ec2:DescribeNetworkInterfaces": "Finds the NLB's public address. EFS mount targets need it too.",
        "elasticloadbalancing:DescribeLoadBalancers": "Finds the NLB, and teardown finds service load balancers.",
    }),
)

INVENTORY_READS = PermissionGroup(
    key="inventory_reads",
    title="Read the cluster's other AWS resources",
    reason="Import records the OIDC provider, instance profile, interruption queue and its rules, and "
    "the EFS file system of the cluster. Create mode reads them to wait and to tear down.",
    actions=(
        "iam:GetOpenIDConnectProvider",
        "iam:ListOpenIDConnectProviders",
        "iam:GetInstanceProfile",
        "sqs:ListQueues",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
        "sqs:ListQueueTags",
        "events:ListRules",
        "events:DescribeRule",
        "events:ListTargetsByRule",
        "events:ListTagsForResource",
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeMountTargets",
        "elasticfilesystem:DescribeMountTargetSecurityGroups",
        "elasticfilesystem:ListTagsForResource",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "The administrator named these resources in import mode, and list actions accept no resource ARN.",
    ),
)

IMPORT_GROUPS = (CLUSTER_READS, NETWORK_READS, INVENTORY_READS)

NETWORK_BUILD = PermissionGroup(
    key="network_build",
    title="Build the cluster network",
    reason="Create mode builds a public VPC: subnets, internet gateway, route table and routes, and "
    "security groups, tagged in the create call.",
    actions=(
        "ec2:CreateVpc",
        "ec2:ModifyVpcAttribute",
        "ec2:CreateSubnet",
        "ec2:ModifySubnetAttribute",
        "ec2:CreateInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:CreateRouteTable",
        "ec2:CreateRoute",
        "ec2:AssociateRouteTable",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeInstanceTypes",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "AWS picks the ids when the objects are created, so a create call cannot name its resources in advance.",
    ),
    notes=MappingProxyType({
        "ec2:CreateTags": "Create calls that carry tags (TagSpecifications) need it.",
        "ec2:DescribeVpcAttribute": "Reads the VPC's DNS settings, so that a rerun changes only what differs.",
        "ec2:DescribeInstanceTypes": "Checks that the node instance types exist in the region.",
    }),
)

NETWORK_TEARDOWN = PermissionGroup(
    key="network_teardown",
    title="Delete the cluster network",
    reason="Teardown detaches and deletes the network objects the portal created, in reverse order.",
    actions=(
        "ec2:DeleteRoute",
        "ec2:DisassociateRouteTable",
        "ec2:DeleteRouteTable",
        "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteSubnet",
        "ec2:DeleteVpc",
    ),
    scope=_TAGGED_BY_PORTAL,
)

CLUSTER_LEFTOVERS = PermissionGroup(
    key="cluster_leftovers",
    title="Delete what the cluster made",
    reason="Before deleting the network, teardown removes Karpenter's instances and launch templates, "
    "the volumes of persistent volume claims and the load balancers of LoadBalancer services.",
    actions=(
        "ec2:TerminateInstances",
        "ec2:DeleteLaunchTemplate",
        "ec2:DeleteVolume",
        "elasticloadbalancing:DeleteLoadBalancer",
    ),
    scope=_TAGGED_BY_PORTAL,
    notes=MappingProxyType({
        "elasticloadbalancing:DeleteLoadBalancer": "NOTE: a load balancer without the engine tag, made by "
        "a service that overrides the controller's default tags, is left for the administrator.",
    }),
)

LEFTOVER_READS = PermissionGroup(
    key="leftover_reads",
    title="Find what the cluster made",
    reason="Teardown lists the instances, launch templates and volumes tagged with the engine id.",
    actions=("ec2:DescribeInstances", "ec2:DescribeLaunchTemplates", "ec2:DescribeVolumes"),
    scope=Scope(ANY_RESOURCE, "EC2 Describe actions accept no resource ARN."),
)

CLUSTER = PermissionGroup(
    key="eks_cluster",
    title="Create and delete the EKS cluster",
    reason="Create mode creates the cluster, its managed node group and the access entries of the "
    "portal and the Karpenter node role. Teardown deletes them.",
    actions=(
        "eks:CreateCluster",
        "eks:DeleteCluster",
        "eks:TagResource",
        "eks:UntagResource",
        "eks:CreateNodegroup",
        "eks:DeleteNodegroup",
        "eks:CreateAccessEntry",
        "eks:DeleteAccessEntry",
        "eks:AssociateAccessPolicy",
    ),
    scope=Scope(ANY_RESOURCE, "EKS adds ids it picks to node group and access entry ARNs."),
)

ADDONS = PermissionGroup(
    key="eks_addons",
    title="EKS add-ons",
    reason="The EFS CSI driver, which mounts the shared file system in pods, is installed as an EKS add-on.",
    actions=(
        "eks:CreateAddon",
        "eks:DeleteAddon",
        "eks:DescribeAddon",
        "eks:ListAddons",
        "eks:DescribeAddonVersions",
    ),
    scope=Scope(ANY_RESOURCE, "EKS adds an id it picks to add-on ARNs."),
)

INSTANCE_PROFILES = PermissionGroup(
    key="instance_profiles",
    title="Instance profile of Karpenter's nodes",
    reason="Karpenter launches nodes with an instance profile that holds the node role.",
    actions=(
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
    ),
    scope=Scope((PORTAL_INSTANCE_PROFILES,), "Only instance profiles under the path /aichor/."),
)

IAM_SWEEP_LISTS = PermissionGroup(
    key="iam_sweep_lists",
    title="List instance profiles",
    reason="Teardown finds the instance profiles it created by path.",
    actions=("iam:ListInstanceProfiles",),
    scope=Scope(ANY_RESOURCE, "List actions of IAM accept no resource ARN."),
)

OIDC_PROVIDER = PermissionGroup(
    key="oidc_provider",
    title="OIDC provider of the cluster",
    reason="Pods get IAM roles (IRSA) through an OIDC provider for the cluster's issuer.",
    actions=(
        "iam:CreateOpenIDConnectProvider",
        "iam:DeleteOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "iam:ListOpenIDConnectProviderTags",
    ),
    scope=Scope(
        (f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.*",),
        "A provider's ARN is its issuer URL, which EKS picks and which has no path, so the scope "
        "admits EKS issuers only, not a path under /aichor/.",
    ),
    notes=MappingProxyType({
        "iam:ListOpenIDConnectProviderTags": "Tells a provider made for the engine, which teardown deletes, from "
        "one made by someone else for the same issuer, which it leaves.",
    }),
)

PASS_ROLE = PermissionGroup(
    key="pass_role",
    title="Pass the portal's roles to EKS and EC2",
    reason="Creating the cluster and node group passes their roles to EKS, and adding the node "
    "role to Karpenter's instance profile passes it to EC2.",
    actions=("iam:PassRole",),
    scope=Scope(
        (PORTAL_ROLES,),
        "Only roles under /aichor/, and only to EKS and EC2.",
        condition=MappingProxyType({
            "StringEquals": {
                "iam:PassedToService": ("eks.amazonaws.com", "ec2.amazonaws.com", "ec2.amazonaws.com.cn")
            }
        }),
        context=MappingProxyType({"iam:PassedToService": ContextValue("eks.amazonaws.com")}),
    ),
)

SERVICE_LINKED_ROLES = PermissionGroup(
    key="service_linked_roles",
    title="EKS service-linked roles",
    reason="The first cluster, the first managed node group and the first EFS file system of an account "
    "need the service-linked roles of EKS and EFS.",
    actions=("iam:CreateServiceLinkedRole",),
    scope=Scope(
        (f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/aws-service-role/*",),
        "Only the service-linked roles of EKS clusters and node groups, and of EFS.",
        condition=MappingProxyType({
            "StringEquals": {"iam:AWSServiceName": ("eks.amazonaws.com", "eks-nodegroup.amazonaws.com",
                                                    "elasticfilesystem.amazonaws.com")}
        }),
        context=MappingProxyType({"iam:AWSServiceName": ContextValue("eks.amazonaws.com")}),
    ),
)

INTERRUPTION_QUEUE = PermissionGroup(
    key="interruption_queue",
    title="Karpenter's interruption queue",
    reason="Karpenter learns of Spot interruptions and instance events from an SQS queue fed by "
    "EventBridge rules.",
    actions=(
        "sqs:CreateQueue",
        "sqs:DeleteQueue",
        "sqs:SetQueueAttributes",
        "sqs:TagQueue",
        "events:PutRule",
        "events:DeleteRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:TagResource",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "The queue and rule names derive from the engine id, and the resources carry the engine tag.",
    ),
)

SHARED_FILE_SYSTEM = PermissionGroup(
    key="shared_file_system",
    title="EFS file system",
    reason="Create mode makes an encrypted EFS file system with a mount target in each subnet.",
    actions=(
        "elasticfilesystem:CreateFileSystem",
        "elasticfilesystem:DeleteFileSystem",
        "elasticfilesystem:CreateMountTarget",
        "elasticfilesystem:DeleteMountTarget",
        "elasticfilesystem:TagResource",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
    ),
    scope=Scope(
        ANY_RESOURCE,
        "AWS picks file system ids, and the network interfaces of mount targets belong to EFS and "
        "carry no tag of the portal.",
    ),
    notes=MappingProxyType({
        "elasticfilesystem:TagResource": "CreateFileSystem with tags is also authorised as TagResource.",
        "ec2:CreateNetworkInterface": "EFS authorises CreateMountTarget with this action on the caller.",
        "ec2:DeleteNetworkInterface": "EFS authorises DeleteMountTarget with this action on the caller.",
    }),
)

TAG_SWEEP = PermissionGroup(
    key="tag_sweep",
    title="Find resources by tag",
    reason="Teardown finally sweeps for anything tagged with the engine id that the inventory missed.",
    actions=("tag:GetResources",),
    scope=Scope(ANY_RESOURCE, "tag:GetResources accepts no resource ARN."),
)

CREATE_GROUPS = IMPORT_GROUPS + (
    NETWORK_BUILD,
    NETWORK_TEARDOWN,
    CLUSTER_LEFTOVERS,
    LEFTOVER_READS,
    CLUSTER,
    ADDONS,
    INSTANCE_PROFILES,
    IAM_SWEEP_LISTS,
    OIDC_PROVIDER,
    PASS_ROLE,
    SERVICE_LINKED_ROLES,
    INTERRUPTION_QUEUE,
    SHARED_FILE_SYSTEM,
    TAG_SWEEP,
)
