"""The one place that makes AWS clients: sandbox endpoints in sandbox mode, real ones in live mode.

In live mode the portal's own identity comes from the standard credential chain
(environment, shared files, instance or task role). In sandbox mode it is the
sandbox's `aichor-portal` IAM user, which may only assume roles.
"""

import threading
from datetime import datetime, timedelta, timezone

import boto3
import botocore.session
from botocore.config import Config
from botocore.loaders import create_loader
from django.conf import settings

# Retries happen in the provisioning runner, because it classifies which errors are transient.
CLIENT_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=10, read_timeout=30)
SESSION_NAME = "aichor-portal"

# One loader of botocore's service models for every session: each new session would
# otherwise parse the JSON models again (tens of milliseconds per service), and customer
# sessions are made again every hour and after every sandbox reset.
_MODEL_LOADER = create_loader()


def new_session(**credentials) -> boto3.Session:
    """Return a boto3 session that shares the process's loaded service models."""
    core = botocore.session.Session()
    core.register_component("data_loader", _MODEL_LOADER)
    return boto3.Session(botocore_session=core, **credentials)


def is_sandbox() -> bool:
    return settings.AICHOR_CLOUD_MODE == settings.SANDBOX


def endpoint_url(service: str, region: str) -> str | None:
    """Return the endpoint for a service: the sandbox's in sandbox mode, AWS's regional one in live mode."""
    if is_sandbox():
        from sandbox.state import read_state

        return read_state().aws_endpoint
    if service == "sts":
        # The regional endpoint: the global one is slower and unavailable in opt-in regions.
        return f"https://sts.{region}.amazonaws.com"
    return None


def portal_session(region: str) -> boto3.Session:
    """Return a session for the portal's own identity."""
    if is_sandbox():
        from sandbox.state import read_state

        state = read_state()
        return new_session(
            aws_access_key_id=state.portal_access_key_id,
            aws_secret_access_key=state.portal_secret_access_key,
            region_name=region,
        )
    return new_session(region_name=region)


# Sessions in customer roles and their clients, per thread: assuming a role and building a
# client each take a noticeable time, and credentials last an hour.
_cache = threading.local()
RENEW_BEFORE = timedelta(minutes=10)


def clear_cache() -> None:
    """Forget cached sessions and clients (after a sandbox reset, or in tests)."""
    _cache.sessions = {}


def client(session: boto3.Session, service: str, region: str):
    """Return a client of a session for a service and region, at the right endpoint (cached per session)."""
    clients = session.__dict__.setdefault("_aichor_clients", {})
    key = (service, region)
    if key not in clients:
        clients[key] = session.client(
            service, region_name=region, endpoint_url=endpoint_url(service, region), config=CLIENT_CONFIG
        )
    return clients[key]


def assume_customer_role(role_arn: str, external_id: str, region: str, *, session_policy: str | None = None,
                         duration_seconds: int = 3600) -> boto3.Session:
    """Assume a customer role with its ExternalId through the regional STS endpoint and return a session."""
    sts = client(portal_session(region), "sts", region)
    arguments = {
        "RoleArn": role_arn,
        "RoleSessionName": SESSION_NAME,
        "ExternalId": external_id,
        "DurationSeconds": duration_seconds,
    }
    if session_policy:
        arguments["Policy"] = session_policy
    credentials = sts.assume_role(**arguments)["Credentials"]
    session = new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    session._aichor_expires = credentials["Expiration"]
    return session


def customer_session(cloud_account, region: str | None = None) -> boto3.Session:
    """Return a session in a cloud account's customer role, reusing one whose credentials are fresh."""
    region = region or cloud_account.default_region
    sessions = getattr(_cache, "sessions", None)
    if sessions is None:
        sessions = _cache.sessions = {}
    key = (cloud_account.role_arn, cloud_account.external_id, region)
    session = sessions.get(key)
    if session is None or session._aichor_expires - datetime.now(timezone.utc) < RENEW_BEFORE:
        session = sessions[key] = assume_customer_role(cloud_account.role_arn, cloud_account.external_id, region)
    return session
