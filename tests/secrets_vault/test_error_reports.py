"""Error reports: credential-like names and registered secret values are masked, DEBUG on or off."""

import sys

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.views.debug import get_default_exception_reporter_filter

from aichor_portal.error_reports import RedactedRepr, SecretSafeExceptionReporter, SecretSafeExceptionReporterFilter
from aichor_portal.redaction import register_secret

SUBSTITUTE = SecretSafeExceptionReporterFilter.cleansed_substitute


@pytest.fixture
def reporter_filter():
    return SecretSafeExceptionReporterFilter()


def test_settings_select_secret_safe_classes():
    assert isinstance(get_default_exception_reporter_filter(), SecretSafeExceptionReporterFilter)
    assert settings.DEFAULT_EXCEPTION_REPORTER == "aichor_portal.error_reports.SecretSafeExceptionReporter"


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "db_password",
        "api_token",
        "secret",
        "client_secret",
        "aws_secret_access_key",
        "private_key",
        "credentials",
        "session",
    ],
)
def test_credential_names_masked(reporter_filter, name):
    assert reporter_filter.cleanse_frame_variable(name, "visible?") == SUBSTITUTE


@pytest.mark.parametrize("name", ["external_id", "ExternalId", "engine_id", "role_arn", "name"])
def test_ordinary_names_kept(reporter_filter, name):
    assert reporter_filter.cleanse_frame_variable(name, "visible") == "visible"


def test_registered_value_masked_under_any_name(reporter_filter):
    register_secret("value-under-innocent-name")

    cleansed = reporter_filter.cleanse_frame_variable("stored", {"note": "value-under-innocent-name"})

    assert isinstance(cleansed, RedactedRepr)
    assert repr(cleansed) == "{'note': '[REDACTED]'}"


@pytest.mark.parametrize("debug", [True, False])
def test_filter_active_with_debug_on_or_off(reporter_filter, debug):
    with override_settings(DEBUG=debug):
        assert reporter_filter.is_active(None) is True


def test_settings_cleansed(reporter_filter):
    cleansed = reporter_filter.cleanse_setting("DATABASES", {"default": {"NAME": "portal", "PASSWORD": "db-pass"}})

    assert cleansed == {"default": {"NAME": "portal", "PASSWORD": SUBSTITUTE}}
    redis_url = reporter_filter.cleanse_setting("REDIS_URL", "redis://:p4ssw0rd@127.0.0.1:6379/0")
    assert redis_url == "redis://:[REDACTED]@127.0.0.1:6379/0"
    assert reporter_filter.cleanse_setting("FIELD_ENCRYPTION_KEY", ["k1"]) == SUBSTITUTE


def test_post_parameters_cleansed(reporter_filter):
    register_secret("posted-secret-value")
    request = RequestFactory().post("/", {"password": "x", "note": "posted-secret-value", "name": "API_URL"})

    cleansed = reporter_filter.get_post_parameters(request)

    assert cleansed["password"] == SUBSTITUTE
    assert cleansed["note"] == "[REDACTED]"
    assert cleansed["name"] == "API_URL"


# Built at run time: the report quotes source lines, which must not contain the values themselves.
FRAME_TOKEN = "-".join(["token", "in", "a", "frame"])
FRAME_SECRET = "-".join(["registered", "in", "a", "frame"])


def failing_function():
    api_token = FRAME_TOKEN  # noqa: F841
    stored = FRAME_SECRET  # noqa: F841
    raise RuntimeError(f"failed near {stored}")


def test_report_masks_frames_and_message():
    register_secret(FRAME_SECRET)
    request = RequestFactory().get(f"/failing/?q={FRAME_SECRET}")
    try:
        failing_function()
    except RuntimeError:
        reporter = SecretSafeExceptionReporter(request, *sys.exc_info())

    for report in (reporter.get_traceback_html(), reporter.get_traceback_text()):
        assert FRAME_TOKEN not in report
        assert FRAME_SECRET not in report
        assert "failing_function" in report
        assert "failed near [REDACTED]" in report
