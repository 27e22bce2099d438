"""Task functions for the django-q2 leak tests."""

from secrets_vault.models import EnvironmentVariable


def read_variable_value(variable_id: int) -> str:
    """Return a variable's value: a task that would leak it into its stored result."""
    return EnvironmentVariable.objects.get(pk=variable_id).value


def count_project_variables(project_id: int) -> int:
    return EnvironmentVariable.objects.filter(project_id=project_id).count()
