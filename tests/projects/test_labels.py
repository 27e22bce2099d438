"""Project labels: valid both as AWS tags and as Kubernetes labels."""

import pytest
from django.core.exceptions import ValidationError

from projects.labels import MAX_LABELS, format_labels, parse_labels, validate_label, validate_labels


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("team", "vision"),
        ("cost-centre", "rd-42"),
        ("example.com/owner", "ada.lovelace"),
        ("a", ""),
        ("A_b.c-D", "X_y.z-1"),
        ("x" * 63, "y" * 63),
    ],
)
def test_label_accepts(key, value):
    validate_label(key, value)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("", "v", "label_key_empty"),
        ("x" * 129, "v", "label_key_length"),
        ("x" * 64, "v", "label_key_name"),
        ("-team", "v", "label_key_name"),
        ("team-", "v", "label_key_name"),
        ("team name", "v", "label_key_name"),
        ("aws:team", "v", "label_key_name"),
        ("Example.com/team", "v", "label_key_prefix"),
        ("/team", "v", "label_key_prefix"),
        ("example.com/", "v", "label_key_name"),
        ("kubernetes.io/team", "v", "label_key_reserved"),
        ("node.kubernetes.io/team", "v", "label_key_reserved"),
        ("k8s.io/team", "v", "label_key_reserved"),
        ("aichor.ai/project", "v", "label_key_reserved"),
        ("team", "v" * 64, "label_value_length"),
        ("team", "-vision", "label_value_characters"),
        ("team", "vision lab", "label_value_characters"),
        ("team", "vision/lab", "label_value_characters"),
        ("team", "vision@lab", "label_value_characters"),
    ],
)
def test_label_rejects(key, value, code):
    with pytest.raises(ValidationError) as caught:
        validate_label(key, value)

    assert caught.value.code == code


def test_too_many_labels_rejected():
    labels = {f"key{index}": "v" for index in range(MAX_LABELS + 1)}

    with pytest.raises(ValidationError) as caught:
        validate_labels(labels)

    assert caught.value.code == "too_many_labels"


def test_every_problem_reported():
    with pytest.raises(ValidationError) as caught:
        validate_labels({"-a": "v", "b": "-v"})

    assert len(caught.value.messages) == 2


def test_parse_reads_lines_and_commas():
    assert parse_labels("team=vision\n cost-centre = rd-42 , empty=") == {
        "team": "vision", "cost-centre": "rd-42", "empty": "",
    }


@pytest.mark.parametrize("text", ["team", "team=a\nteam=b", "=v"])
def test_parse_rejects(text):
    with pytest.raises(ValidationError):
        parse_labels(text)


def test_format_round_trips():
    labels = {"team": "vision", "cost-centre": "rd-42"}

    assert parse_labels(format_labels(labels)) == labels
