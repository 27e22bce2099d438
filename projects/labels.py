"""Project labels: each key and value must be valid as an AWS tag and as a Kubernetes label.

Labels become tags on the project's buckets, repository and roles, and labels on its
namespaces. Kubernetes' rules are the stricter ones, so they are checked first; AWS
then adds a 128-character key limit and reserves the `aws:` prefix, which a valid
Kubernetes key cannot carry because it has no colon.
"""

import re

from django.core.exceptions import ValidationError

# Kubernetes label syntax (the "Labels and Selectors" page of the Kubernetes documentation).
LABEL_NAME_MAX = 63
LABEL_PREFIX_MAX = 253
LABEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
DNS_SUBDOMAIN_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE_MAX = 63

# AWS tag limits shared by S3, ECR and IAM.
TAG_KEY_MAX = 128
# The portal adds up to three tags of its own, and S3, ECR and IAM allow 50 per resource.
MAX_LABELS = 40

# Prefixes that Kubernetes reserves for its own components, and the portal's own prefix.
RESERVED_LABEL_PREFIXES = ("kubernetes.io", "k8s.io", "aichor.ai")


def validate_label(key: str, value: str) -> None:
    """Raise ValidationError unless `key` and `value` are valid as a Kubernetes label and an AWS tag."""
    _validate_key(key)
    if len(value) > LABEL_VALUE_MAX:
        raise ValidationError(
            f"Label {key}: value {value!r} is invalid: a value has at most {LABEL_VALUE_MAX} characters.",
            code="label_value_length",
        )
    if value and not LABEL_NAME_PATTERN.match(value):
        raise ValidationError(
            f"Label {key}: value {value!r} is invalid: use letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or a digit, or leave it empty.",
            code="label_value_characters",
        )


def _validate_key(key: str) -> None:
    if not key:
        raise ValidationError("A label key is empty: every label needs a key.", code="label_key_empty")
    if len(key) > TAG_KEY_MAX:
        raise ValidationError(
            f"Label key {key!r} is invalid: AWS tag keys have at most {TAG_KEY_MAX} characters.",
            code="label_key_length",
        )
    prefix, separator, name = key.rpartition("/")
    if separator:
        if not prefix or len(prefix) > LABEL_PREFIX_MAX or not DNS_SUBDOMAIN_PATTERN.match(prefix):
            raise ValidationError(
                f"Label key {key!r} is invalid: its prefix before '/' must be a lower-case DNS subdomain "
                f"of at most {LABEL_PREFIX_MAX} characters, such as example.com.",
                code="label_key_prefix",
            )
        if any(prefix == reserved or prefix.endswith("." + reserved) for reserved in RESERVED_LABEL_PREFIXES):
            raise ValidationError(
                f"Label key {key!r} is reserved: the prefixes {', '.join(RESERVED_LABEL_PREFIXES)} belong to "
                "Kubernetes and the portal.",
                code="label_key_reserved",
            )
    if len(name) > LABEL_NAME_MAX or not LABEL_NAME_PATTERN.match(name):
        raise ValidationError(
            f"Label key {key!r} is invalid: its name has 1 to {LABEL_NAME_MAX} letters, digits, '-', '_' and "
            "'.', starting and ending with a letter or a digit.",
            code="label_key_name",
        )


def validate_labels(labels: dict[str, str]) -> dict[str, str]:
    """Return the labels when every one is valid; raise one ValidationError listing every problem."""
    if len(labels) > MAX_LABELS:
        raise ValidationError(
            f"A project has at most {MAX_LABELS} labels; {len(labels)} were given.", code="too_many_labels"
        )
    problems = []
    for key, value in labels.items():
        try:
            validate_label(key, value)
        except ValidationError as error:
            problems.extend(error.error_list)
    if problems:
        raise ValidationError(problems)
    return labels


def parse_labels(text: str) -> dict[str, str]:
    """Parse labels written one `KEY=VALUE` per line (or separated by commas), and validate them."""
    labels = {}
    problems = []
    for item in re.split(r"[\n,]", text):
        item = item.strip()
        if not item:
            continue
        key, separator, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not separator:
            problems.append(ValidationError(f"Label {item!r} is invalid: write it as KEY=VALUE.", code="label_form"))
            continue
        if key in labels:
            problems.append(ValidationError(f"Label key {key!r} is given twice.", code="label_duplicate"))
            continue
        labels[key] = value
    if problems:
        raise ValidationError(problems)
    return validate_labels(labels)


def format_labels(labels: dict[str, str]) -> str:
    """Return labels as the text that `parse_labels` reads, one per line."""
    return "\n".join(f"{key}={value}" for key, value in sorted(labels.items()))
