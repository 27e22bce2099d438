"""The sandbox plays the customer's administrator: it deploys the customer role the portal assumes.

The role comes from the CloudFormation template that the portal exports, deployed
in moto by the sandbox administrator, so the role has exactly the published
policy and a trust policy that requires one ExternalId.
"""

import json
import logging

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings

from engines.providers.aws.policy_export import cloudformation_template
from sandbox.aws import CUSTOMER_ROLE_ARN, CUSTOMER_ROLE_NAME
from sandbox.state import read_state

logger = logging.getLogger(__name__)

STACK_NAME = "aichor-portal-role"
STACK_REGION = "us-east-1"
# The sandbox role serves every engine kind and mode, and create mode's catalogue includes import's.
ROLE_KIND = "eks"
ROLE_MODE = "create"
DEPLOYED_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


class CustomerRoleError(RuntimeError):
    """The sandbox could not deploy the customer role's stack."""


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


def ensure_customer_role(external_id: str) -> str:
    """Create or update the sandbox customer role from the exported template; return its ARN.

    After this call the role trusts the portal's principal with `external_id` only.
    """
    template = cloudformation_template(
        ROLE_KIND, ROLE_MODE, settings.AICHOR_AWS_PRINCIPAL_ARN, external_id=external_id, role_name=CUSTOMER_ROLE_NAME
    )
    cloudformation = admin_client("cloudformation", STACK_REGION)
    arguments = {
        "StackName": STACK_NAME,
        "TemplateBody": template,
        "Parameters": [{"ParameterKey": "ExternalId", "ParameterValue": external_id}],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }
    try:
        cloudformation.create_stack(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] != "AlreadyExistsException":
            raise
        _update_stack(cloudformation, arguments)
        # NOTE: moto 5.2.5 leaves a role's trust policy as it was on a stack update, so the
        # template's trust policy is applied here, as CloudFormation would apply it.
        _apply_trust_policy(template, external_id)

    stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    if stack["StackStatus"] not in DEPLOYED_STATUSES:
        raise CustomerRoleError(
            f"Stack {STACK_NAME} ended in {stack['StackStatus']}: {stack.get('StackStatusReason', 'no reason given')}."
        )
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    logger.info("Sandbox customer role %s deployed by stack %s for a new ExternalId", CUSTOMER_ROLE_NAME, STACK_NAME)
    return outputs.get("RoleArn", CUSTOMER_ROLE_ARN)


def provide_role_for(account) -> str | None:
    """Deploy the sandbox customer role for a cloud account that names it; return the ARN, or None.

    The sandbox has one customer role, so only an account with its ARN gets a role, and the
    role then trusts that account's ExternalId instead of the previous one.
    """
    if account.role_arn != CUSTOMER_ROLE_ARN:
        logger.info("cloud_account=%s names a role the sandbox does not provide; no role deployed", account.pk)
        return None
    return ensure_customer_role(account.external_id)


def _update_stack(cloudformation, arguments: dict) -> None:
    try:
        cloudformation.update_stack(**arguments)
    except ClientError as error:
        # CloudFormation rejects an update that changes nothing; the stack is then as wanted.
        if "No updates are to be performed" not in error.response["Error"].get("Message", ""):
            raise


def _apply_trust_policy(template: str, external_id: str) -> None:
    role = json.loads(template)["Resources"]["PortalRole"]["Properties"]
    document = _resolve_references(role["AssumeRolePolicyDocument"], {"ExternalId": external_id})
    admin_client("iam").update_assume_role_policy(RoleName=CUSTOMER_ROLE_NAME, PolicyDocument=json.dumps(document))


def _resolve_references(value, parameters: dict):
    """Return a template fragment with each {"Ref": PARAMETER} replaced by the parameter's value."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return {key: _resolve_references(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_references(item, parameters) for item in value]
    return value
