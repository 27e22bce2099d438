"""Cloud account changes: add, update and delete, each in one transaction with its audit event.

The validators below are shared by the form and the `cloudaccount` command, so both
reject the same values with the same messages.
"""

import logging
import re

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import services as audit
from engines.choices import EngineStatus, Provider
from engines.models import CloudAccount
from engines.providers.aws.arn import AwsValueError, parse_region, parse_role_arn
from organisations.permissions import Permission, has_permission

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 64
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")
EDITABLE_FIELDS = ("name", "role_arn", "default_region")


def validate_name(organisation, value: str, *, instance: CloudAccount | None = None) -> str:
    """Return the stripped name, or raise ValidationError naming the rule and the value."""
    name = value.strip()
    if not name or len(name) > NAME_MAX_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            f"Invalid cloud account name {name!r}: use 1 to {NAME_MAX_LENGTH} letters, digits, spaces, dots, "
            "hyphens and underscores, starting with a letter or a digit.",
            code="invalid_name",
        )
    others = organisation.cloud_accounts.filter(name=name)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise ValidationError(
            f"Invalid cloud account name {name!r}: names are unique in an organisation, and "
            f"{organisation.name} already has an account with this name. Choose another name.",
            code="duplicate_name",
        )
    return name


def validate_role_arn(value: str):
    """Return the parsed role ARN (its account id kept as a string), or raise ValidationError."""
    try:
        return parse_role_arn(value, settings.AICHOR_AWS_PARTITION)
    except AwsValueError as error:
        raise ValidationError(str(error), code="invalid_role_arn") from None


def validate_region(value: str) -> str:
    """Return the region name, or raise ValidationError with the region to use instead."""
    try:
        return parse_region(value, settings.AICHOR_AWS_PARTITION).name
    except AwsValueError as error:
        raise ValidationError(str(error), code="invalid_region") from None


def clean_aws_fields(organisation, *, name: str, role_arn: str, default_region: str,
                     instance: CloudAccount | None = None) -> dict:
    """Validate the fields of an AWS cloud account; return the values to store.

    Raises one ValidationError that maps each invalid field to its message.
    """
    errors, values = {}, {}
    checks = (
        ("name", lambda: validate_name(organisation, name, instance=instance)),
        ("role_arn", lambda: validate_role_arn(role_arn)),
        ("default_region", lambda: validate_region(default_region)),
    )
    for field, check in checks:
        try:
            values[field] = check()
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)

    arn = values.pop("role_arn")
    values["role_arn"] = arn.arn
    values["aws_account_id"] = arn.account_id
    return values


def live_engine_names(account: CloudAccount) -> list[str]:
    """Return the names of the account's engines that are not deleted."""
    return sorted(account.engines.exclude(status=EngineStatus.DELETED).values_list("name", flat=True))


def add_cloud_account(organisation, *, actor, name: str, role_arn: str, default_region: str,
                      provider: str = Provider.AWS) -> CloudAccount:
    """Add an AWS cloud account with a new ExternalId; in the sandbox, also deploy its customer role."""
    _require_manage(actor, organisation)
    if provider != Provider.AWS:
        raise ValidationError(f"Adding {provider} cloud accounts is not available yet: only aws is.")
    values = clean_aws_fields(organisation, name=name, role_arn=role_arn, default_region=default_region)

    with transaction.atomic():
        account = CloudAccount.objects.create(
            organisation=organisation,
            provider=provider,
            created_by=_user(actor),
            **values,
        )
        audit.record(actor, "cloud_account.created", account, details={
            "provider": provider,
            "role_arn": account.role_arn,
            "default_region": account.default_region,
        })
    _provide_sandbox_role(account)
    return account


def update_cloud_account(account: CloudAccount, *, actor, name: str, role_arn: str,
                         default_region: str) -> CloudAccount:
    """Change an account's name, role ARN or default region; the ExternalId never changes."""
    _require_manage(actor, account.organisation)
    values = clean_aws_fields(
        account.organisation, name=name, role_arn=role_arn, default_region=default_region, instance=account
    )
    engines = live_engine_names(account)
    if engines and values["aws_account_id"] != account.aws_account_id:
        raise ValidationError({"role_arn": [
            f"Invalid role ARN {values['role_arn']!r}: it is in AWS account {values['aws_account_id']}, but "
            f"engine(s) {', '.join(engines)} live in account {account.aws_account_id}. Use a role of that "
            "account, or delete the engines first."
        ]})

    changed = [field for field in (*EDITABLE_FIELDS, "aws_account_id") if getattr(account, field) != values[field]]
    if not changed:
        return account
    with transaction.atomic():
        for field in changed:
            setattr(account, field, values[field])
        account.save(update_fields=[*changed, "updated_at"])
        audit.record(actor, "cloud_account.updated", account, details={
            "changed": changed,
            **{field: values[field] for field in changed},
        })
    if "role_arn" in changed:
        _provide_sandbox_role(account)
    return account


def delete_cloud_account(account: CloudAccount, *, actor) -> None:
    """Delete a cloud account that no engine uses any more, with its pre-flight history.

    The records of its deleted engines go with it; their audit events remain.
    """
    _require_manage(actor, account.organisation)
    engines = live_engine_names(account)
    if engines:
        raise ValidationError(
            f"Cloud account {account.name} still has engine(s): {', '.join(engines)}. Delete them first, "
            "then delete the account."
        )
    with transaction.atomic():
        deleted_engines = sorted(account.engines.values_list("name", flat=True))
        audit.record(actor, "cloud_account.deleted", account, details={
            "role_arn": account.role_arn,
            "deleted_engine_records": deleted_engines,
        })
        account.engines.all().delete()
        account.delete()


def _require_manage(actor, organisation) -> None:
    if not has_permission(actor, Permission.MANAGE_CLOUD_ACCOUNTS, organisation):
        raise PermissionDenied("Changing cloud accounts needs the organisation admin or infrastructure admin role.")


def _user(actor):
    return actor.user if actor.user is not None and actor.user.is_authenticated else None


def _provide_sandbox_role(account: CloudAccount) -> None:
    """In sandbox mode, play the customer's administrator: deploy the role from the exported template."""
    from engines.providers.aws.clients import is_sandbox

    if not is_sandbox():
        return
    from sandbox.customer import CustomerRoleError, provide_role_for
    from sandbox.state import SandboxNotRunning

    try:
        provide_role_for(account)
    except (ClientError, BotoCoreError, CustomerRoleError, SandboxNotRunning) as error:
        # The account is saved either way; its pre-flight then reports the missing role.
        logger.warning("cloud_account=%s sandbox customer role not deployed: %s", account.pk, error)
