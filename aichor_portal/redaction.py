"""Redaction of secrets in text bound for logs, error reports and task results.

Two kinds of secret are removed:

- values registered at run time: the secrets_vault app registers every sensitive value that
  enters the process, when it is loaded from the vault or written through a service;
- well-known credential shapes (AWS access key ids, bearer tokens, PEM private keys, ...),
  whatever their origin.

This module imports nothing from Django, so that the logging configuration can use it before
the apps are loaded.
"""

import html
import json
import re
import threading
import urllib.parse
from collections import OrderedDict

REDACTED = "[REDACTED]"

# Credentials recognised by their shape. Each pattern is replaced by its replacement text.
CREDENTIAL_PATTERNS = [
    # PEM private keys, with real or escaped newlines. A block without its END line is cut to
    # the end of the text.
    (
        re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S),
        "[REDACTED private key]",
    ),
    # AWS access key ids: long-term (AKIA) and temporary (ASIA).
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "[REDACTED AWS access key id]"),
    # EKS bearer tokens: a pre-signed STS URL, base64url encoded.
    (re.compile(r"k8s-aws-v1\.[A-Za-z0-9_\-]+=*"), "k8s-aws-v1." + REDACTED),
    # Fernet tokens: the version byte 0x80 and a timestamp make them start with gAAAAA.
    (re.compile(r"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}"), "[REDACTED Fernet token]"),
    # Bearer tokens of 16 characters or more (shorter words after "bearer" are prose).
    (re.compile(r"(\b[Bb]earer\s+)[A-Za-z0-9\-._~+/]{16,}=*"), r"\1" + REDACTED),
]

# Secrets recognised by the name that comes before them; the groups keep the name.
NAMED_SECRET_PATTERNS = [
    # Authorization headers, in any scheme.
    (re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*b?[\"']?)[^\"'\r\n,}<]+"), r"\1" + REDACTED),
    # `name=value` and `"name": "value"` pairs whose name marks a secret, such as
    # aws_secret_access_key, SessionToken, client_secret, password or X-Amz-Signature.
    (
        re.compile(
            r"(?i)(\b[\w-]*?(?:secret_access_key|secretaccesskey|session_token|sessiontoken|client_secret"
            r"|password|passwd|private_key|privatekey|api_key|apikey|secret|token|signature)\b"
            r"[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}<]+)"
        ),
        r"\1" + REDACTED,
    ),
    # Passwords in URLs: scheme://user:password@host.
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)([^@/\s]+)(@)"), r"\1" + REDACTED + r"\3"),
]


class SecretRegistry:
    """The secret values seen by this process, kept so that text can be redacted without a query.

    Values are kept in least-recently-registered order, and the oldest are dropped past
    `max_values`. Every load of a value registers it again, but a copy that the process kept in
    memory after its value was dropped is no longer redacted.
    """

    # NOTE: values shorter than this are not registered. Redacting every occurrence of a
    # two- or three-character string would make logs unreadable, and such a short value
    # protects nothing.
    MIN_LENGTH = 4

    def __init__(self, max_values: int = 10_000):
        self.max_values = max_values
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._snapshot: tuple[str, ...] = ()

    def register(self, value) -> None:
        """Remember a secret value, with the escaped forms it takes in HTML, JSON and repr()."""
        if not isinstance(value, str) or len(value) < self.MIN_LENGTH:
            return

        forms = {value, html.escape(value), json.dumps(value)[1:-1], repr(value)[1:-1], urllib.parse.quote(value)}
        with self._lock:
            for form in forms:
                self._values[form] = None
                self._values.move_to_end(form)
            while len(self._values) > self.max_values:
                self._values.popitem(last=False)
            # The longest first, so that a value containing another one is replaced whole.
            self._snapshot = tuple(sorted(self._values, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._snapshot = ()

    def contains_secret(self, text: str) -> bool:
        return any(value in text for value in self._snapshot)

    def redact(self, text: str) -> str:
        for value in self._snapshot:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


registry = SecretRegistry()


def register_secret(value) -> None:
    """Register a secret value so that `redact` removes it from any text later."""
    registry.register(value)


def redact(text: str) -> str:
    """Replace registered secret values, credential shapes and values of secret-named keys in a text."""
    text = registry.redact(text)
    for pattern, replacement in CREDENTIAL_PATTERNS + NAMED_SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def contains_secret(text: str, *, by_name: bool = True) -> bool:
    """Tell whether a text contains a registered secret value or a credential.

    With `by_name=False`, a value counts only by its shape, not by a secret-like key before it:
    `{'token': 5}` is then not a secret.
    """
    if registry.contains_secret(text):
        return True
    patterns = CREDENTIAL_PATTERNS + NAMED_SECRET_PATTERNS if by_name else CREDENTIAL_PATTERNS
    return any(pattern.search(text) for pattern, _ in patterns)
