"""`manage.py envvar`: set reads the value from standard input; list shows values of non-sensitive variables only."""

import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from secrets_vault.services import list_variables, runtime_environment
from tests.factories import make_organisation, make_project

pytestmark = pytest.mark.django_db(databases=["default", "vault"])


@pytest.fixture
def project():
    return make_project(make_organisation(), "Vision")


def envvar(*arguments, stdin: str | None = None) -> str:
    output = io.StringIO()
    options = {"stdout": output}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command("envvar", *arguments, **options)
    return output.getvalue()


def set_variable(project, name: str, stdin: str, *flags: str) -> str:
    return envvar("set", "--org", project.organisation.slug, "--project", project.name, "--name", name, *flags,
                  stdin=stdin)


def list_output(project) -> str:
    return envvar("list", "--org", project.organisation.slug, "--project", project.name)


def test_set_reads_stdin(project):
    output = set_variable(project, "DB_PASSWORD", "from-stdin\n", "--sensitive")

    assert "Set DB_PASSWORD (runtime, sensitive) in project Vision." in output
    assert runtime_environment(project.pk) == {"DB_PASSWORD": "from-stdin"}


def test_set_drops_one_trailing_newline(project):
    set_variable(project, "MULTI_LINE", "first\nsecond\n\n")

    assert runtime_environment(project.pk) == {"MULTI_LINE": "first\nsecond\n"}


def test_set_drops_crlf_once(project):
    set_variable(project, "WINDOWS", "value\r\n")

    assert runtime_environment(project.pk) == {"WINDOWS": "value"}


def test_set_without_sensitive_flag_is_plain(project):
    set_variable(project, "LOG_LEVEL", "debug\n")

    assert list_variables(project.pk)[0].sensitive is False


def test_set_build_scope(project):
    set_variable(project, "PIP_INDEX_URL", "https://pypi.example.com/simple\n", "--scope", "build")

    assert [(variable.name, variable.scope) for variable in list_variables(project.pk)] == [("PIP_INDEX_URL", "build")]
    assert runtime_environment(project.pk) == {}


def test_set_empty_input_keeps_sensitive_value(project):
    set_variable(project, "DB_PASSWORD", "kept\n", "--sensitive")

    set_variable(project, "DB_PASSWORD", "", "--sensitive")

    assert runtime_environment(project.pk) == {"DB_PASSWORD": "kept"}


def test_set_is_audited_without_value(project):
    set_variable(project, "DB_PASSWORD", "audited-value\n", "--sensitive")

    event = AuditEvent.objects.get(action="environment_variable.create")
    assert event.actor_label == "operator"
    assert event.details["name"] == "DB_PASSWORD"
    assert "audited-value" not in repr(event.__dict__)


def test_set_has_no_value_argument(project):
    with pytest.raises(CommandError):
        envvar("set", "--org", project.organisation.slug, "--project", project.name, "--name", "X", "--value", "y",
               stdin="")


def test_set_invalid_name_rejected(project):
    with pytest.raises(CommandError) as caught:
        set_variable(project, "AICHOR_TOKEN", "value\n")

    assert "reserved prefix" in str(caught.value)
    assert list_variables(project.pk) == []


def test_set_unknown_project_rejected(project):
    with pytest.raises(CommandError) as caught:
        envvar("set", "--org", project.organisation.slug, "--project", "Nope", "--name", "X", stdin="y\n")

    assert "Nope" in str(caught.value)


def test_list_hides_sensitive_values(project):
    set_variable(project, "DB_PASSWORD", "hidden-value\n", "--sensitive")
    set_variable(project, "LOG_LEVEL", "debug\n")
    set_variable(project, "PIP_INDEX_URL", "https://pypi.example.com/simple\n", "--scope", "build")

    output = list_output(project)

    lines = output.splitlines()
    assert lines[0].split() == ["NAME", "SCOPE", "SENSITIVE", "VALUE"]
    assert "hidden-value" not in output
    assert any(line.split()[:3] == ["DB_PASSWORD", "runtime", "yes"] and "set, updated" in line for line in lines)
    assert any(line.split() == ["LOG_LEVEL", "runtime", "no", "debug"] for line in lines)
    assert any(line.split() == ["PIP_INDEX_URL", "build", "no", "https://pypi.example.com/simple"] for line in lines)


def test_list_escapes_newlines(project):
    set_variable(project, "MULTI_LINE", "first\nsecond\n")

    output = list_output(project)

    assert "first\\nsecond" in output


def test_list_empty_project(project):
    assert "has no variables" in list_output(project)
