"""The encryption keys of FIELD_ENCRYPTION_KEY, for code that works on tokens directly."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def configured_keys() -> list[str]:
    """Return the keys of FIELD_ENCRYPTION_KEY, the encrypting (first) key first."""
    keys = settings.FIELD_ENCRYPTION_KEY
    if isinstance(keys, str):
        keys = [keys]
    keys = [key for key in keys if key]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty: set at least one Fernet key.")
    return keys


def configured_fernets() -> list[Fernet]:
    """Return one Fernet per configured key, the encrypting (first) key first.

    The encrypted fields read the same setting once, at import (django-encrypted-model-fields
    0.6.5), so this list matches theirs for the life of the process.
    """
    return [Fernet(key) for key in configured_keys()]


class KeyRing:
    """The configured keys, and the two checks that rotation makes on a token."""

    def __init__(self, fernets: list[Fernet]):
        self.first = fernets[0]
        self.previous = MultiFernet(fernets[1:]) if len(fernets) > 1 else None
        self.count = len(fernets)

    @classmethod
    def from_settings(cls) -> "KeyRing":
        return cls(configured_fernets())

    def is_current(self, token: bytes) -> bool:
        """Tell whether the first key signed the token (checks the HMAC only, decrypts nothing)."""
        try:
            self.first.extract_timestamp(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the first key a token that `is_current` rejected.

        Raises InvalidToken when no other key decrypts it. Unlike MultiFernet.rotate, this does
        not try the first key again, and the new token carries the time of the rotation.
        """
        if self.previous is None:
            raise InvalidToken
        return self.first.encrypt(self.previous.decrypt(token))
