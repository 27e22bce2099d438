"""The permissions boundary that every IAM role the portal creates must carry.

A boundary caps what a role can do, whatever policies are attached to it. The portal's own
policy lets it create roles under /aichor/ only with this boundary, so a compromised
portal cannot mint a role with more power than this document allows. The customer's
administrator creates the boundary policy (the CloudFormation template does), and the
portal's policy denies changing it.

Unlike the portal's own policy, the boundary names whole services with wildcards
("ec2:*"): it is a ceiling, and each role's attached policy lists its exact actions.
"""

from __future__ import annotations

from .model import ACCOUNT_ID, PARTITION

BOUNDARY_POLICY_NAME = "AIchorPermissionsBoundary"
BOUNDARY_POLICY_PATH = "/aichor/"
BOUNDARY_POLICY_ARN = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy/aichor/{BOUNDARY_POLICY_NAME}"

# The roles the portal may create serve the EKS cluster, its nodes, Karpenter, the EFS and
# EBS CSI drivers, the load-balancer controller and each project.
_CLUSTER_SERVICES = (
    "autoscaling:*",
    "ec2:*",
    "eks:*",
    "elasticfilesystem:*",
    "elasticloadbalancing:*",
    "sqs:*",
    "logs:*",
    "cloudwatch:PutMetricData",
    "pricing:GetProducts",
    "tag:GetResources",
    "sts:GetCallerIdentity",
    "acm:DescribeCertificate",
    "acm:ListCertificates",
    "iam:GetInstanceProfile",
    "iam:ListInstanceProfiles",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:*",
    "ec2messages:*",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
    "kms:CreateGrant",
)

# Image pulls read repositories of other accounts (EKS add-on images live in AWS accounts).
_IMAGE_PULL = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
    "ecr:ListImages",
)


def boundary_statements() -> list[dict]:
    """Return the boundary's statements, with PARTITION and ACCOUNT_ID placeholders."""
    return [
        {
            "Sid": "ClusterOperation",
            "Effect": "Allow",
            "Action": list(_CLUSTER_SERVICES),
            "Resource": "*",
        },
        {
            "Sid": "ImagePull",
            "Effect": "Allow",
            "Action": list(_IMAGE_PULL),
            "Resource": "*",
        },
        {
            "Sid": "PortalRepositories",
            "Effect": "Allow",
            "Action": ["ecr:*"],
            "Resource": f"arn:{PARTITION}:ecr:*:{ACCOUNT_ID}:repository/aichor-*",
        },
        {
            "Sid": "PortalBuckets",
            "Effect": "Allow",
            "Action": ["s3:*"],
            "Resource": [f"arn:{PARTITION}:s3:::aichor-*", f"arn:{PARTITION}:s3:::aichor-*/*"],
        },
        {
            "Sid": "BucketDiscovery",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListAllMyBuckets"],
            "Resource": "*",
        },
        {
            # Karpenter passes the node role to the instances it launches.
            "Sid": "PassNodeRoles",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/aichor/*",
            "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}},
        },
        {
            # The cluster role creates the load-balancing role, Karpenter the Spot role.
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": ["iam:CreateServiceLinkedRole"],
            "Resource": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/aws-service-role/*",
            "Condition": {
                "StringEquals": {
                    "iam:AWSServiceName": [
                        "autoscaling.amazonaws.com",
                        "elasticloadbalancing.amazonaws.com",
                        "spot.amazonaws.com",
                    ]
                }
            },
        },
    ]
