"""Temporary storage credentials for people: one hour at most, for the project's buckets only.

The portal assumes the customer role, then from that session the project's storage role,
with a session policy limited to the project's buckets. AWS caps such a chained session
at one hour. The credentials are returned once: never stored, logged or audited.
"""

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.db import transaction

from audit import services as audit
from engines.choices import ResourceState
from engines.providers.aws import clients
from organisations.permissions import ProjectPermission, require_project
from projects.models import Project, ProjectStatus
from projects.provisioning.common import storage_statements
from projects.provisioning.roles import MAX_SESSION_SECONDS, STORAGE_ROLE_KEY

logger = logging.getLogger(__name__)

SESSION_NAME_CHARACTERS = re.compile(r"[^\w+=,.@-]")
SESSION_NAME_MAX = 64


@dataclass(frozen=True)
class StorageCredentials:
    """Credentials of one storage session; the secret parts never appear in repr()."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: datetime
    region: str
    buckets: dict[str, str]


class CredentialsUnavailable(Exception):
    """AWS rejected the request for storage credentials; the message names the error code and is safe to show."""


def session_policy(project: Project, partition: str) -> str:
    """Return the session policy: the project's buckets and their objects, and nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": storage_statements(project, partition)})


def session_name(label: str) -> str:
    """Return a role session name that shows who asked in the account's CloudTrail (2 to 64 characters)."""
    name = SESSION_NAME_CHARACTERS.sub("-", f"aichor-{label}")[:SESSION_NAME_MAX]
    return name if len(name) >= 2 else "aichor-user"


def request_storage_credentials(project: Project, *, actor) -> StorageCredentials:
    """Issue one-hour credentials for the project's buckets, and record the request as an audit event."""
    require_project(actor, ProjectPermission.REQUEST_STORAGE_CREDENTIALS, project)
    if project.status != ProjectStatus.READY:
        raise ValidationError(
            f"Project {project} is {project.get_status_display().lower()}: storage credentials are available "
            "once it is Ready."
        )
    role = project.resources.filter(key=STORAGE_ROLE_KEY, state=ResourceState.PRESENT).first()
    if role is None:
        raise ValidationError(f"Project {project} has no storage role yet: retry its operation first.")

    account = project.default_engine.cloud_account
    region = project.default_engine.region
    partition = account.role_arn.split(":")[1] if account.role_arn else "aws"
    try:
        sts = clients.client(clients.customer_session(account, region), "sts", region)
        issued = sts.assume_role(
            RoleArn=role.cloud_id,
            RoleSessionName=session_name(actor.label),
            ExternalId=account.external_id,
            DurationSeconds=MAX_SESSION_SECONDS,
            Policy=session_policy(project, partition),
        )["Credentials"]
    except (ClientError, BotoCoreError) as error:
        code = type(error).__name__
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "") or code
        logger.warning("project=%s storage credentials request failed: %s", project.pk, code)
        with transaction.atomic():
            audit.record(actor, "project.storage_credentials_failed", project, details={"error_code": code})
        raise CredentialsUnavailable(
            f"AWS rejected the request for storage credentials ({code}). Retry in a minute. If it fails again, ask "
            "an organisation admin to run pre-flight on the cloud account."
        ) from None

    credentials = StorageCredentials(
        access_key_id=issued["AccessKeyId"],
        secret_access_key=issued["SecretAccessKey"],
        session_token=issued["SessionToken"],
        expires_at=issued["Expiration"],
        region=region,
        buckets=project.bucket_names(),
    )
    with transaction.atomic():
        audit.record(actor, "project.storage_credentials_issued", project, details={
            "role": role.cloud_id,
            "buckets": sorted(credentials.buckets.values()),
            "expires_at": credentials.expires_at.isoformat(),
        })
    return credentials
