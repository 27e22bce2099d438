"""Error reports (Django's technical 500 page and the admins' error email) without secrets.

Settings select both classes: DEFAULT_EXCEPTION_REPORTER_FILTER masks settings, request data and
frame variables by name and by value; DEFAULT_EXCEPTION_REPORTER redacts the finished report, as
a last pass over what the filter cannot reach (the exception message, GET parameters).
"""

import re

from django.utils.safestring import mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from aichor_portal.redaction import contains_secret, redact


class RedactedRepr:
    """A frame variable shown through its redacted repr() in a report."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return self.text


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Mask credential-like names and registered secret values, with DEBUG on or off.

    Names match case-insensitively anywhere in the word, as Django's own filter does, so a few
    harmless names (`monkey`, `author`) are masked too. An ExternalId is not a secret: the
    portal shows it to administrators, and `external_id` matches none of these words.
    """

    hidden_settings = re.compile(
        r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|CREDENTIAL|PRIVATE|COOKIE|SESSION|DSN|DATABASE_URL",
        flags=re.I,
    )

    def is_active(self, request):
        # Django turns the filter off when DEBUG is True. Secrets stay masked in both cases.
        return True

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            return redact(cleansed)
        return cleansed

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not parameters:
            return parameters

        cleansed = parameters.copy()
        for name in cleansed:
            if self.hidden_settings.search(name):
                cleansed[name] = self.cleansed_substitute
            else:
                values = cleansed.getlist(name)
                cleansed.setlist(name, [redact(value) if isinstance(value, str) else value for value in values])
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_frame_variable(name, value)) for name, value in variables]

    def cleanse_frame_variable(self, name, value):
        """Mask a variable with a credential-like name, and redact secrets from any other one's repr()."""
        if isinstance(value, str) and value == self.cleansed_substitute:
            return value
        if self.hidden_settings.search(name):
            return self.cleansed_substitute

        try:
            text = repr(value)
        except Exception:  # noqa: BLE001 (a broken __repr__ must not break the error report)
            return self.cleansed_substitute
        if contains_secret(text):
            return RedactedRepr(redact(text))
        return value


class SecretSafeExceptionReporter(ExceptionReporter):
    """Django's exception reporter, with a final redaction pass over the rendered report."""

    def get_traceback_html(self):
        return mark_safe(redact(str(super().get_traceback_html())))

    def get_traceback_text(self):
        return mark_safe(redact(str(super().get_traceback_text())))
