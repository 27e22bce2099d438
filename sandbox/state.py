"""The sandbox state file: where the running sandbox records its endpoints and keys for the portal.

The sandbox process writes it when it starts; the portal, its workers and any
`manage.py` command read it, so they all reach the same local clouds.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings


class SandboxNotRunning(RuntimeError):
    """Raised when the portal needs the sandbox and its state file is missing."""


@dataclass(frozen=True)
class SandboxState:
    instance: str
    aws_endpoint: str
    aws_account_id: str
    portal_access_key_id: str
    portal_secret_access_key: str
    admin_access_key_id: str
    admin_secret_access_key: str
    kube_endpoint: str = ""
    started_at: str = ""


def state_path() -> Path:
    return Path(settings.AICHOR_SANDBOX_STATE_FILE)


def write_state(state: SandboxState) -> None:
    """Write the state file, readable by its owner only (it contains sandbox keys)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(asdict(state), handle, indent=2)
    temporary.replace(path)


def read_state() -> SandboxState:
    """Read the running sandbox's state, or raise SandboxNotRunning with what to do."""
    path = state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SandboxNotRunning(
            f"The sandbox state file {path} is missing: start the sandbox with `make run` "
            "(or `python manage.py sandbox serve`)."
        ) from None
    return SandboxState(**data)
