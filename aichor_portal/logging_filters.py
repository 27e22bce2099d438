"""Logging filters. Settings install `RedactSecretsFilter` on every handler."""

import logging

from aichor_portal.redaction import redact


class RedactSecretsFilter(logging.Filter):
    """Redact secret values and credential shapes from a record before any handler writes it.

    The filter formats the message itself and clears the arguments, so that no formatter
    receives the raw arguments. Tracebacks and stack traces are redacted too. The record is shared
    by all handlers, and redacting it twice changes nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad format string must not leak its arguments)
            message = f"{record.msg} [log arguments dropped: formatting the message failed]"
        record.msg = redact(str(message))
        record.args = None

        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
