"""Sealed `.env` uploads: the text of a previewed import, encrypted for its round trip through the browser.

The preview page carries the uploaded text to the apply request in a hidden field, encrypted, so
that no server-side store keeps it and no page contains a value. The sealing keys are derived
(HKDF-SHA256) from the keys of FIELD_ENCRYPTION_KEY with a label of their own: a seal can never
be opened as a stored value, nor a stored value's ciphertext as a seal. A seal names the project,
scope, flag and user it was made for, and expires after SEAL_MAX_AGE seconds.
"""

import base64
import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.views.decorators.debug import sensitive_variables

from secrets_vault.keys import configured_keys

# Long enough to read a preview, short enough that a copied page soon becomes useless.
SEAL_MAX_AGE = 30 * 60
SEAL_LABEL = b"aichor-portal: sealed .env import"


class InvalidImportSeal(Exception):
    """Raised when a sealed import is expired, altered, or made for another project or user."""


@dataclass(frozen=True)
class SealedImport:
    """The `.env` text of a previewed import, with the project, scope, flag and user of the preview."""

    project_id: int
    scope: str
    sensitive: bool
    user_id: int | None
    text: str = field(repr=False)


def _derived_fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_LABEL).derive(
        base64.urlsafe_b64decode(key)
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _sealer() -> MultiFernet:
    # Every configured key opens seals, so a key rotation between preview and apply breaks nothing.
    return MultiFernet([_derived_fernet(key) for key in configured_keys()])


@sensitive_variables()
def seal_import(sealed: SealedImport) -> str:
    """Encrypt an import's text with its project, scope, flag and user; return the token."""
    payload = {
        "project": sealed.project_id,
        "scope": sealed.scope,
        "sensitive": sealed.sensitive,
        "user": sealed.user_id,
        "text": sealed.text,
    }
    return _sealer().encrypt(json.dumps(payload).encode()).decode()


@sensitive_variables()
def open_import(token: str, *, project_id: int, user_id: int | None) -> SealedImport:
    """Decrypt a token made by `seal_import` for this project and user. Raises InvalidImportSeal."""
    try:
        payload = json.loads(_sealer().decrypt(token.encode(), ttl=SEAL_MAX_AGE))
    except (InvalidToken, ValueError, UnicodeError):
        raise InvalidImportSeal(
            "The previewed import has expired or was altered: upload the file and preview it again."
        ) from None

    if payload.get("project") != project_id or payload.get("user") != user_id:
        raise InvalidImportSeal("This preview was made for another project or user: upload the file again.")
    return SealedImport(
        project_id=project_id,
        scope=payload["scope"],
        sensitive=bool(payload["sensitive"]),
        user_id=user_id,
        text=payload["text"],
    )
