"""Redaction of secrets in logs: registered values, credential shapes, and quiet cloud SDK loggers."""

import io
import logging
import subprocess
import sys

import pytest
from django.conf import settings

from aichor_portal.logging_filters import RedactSecretsFilter
from aichor_portal.redaction import REDACTED, SecretRegistry, contains_secret, redact, register_secret


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key id AKIAIOSFODNN7EXAMPLE in use", "AKIAIOSFODNN7EXAMPLE"),
        ("temporary ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG"),
        ('{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', "wJalrXUtnFEMI/K7MDENG"),
        ('{"SessionToken": "FwoGZXIvYXdzEBYaDH7token"}', "FwoGZXIvYXdzEBYaDH7token"),
        ("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature", "eyJhbGciOiJSUzI1NiJ9"),
        ("Authorization: AWS4-HMAC-SHA256 Credential=abc/20261204, Signature=0123abcd", "0123abcd"),
        ("headers={'Authorization': 'Basic dXNlcjpwYXNz'}", "dXNlcjpwYXNz"),
        ("headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=x/y, Signature=0a1b'}", "AWS4-HMAC-SHA256"),
        ("token k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9u", "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8"),
        ("sent Bearer abcdefghijklmnop1234567890 to the API", "abcdefghijklmnop1234567890"),
        ("password=hunter2hunter2", "hunter2hunter2"),
        ("client_secret: 'xyz-client-secret-value'", "xyz-client-secret-value"),
        ("url https://X-Amz-Signature=feedface01", "feedface01"),
        ("redis://:p4ssw0rd@127.0.0.1:6379/0", "p4ssw0rd"),
        ("stored gAAAAABpZ3Rva2VuLWJvZHktdGhhdC1pcy1sb25nLWVub3VnaC10by1tYXRjaA==", "gAAAAABpZ3Rva2Vu"),
    ],
)
def test_credential_shapes_redacted(text, secret):
    assert secret in text
    assert secret not in redact(text)


def test_private_key_redacted_whole():
    text = 'key: "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----" done'

    assert redact(text) == 'key: "[REDACTED private key]" done'


def test_private_key_without_end_redacted_to_end():
    assert redact("x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg truncated") == "x [REDACTED private key]"


@pytest.mark.parametrize(
    "text",
    [
        "ExternalId=aichor-3f2a9c6e-external-id",
        "external_id: 3f2a9c6e",
        "engine 12 operation 40 failed: ThrottlingException",
        "token_count=5",
        "the bearer of bad news",
        "arn:aws:iam::123456789012:role/AIchorPortalRole",
    ],
)
def test_ordinary_text_kept(text):
    assert redact(text) == text


def test_registered_value_redacted():
    register_secret("tz-0rchid-value")

    assert redact("value is tz-0rchid-value.") == f"value is {REDACTED}."


def test_registered_value_escaped_forms_redacted():
    value = 'a<b>&"quote"\n2'
    register_secret(value)

    assert redact('html a&lt;b&gt;&amp;&quot;quote&quot;\n2 end') == f"html {REDACTED} end"
    assert redact('json "a<b>&\\"quote\\"\\n2"') == f'json "{REDACTED}"'


def test_short_values_not_registered():
    registry = SecretRegistry()

    registry.register("abc")

    assert registry.redact("abc") == "abc"


def test_registry_drops_oldest_past_limit():
    registry = SecretRegistry(max_values=2)

    registry.register("first-value")
    registry.register("second-value")
    registry.register("third-value")

    assert registry.redact("first-value") == "first-value"
    assert registry.redact("third-value") == REDACTED


def test_registry_replaces_longest_first():
    registry = SecretRegistry()
    registry.register("secret")
    registry.register("secret-and-more")

    assert registry.redact("x secret-and-more y") == f"x {REDACTED} y"


def test_contains_secret_by_shape_only():
    assert contains_secret("{'token': 5}")
    assert not contains_secret("{'token': 5}", by_name=False)
    assert contains_secret("AKIAIOSFODNN7EXAMPLE", by_name=False)


def record(message, *args, exc_info=None):
    return logging.LogRecord("tests", logging.INFO, __file__, 1, message, args, exc_info)


def test_filter_redacts_message_arguments():
    register_secret("argument-secret")
    log_record = record("value %s and %s", "argument-secret", "AKIAIOSFODNN7EXAMPLE")

    RedactSecretsFilter().filter(log_record)

    assert log_record.getMessage() == f"value {REDACTED} and [REDACTED AWS access key id]"
    assert log_record.args is None


def test_filter_redacts_traceback():
    register_secret("traceback-secret")
    try:
        raise ValueError("failed with traceback-secret")
    except ValueError:
        log_record = record("boom", exc_info=sys.exc_info())

    RedactSecretsFilter().filter(log_record)

    assert "traceback-secret" not in logging.Formatter().format(log_record)
    assert "ValueError: failed with [REDACTED]" in log_record.exc_text


def test_filter_drops_arguments_of_bad_format():
    log_record = record("value %s %s", "only-one-argument-secret")

    RedactSecretsFilter().filter(log_record)

    assert "only-one-argument-secret" not in log_record.getMessage()
    assert "formatting the message failed" in log_record.getMessage()


def test_configured_console_handler_redacts():
    register_secret("console-secret-value")
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    original = handler.setStream(stream)
    try:
        logging.getLogger("secrets_vault.tests").warning("leaking %s", "console-secret-value")
    finally:
        handler.setStream(original)

    assert "leaking [REDACTED]" in stream.getvalue()


@pytest.mark.parametrize(
    "name", ["botocore", "botocore.endpoint", "urllib3.connectionpool", "kubernetes.client.rest", "azure.core"]
)
def test_sdk_loggers_pinned_to_warning(name):
    assert settings.LOGGING["loggers"][name.split(".")[0]]["level"] == "WARNING"
    assert not logging.getLogger(name).isEnabledFor(logging.INFO)


# A boto3 call with known credentials to a closed local port, with the root logger at DEBUG.
SDK_CALL = """
import boto3, botocore.config, django
django.setup()
import logging
assert logging.getLogger().level == logging.DEBUG
client = boto3.client(
    "sts", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9",
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=1),
)
try:
    client.get_caller_identity()
except Exception as error:
    logging.getLogger("tests").debug("call failed: %s", type(error).__name__)
"""


def test_sdk_debug_logging_prints_no_credentials(tmp_path):
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aichor_portal.settings",
        "AICHOR_ENV_FILE": "",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY[0],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "AICHOR_SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json"),
        "LOG_LEVEL": "DEBUG",
    }

    result = subprocess.run(
        [sys.executable, "-c", SDK_CALL],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "call failed: EndpointConnectionError" in output
    assert "AKIAIOSFODNN7EXAMPLE" not in output
    assert "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY" not in output
    assert "Authorization" not in output
