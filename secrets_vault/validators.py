"""Rules for environment variable names."""

import re

from django.core.exceptions import ValidationError

VARIABLE_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The platform sets its own variables under this prefix; a project may not shadow them.
RESERVED_PREFIX = "AICHOR_"


def validate_variable_name(name: str) -> None:
    """Raise ValidationError unless the name is a valid, unreserved environment variable name."""
    if not isinstance(name, str) or not VARIABLE_NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            "%(value)r is not a valid variable name: use letters, digits and underscores, not starting "
            "with a digit (the rule is [A-Za-z_][A-Za-z0-9_]*).",
            code="invalid_name",
            params={"value": name},
        )
    if name.upper().startswith(RESERVED_PREFIX):
        raise ValidationError(
            "%(value)r starts with the reserved prefix AICHOR_ (in any letter case): the platform sets "
            "those variables itself. Choose another name.",
            code="reserved_prefix",
            params={"value": name},
        )
