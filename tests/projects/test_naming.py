"""Names of project resources: the namespace derivation, and every S3, ECR and namespace naming rule."""

import pytest
from django.core.exceptions import ValidationError

from projects import naming


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("Vision", "vision"),
        ("Deep Learning Research Lab", "deeplearning"),
        ("Ünïcode & Symbols!", "ncodesymbols"),
        ("2024 models", "2024models"),
        ("---", "project"),
        ("Kube", "projectkube"),
    ],
)
def test_namespace_prefix(name, prefix):
    namespace = naming.derive_namespace(name, suffix="0123456789abcdef")

    assert namespace == f"{prefix}-0123456789abcdef"


def test_namespace_suffix_is_random_hex():
    first, second = naming.derive_namespace("vision"), naming.derive_namespace("vision")

    assert first != second
    assert len(first.rsplit("-", 1)[1]) == naming.NAMESPACE_SUFFIX_HEX_DIGITS
    int(first.rsplit("-", 1)[1], 16)


@pytest.mark.parametrize("name", ["a", "Vision", "x" * 200, "Kube System", "default", "kube-system", "-"])
def test_derived_namespace_is_valid_label(name):
    namespace = naming.derive_namespace(name)

    assert naming.validate_namespace(namespace) == namespace
    assert not namespace.startswith("kube-")
    assert namespace != "default"


@pytest.mark.parametrize(
    ("namespace", "code"),
    [
        ("", "namespace_length"),
        ("a" * 64, "namespace_length"),
        ("Vision", "namespace_characters"),
        ("-vision", "namespace_characters"),
        ("vision-", "namespace_characters"),
        ("vision_lab", "namespace_characters"),
        ("vision.lab", "namespace_characters"),
        ("default", "namespace_reserved"),
        ("kube-system", "namespace_reserved"),
        ("kube-anything", "namespace_reserved"),
    ],
)
def test_namespace_rule_rejects(namespace, code):
    with pytest.raises(ValidationError) as caught:
        naming.validate_namespace(namespace)

    assert caught.value.code == code


def test_bucket_names_follow_namespace():
    assert naming.bucket_name("vision-0123456789abcdef", "inputs") == "aichor-vision-0123456789abcdef-inputs"
    assert naming.bucket_name("vision-0123456789abcdef", "outputs") == "aichor-vision-0123456789abcdef-outputs"


def test_longest_bucket_name_is_valid():
    namespace = naming.derive_namespace("x" * 100)

    for purpose in naming.BUCKET_PURPOSES:
        name = naming.bucket_name(namespace, purpose)
        assert naming.validate_bucket_name(name) == name


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3 to 63 characters"),
        ("a" * 64, "3 to 63 characters"),
        ("Aichor-bucket", "lower-case letters"),
        ("aichor_bucket", "lower-case letters"),
        ("aichor bucket", "lower-case letters"),
        ("-aichor", "begins and ends"),
        ("aichor-", "begins and ends"),
        (".aichor", "begins and ends"),
        ("aichor..bucket", "two adjacent dots"),
        ("192.168.5.4", "IP address"),
        ("xn--aichor", "prefix xn--"),
        ("sthree-aichor", "prefix sthree-"),
        ("sthree-configurator-aichor", "prefix sthree-"),
        ("amzn-s3-demo-aichor", "prefix amzn-s3-demo-"),
        ("aichor-s3alias", "suffix -s3alias"),
        ("aichor--ol-s3", "suffix --ol-s3"),
        ("aichor.mrap", "suffix .mrap"),
        ("aichor--x-s3", "suffix --x-s3"),
        ("aichor--table-s3", "suffix --table-s3"),
    ],
)
def test_bucket_rule_rejects(name, rule):
    with pytest.raises(ValidationError) as caught:
        naming.validate_bucket_name(name)

    assert rule in caught.value.messages[0]


@pytest.mark.parametrize("name", ["aichor-vision-inputs", "my.bucket.name", "abc", "a" * 63, "1bucket1"])
def test_bucket_rule_accepts(name):
    assert naming.validate_bucket_name(name) == name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("a", "repository_length"),
        ("a" * 257, "repository_length"),
        ("Aichor", "repository_characters"),
        ("-aichor", "repository_characters"),
        ("aichor-", "repository_characters"),
        ("aichor--vision", "repository_characters"),
        ("aichor/", "repository_characters"),
        ("/aichor", "repository_characters"),
        ("aichor//vision", "repository_characters"),
        ("aichor vision", "repository_characters"),
        ("aichor:vision", "repository_characters"),
    ],
)
def test_repository_rule_rejects(name, code):
    with pytest.raises(ValidationError) as caught:
        naming.validate_repository_name(name)

    assert caught.value.code == code


@pytest.mark.parametrize("name", ["aichor-vision-0123456789abcdef", "team/project", "a.b_c-d", "ab"])
def test_repository_rule_accepts(name):
    assert naming.validate_repository_name(name) == name


def test_role_names_fit_iam_limit():
    class Thing:
        def __init__(self, tag_value):
            self.tag_value = tag_value

    project, engine = Thing("prj-999999999"), Thing("eng-999999999")

    assert len(naming.workload_role_name(project, engine)) <= naming.IAM_ROLE_NAME_MAX
    assert naming.storage_role_name(project) == "aichor-prj-999999999-storage"
    assert naming.workload_role_name(project, engine).startswith(naming.project_role_prefix(project))
