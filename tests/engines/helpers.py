"""Helpers for engine tests: a sandbox cloud account whose customer role exists in moto."""

from engines.choices import Provider
from engines.models import CloudAccount
from sandbox.aws import ACCOUNT_ID, CUSTOMER_ROLE_ARN
from sandbox.customer import ensure_customer_role


def make_sandbox_account(organisation, name: str = "sandbox", region: str = "eu-west-1") -> CloudAccount:
    """Create an AWS cloud account for the sandbox's customer role, and make the role trust it."""
    account = CloudAccount.objects.create(
        organisation=organisation,
        provider=Provider.AWS,
        name=name,
        role_arn=CUSTOMER_ROLE_ARN,
        aws_account_id=ACCOUNT_ID,
        default_region=region,
    )
    ensure_customer_role(account.external_id)
    return account
