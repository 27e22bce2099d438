"""The sandbox plays the customer's administrator: it creates the customer role the portal assumes."""

import json
import logging

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings

from sandbox.aws import CUSTOMER_ROLE_ARN, CUSTOMER_ROLE_NAME
from sandbox.state import read_state

logger = logging.getLogger(__name__)

# Until the permissions catalogue publishes the exact policy, the sandbox role may do anything.
BROAD_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def admin_client(service: str, region: str = "us-east-1"):
    """Return a client signed by the sandbox administrator."""
    state = read_state()
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=state.aws_endpoint,
        aws_access_key_id=state.admin_access_key_id,
        aws_secret_access_key=state.admin_secret_access_key,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}),
    )


def trust_policy(external_id: str) -> dict:
    """Return the customer role's trust policy: the portal's principal, with this ExternalId only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": settings.AICHOR_AWS_PRINCIPAL_ARN},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def ensure_customer_role(external_id: str, policy_documents: list[dict] | None = None) -> str:
    """Create or update the sandbox customer role so that it trusts this ExternalId; return its ARN."""
    iam = admin_client("iam")
    trust = json.dumps(trust_policy(external_id))
    try:
        iam.create_role(RoleName=CUSTOMER_ROLE_NAME, AssumeRolePolicyDocument=trust)
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        iam.update_assume_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyDocument=trust)

    for index, document in enumerate(policy_documents or [BROAD_POLICY], start=1):
        iam.put_role_policy(
            RoleName=CUSTOMER_ROLE_NAME, PolicyName=f"aichor-portal-{index}", PolicyDocument=json.dumps(document)
        )
    logger.info("Sandbox customer role %s now trusts a new ExternalId", CUSTOMER_ROLE_NAME)
    return CUSTOMER_ROLE_ARN
