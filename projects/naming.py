"""Names of a project's cloud objects, and the rules each name must pass before any call.

A project's namespace is derived from its name once, at creation: lower-case letters
and digits of the name cut to 12 characters, a hyphen, and 16 random hexadecimal
digits. Bucket, registry and role names all derive from the namespace or the project id,
so a rerun of a step finds what an earlier run created.
"""

import ipaddress
import re
import secrets

from django.core.exceptions import ValidationError

NAMESPACE_PREFIX_LENGTH = 12
NAMESPACE_SUFFIX_HEX_DIGITS = 16
NAMESPACE_FALLBACK_PREFIX = "project"
DNS_LABEL_MAX = 63
DNS_LABEL_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Namespaces that Kubernetes itself uses or reserves: a project never gets one of them.
RESERVED_NAMESPACES = frozenset({"default"})
RESERVED_NAMESPACE_PREFIX = "kube-"

BUCKET_PURPOSES = ("inputs", "outputs")
RESOURCE_PREFIX = "aichor-"
SERVICE_ACCOUNT_NAME = "aichor-workload"
IAM_ROLE_NAME_MAX = 64


# S3 general purpose bucket naming rules, as the Amazon S3 User Guide lists them
# ("General purpose bucket naming rules").
BUCKET_NAME_MIN = 3
BUCKET_NAME_MAX = 63
BUCKET_CHARACTERS = re.compile(r"^[a-z0-9.-]+$")
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# ECR repository names (CreateRepository's repositoryName): 2 to 256 characters, path
# components of lower-case letters and digits separated by single ".", "_" or "-".
REPOSITORY_NAME_MIN = 2
REPOSITORY_NAME_MAX = 256
REPOSITORY_PATTERN = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def derive_namespace(name: str, *, suffix: str | None = None) -> str:
    """Return a new namespace for a project called `name`: a valid DNS-1123 label, never reserved."""
    prefix = "".join(character for character in name.lower() if character.isascii() and character.isalnum())
    prefix = prefix[:NAMESPACE_PREFIX_LENGTH] or NAMESPACE_FALLBACK_PREFIX
    suffix = suffix if suffix is not None else secrets.token_hex(NAMESPACE_SUFFIX_HEX_DIGITS // 2)
    namespace = f"{prefix}-{suffix}"
    if namespace.startswith(RESERVED_NAMESPACE_PREFIX):
        # Only a name that reduces to "kube" gets here; "kube-<suffix>" would look like a system namespace.
        namespace = f"{NAMESPACE_FALLBACK_PREFIX}{prefix}-{suffix}"
    validate_namespace(namespace)
    return namespace


def validate_namespace(namespace: str) -> str:
    """Raise ValidationError unless `namespace` is a DNS-1123 label that a project may use."""
    if not namespace or len(namespace) > DNS_LABEL_MAX:
        raise ValidationError(
            f"Namespace {namespace!r} is invalid: a namespace has 1 to {DNS_LABEL_MAX} characters.",
            code="namespace_length",
        )
    if not DNS_LABEL_PATTERN.match(namespace):
        raise ValidationError(
            f"Namespace {namespace!r} is invalid: use lower-case letters, digits and hyphens, "
            "starting and ending with a letter or a digit (a DNS-1123 label).",
            code="namespace_characters",
        )
    if namespace in RESERVED_NAMESPACES or namespace.startswith(RESERVED_NAMESPACE_PREFIX):
        raise ValidationError(
            f"Namespace {namespace!r} is reserved: Kubernetes uses `default` and the `kube-` prefix.",
            code="namespace_reserved",
        )
    return namespace


def bucket_name(namespace: str, purpose: str) -> str:
    """Return the name of a project bucket, `aichor-<namespace>-inputs` or `-outputs`."""
    if purpose not in BUCKET_PURPOSES:
        raise ValueError(f"Unknown bucket purpose {purpose!r}: use one of {', '.join(BUCKET_PURPOSES)}.")
    return f"{RESOURCE_PREFIX}{namespace}-{purpose}"


def repository_name(namespace: str) -> str:
    """Return the name of a project's ECR repository, `aichor-<namespace>`."""
    return f"{RESOURCE_PREFIX}{namespace}"


def validate_bucket_name(name: str) -> str:
    """Raise ValidationError naming the first S3 bucket naming rule that `name` breaks."""
    problem = _bucket_name_problem(name)
    if problem:
        raise ValidationError(f"Bucket name {name!r} is invalid: {problem}.", code="bucket_name")
    return name


def _bucket_name_problem(name: str) -> str:
    if not BUCKET_NAME_MIN <= len(name) <= BUCKET_NAME_MAX:
        return f"a bucket name has {BUCKET_NAME_MIN} to {BUCKET_NAME_MAX} characters"
    if not BUCKET_CHARACTERS.match(name):
        return "use only lower-case letters, digits, dots (.) and hyphens (-)"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "a bucket name begins and ends with a letter or a digit"
    if ".." in name:
        return "a bucket name has no two adjacent dots"
    if _is_ip_address(name):
        return "a bucket name is not formatted as an IP address"
    for prefix in BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"the prefix {prefix} is reserved by S3"
    for suffix in BUCKET_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"the suffix {suffix} is reserved by S3"
    return ""


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def validate_repository_name(name: str) -> str:
    """Raise ValidationError unless `name` is a valid ECR repository name."""
    if not REPOSITORY_NAME_MIN <= len(name) <= REPOSITORY_NAME_MAX:
        raise ValidationError(
            f"Repository name {name!r} is invalid: a repository name has {REPOSITORY_NAME_MIN} to "
            f"{REPOSITORY_NAME_MAX} characters.",
            code="repository_length",
        )
    if not REPOSITORY_PATTERN.match(name):
        raise ValidationError(
            f"Repository name {name!r} is invalid: use lower-case letters and digits, separated by single "
            "dots, underscores or hyphens, with slashes between path components.",
            code="repository_characters",
        )
    return name


def storage_role_name(project) -> str:
    """Return the name of the role that people's storage credentials come from."""
    return _role_name(f"{RESOURCE_PREFIX}{project.tag_value}-storage")


def workload_role_name(project, engine) -> str:
    """Return the name of the project's workload role for one engine."""
    return _role_name(f"{RESOURCE_PREFIX}{project.tag_value}-{engine.tag_value}-workload")


def project_role_prefix(project) -> str:
    """Return the prefix of every IAM role name the project owns (for the teardown sweep)."""
    return f"{RESOURCE_PREFIX}{project.tag_value}-"


def _role_name(name: str) -> str:
    if len(name) > IAM_ROLE_NAME_MAX:
        raise ValueError(f"IAM role name {name!r} is longer than {IAM_ROLE_NAME_MAX} characters.")
    return name
