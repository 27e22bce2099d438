"""`manage.py envvar`: set and list a project's environment variables, through the same services as the pages.

`set` reads the value from standard input, never from an argument, which would land in shell
history and process lists. On a terminal it prompts without echo.
"""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from engines.management import lookup
from organisations.permissions import Actor
from projects.management.commands.project import find_project
from projects.services.variables import list_project_variables, set_project_variable
from secrets_vault.models import VariableScope


def strip_one_newline(value: str) -> str:
    """Drop one trailing newline (LF or CRLF), as `echo` or a file's last line adds it."""
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith("\n"):
        return value[:-1]
    return value


class Command(BaseCommand):
    help = "Set or list a project's environment variables."
    # call_command(..., stdin=...) replaces standard input, for tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)

        setter = subcommands.add_parser(
            "set", help="Create or update a variable. The value is read from standard input, without one trailing "
            "newline. With --sensitive, an empty input keeps the stored value of a sensitive variable.",
        )
        setter.add_argument("--org", required=True, help="Organisation slug.")
        setter.add_argument("--project", required=True, help="Project name.")
        setter.add_argument("--name", required=True, help="Variable name: letters, digits and underscores.")
        setter.add_argument("--scope", choices=VariableScope.values, default=VariableScope.RUNTIME,
                            help="runtime (written to the engines' aichor-env Secret, the default) or build "
                            "(kept for the image build).")
        setter.add_argument("--sensitive", action="store_true",
                            help="Make the value write-only: no page or command shows it again.")

        lister = subcommands.add_parser("list", help="List the variables: values of non-sensitive ones only.")
        lister.add_argument("--org", required=True, help="Organisation slug.")
        lister.add_argument("--project", required=True, help="Project name.")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    @sensitive_variables()
    def handle_set(self, *, org, project, name, scope, sensitive, **options):
        found = find_project(lookup.organisation(org), project)
        value = strip_one_newline(self._read_value(options.get("stdin") or sys.stdin, name))
        try:
            variable = set_project_variable(found, actor=Actor.operator(), name=name, value=value, scope=scope,
                                            sensitive=sensitive)
        except ValidationError as error:
            raise CommandError(f"Cannot set {name}: " + " ".join(error.messages)) from None

        flag = "sensitive" if variable.sensitive else "not sensitive"
        self.stdout.write(f"Set {variable.name} ({variable.scope}, {flag}) in project {found.name}.")
        if variable.scope == VariableScope.RUNTIME:
            self.stdout.write("Runtime variables reach the engines through a reconcile operation of the project.")

    @sensitive_variables()
    def _read_value(self, stream, name: str) -> str:
        if stream.isatty():
            return getpass.getpass(f"Value of {name} (not echoed): ")
        return stream.read()

    def handle_list(self, *, org, project, **options):
        found = find_project(lookup.organisation(org), project)
        variables = list_project_variables(found, actor=Actor.operator())
        if not variables:
            self.stdout.write(f"Project {found.name} has no variables.")
            return

        width = max(len(variable.name) for variable in variables)
        self.stdout.write(f"{'NAME':<{width}}  SCOPE    SENSITIVE  VALUE")
        for variable in variables:
            flag = "yes" if variable.sensitive else "no"
            displayed = variable.display_value if variable.sensitive else _one_line(variable.value)
            self.stdout.write(f"{variable.name:<{width}}  {variable.scope:<7}  {flag:<9}  {displayed}")


def _one_line(value: str) -> str:
    # Escaped, so that a multi-line value stays on its row.
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
