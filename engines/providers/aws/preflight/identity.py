"""Identity checks: the role is assumable with the ExternalId, trusts only it, and is in the ARN's account."""

from botocore.exceptions import ClientError

from engines.providers.aws import clients
from engines.providers.aws.errors import error_code

from .base import Outcome, error_outcome
from .trust import evaluate_trust

REGION_DISABLED = "RegionDisabledException"


def assume_role(context, target) -> Outcome:
    """Assume the role with the account's ExternalId through the regional STS endpoint."""
    endpoint = clients.endpoint_url("sts", target.region) or "the default STS endpoint"
    try:
        clients.assume_customer_role(target.account.role_arn, target.account.external_id, target.region)
    except ClientError as error:
        code = error_code(error)
        if code in ("AccessDenied", "AccessDeniedException"):
            return Outcome.failed(
                f"STS at {endpoint} refused to let {target.portal_principal} assume {target.role.arn} with this "
                f"cloud account's ExternalId ({code}).",
                "Check the role ARN. Then deploy the CloudFormation template from this page, which makes the role "
                f"trust {target.portal_principal} with this account's ExternalId, or set that trust policy by hand.",
            )
        if code == REGION_DISABLED:
            return Outcome.failed(
                f"STS is not active in {target.region} for account {target.account_id} ({code}).",
                f"Enable region {target.region} for the account (AWS console, Account, AWS Regions), or choose "
                "an enabled default region for this cloud account.",
            )
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"):
            return Outcome.failed(
                f"STS rejected the portal's own credentials ({code}).",
                "The portal's AWS identity is misconfigured: tell the portal's operators.",
            )
        return error_outcome(error)
    return Outcome.passed(
        f"{target.portal_principal} assumed {target.role.arn} with this cloud account's ExternalId through {endpoint}."
    )


def trust_policy(context, target) -> Outcome:
    """Read the role's trust policy (iam:GetRole) and check that it requires this account's ExternalId."""
    role = target.client("iam").get_role(RoleName=target.role.name)["Role"]
    return evaluate_trust(role["AssumeRolePolicyDocument"], target.portal_principal, target.account.external_id)


def caller_identity(context, target) -> Outcome:
    """Check that the assumed session belongs to the ARN's account and role."""
    identity = target.client("sts").get_caller_identity()
    account, arn = identity["Account"], identity["Arn"]
    if account != target.account_id:
        return Outcome.failed(
            f"The session belongs to account {account}, but the role ARN names account {target.account_id}.",
            f"Enter the ARN of the role in the account you mean, or use a role of account {account}.",
        )
    expected = f"assumed-role/{target.role.name}/"
    if expected not in arn:
        return Outcome.failed(
            f"The session is {arn}, not a session of role {target.role.name}.",
            "Check the role ARN on this page.",
        )
    return Outcome.passed(f"Signed in as {arn} in account {account}.")
