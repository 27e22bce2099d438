"""Leak suite: plant sensitive canary values, then look for them everywhere they could surface.

The canaries go in through the services (a set, an update and a `.env` import). Then the
suite fetches every admin changelist and change page and the pages of LEAK_CHECK_URLS as a
superuser, runs tasks, forces a server error with DEBUG=False, and captures the logs at DEBUG
throughout. No canary may appear in a page, a log line, an audit row, a django-q2 row, the
error report or the admins' error email.

To cover new pages, append a function to LEAK_CHECK_URLS: it receives the Planted record and
returns a URL (or a list of URLs).
"""

import logging
import secrets
import sys
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.core.signals import got_request_exception
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.debug import technical_500_response
from django_q.models import OrmQ, Schedule, Task
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from aichor_portal.logging_filters import RedactSecretsFilter
from audit.models import AuditEvent
from organisations.permissions import Actor
from secrets_vault import services
from secrets_vault.models import VariableScope
from tests.factories import make_member, make_organisation, make_project
from tests.secrets_vault.helpers import VAULT_DB

pytestmark = [VAULT_DB, pytest.mark.urls("tests.secrets_vault.leak_urls")]

# Admin change pages opened per model, at most: enough to cover every kind of row planted here.
MAX_CHANGE_PAGES_PER_MODEL = 25


def make_canary(label: str) -> str:
    # Built at run time, so that no source line quoted in an error report contains it.
    return "-".join(["canary", label, secrets.token_hex(8)])


@dataclass
class Planted:
    organisation: object
    superuser: object
    variable_ids: dict[str, int]
    canaries: list[str]
    project: object

    @property
    def project_id(self) -> int:
        return self.project.pk


@dataclass
class Surfaces:
    """Everything the operation produced that a reader could see, by where it was seen."""

    texts: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text) -> None:
        self.texts[where] = text if isinstance(text, str) else repr(text)

    def leaks(self, canaries: list[str]) -> list[str]:
        return sorted(where for where, text in self.texts.items() for canary in canaries if canary in text)


def organisation_pages(planted: Planted) -> list[str]:
    slug = planted.organisation.slug
    return [reverse("dashboard", kwargs={"org": slug}), reverse("audit:event-list", kwargs={"org": slug})]


def variable_pages(planted: Planted) -> list[str]:
    """The project's variable pages: the list, each variable's edit form, and the bulk edit upload."""
    kwargs = {"org": planted.organisation.slug, "pk": planted.project_id}
    edit_pages = [
        reverse("projects:variable-edit", kwargs={**kwargs, "variable_pk": variable_id})
        for variable_id in planted.variable_ids.values()
    ]
    return [
        reverse("projects:project-variables", kwargs=kwargs),
        reverse("projects:variable-create", kwargs=kwargs),
        reverse("projects:variable-import", kwargs=kwargs),
        *edit_pages,
    ]


# Pages fetched as the superuser, who is also an organisation admin of the planted organisation.
LEAK_CHECK_URLS: list[Callable[[Planted], str | list[str]]] = [organisation_pages, variable_pages]


class CapturingHandler(logging.Handler):
    """Keep every formatted record, after the same redaction filter settings install on handlers."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.addFilter(RedactSecretsFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def debug_logs():
    """Capture every log record at DEBUG, including SQL, for the duration of the test."""
    handler = CapturingHandler()
    loggers = [logging.getLogger(name) for name in ("", "django", "django.db.backends", "django_q", "django-q")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        with CaptureQueriesContext(connections["default"]), CaptureQueriesContext(connections["vault"]):
            yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@pytest.fixture
def planted(debug_logs):
    organisation = make_organisation()
    superuser = make_member(organisation, username="root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    actor = Actor(user=superuser, label="root", source_ip="192.0.2.1")
    project = make_project(organisation)
    project_id = project.pk
    first, updated, imported = make_canary("set"), make_canary("updated"), make_canary("imported")

    changed_by = {"scope": VariableScope.RUNTIME, "actor": actor, "organisation": organisation}

    services.set_variable(project_id, "DB_PASSWORD", first, sensitive=True, **changed_by)
    services.set_variable(project_id, "DB_PASSWORD", updated, sensitive=True, **changed_by)
    services.set_variable(project_id, "LOG_LEVEL", "debug", sensitive=False, **changed_by)
    text = f"DB_PASSWORD=\nLOG_LEVEL=debug\nAPI_TOKEN={imported}\n"
    preview = services.preview_import(project_id, text, scope=VariableScope.RUNTIME)
    services.apply_import(project_id, text, expected_fingerprint=preview.fingerprint, **changed_by)
    services.list_variables(project_id)

    variable_ids = {summary.name: summary.id for summary in services.list_variables(project_id)}
    return Planted(organisation, superuser, variable_ids, [first, updated, imported], project)


@pytest.fixture
def surfaces(planted, debug_logs, settings):
    """Run the whole operation on the planted canaries and collect what it produced."""
    settings.DEBUG = False
    settings.ADMINS = [("Admins", "admins@example.com")]
    collected = Surfaces()
    collected.add("import preview",
                  services.preview_import(planted.project_id, "API_TOKEN=x\n", scope=VariableScope.RUNTIME))

    _run_tasks(planted)
    client = Client(raise_request_exception=False)
    client.force_login(planted.superuser)
    for url in _admin_urls() + _extra_urls(planted):
        response = client.get(url)
        collected.add(f"page {url} ({response.status_code})", response.content.decode(errors="replace"))
    _force_server_error(client, planted, collected)

    collected.add("logs", "\n".join(debug_logs.lines))
    for event in AuditEvent.objects.all():
        collected.add(f"audit event {event.pk}", event.__dict__)
    _collect_task_rows(collected)
    return collected


def _run_tasks(planted: Planted) -> None:
    variable_id = planted.variable_ids["DB_PASSWORD"]
    async_task("tests.secrets_vault.tasks.read_variable_value", variable_id, sync=True)
    async_task("tests.secrets_vault.tasks.count_project_variables", planted.project_id, sync=True)
    if "orm" in settings.Q_CLUSTER:
        # Left queued, so that an OrmQ row exists to scan.
        async_task("tests.secrets_vault.tasks.count_project_variables", planted.project_id)


def _admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        for pk in model._default_manager.values_list("pk", flat=True)[:MAX_CHANGE_PAGES_PER_MODEL]:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    return urls


def _extra_urls(planted: Planted) -> list[str]:
    urls = []
    for build in LEAK_CHECK_URLS:
        built = build(planted)
        urls.extend([built] if isinstance(built, str) else built)
    return urls


def _force_server_error(client: Client, planted: Planted, collected: Surfaces) -> None:
    captured = {}

    def keep_exception(sender, request, **kwargs):
        captured["request"], captured["exc_info"] = request, sys.exc_info()

    got_request_exception.connect(keep_exception)
    try:
        response = client.get(reverse("leak-fail", args=[planted.variable_ids["DB_PASSWORD"]]))
    finally:
        got_request_exception.disconnect(keep_exception)

    assert response.status_code == 500
    collected.add("500 response", response.content.decode())
    technical = technical_500_response(captured["request"], *captured["exc_info"])
    collected.add("technical 500 page", technical.content.decode())
    assert len(mail.outbox) == 1, "the admins' error email was not sent"
    message = mail.outbox[0]
    collected.add("error email subject", message.subject)
    collected.add("error email body", message.body)
    for number, (content, _) in enumerate(message.alternatives):
        collected.add(f"error email alternative {number}", content)


def _collect_task_rows(collected: Surfaces) -> None:
    for task in Task.objects.all():
        row = [task.name, task.func, task.hook, task.args, task.kwargs, task.result, task.group]
        collected.add(f"task {task.pk}", row)
    for queued in OrmQ.objects.all():
        collected.add(f"queued task {queued.pk}", [queued.payload, SignedPackage.loads(queued.payload)])
    for schedule in Schedule.objects.all():
        row = [schedule.name, schedule.func, schedule.hook, schedule.args, schedule.kwargs]
        collected.add(f"schedule {schedule.pk}", row)


def test_canaries_stored(planted):
    stored = {summary.name for summary in services.list_variables(planted.project_id)}

    assert stored == {"DB_PASSWORD", "LOG_LEVEL", "API_TOKEN"}


def test_pages_hide_canaries(planted, surfaces):
    pages = {where: text for where, text in surfaces.texts.items() if where.startswith("page ")}

    assert any("secrets_vault/environmentvariable/" in where for where in pages)
    assert len([where for where in pages if "/variables/" in where]) == 3 + len(planted.variable_ids)
    assert all("(200)" in where for where in pages), [where for where in pages if "(200)" not in where]
    assert [where for where in pages for canary in planted.canaries if canary in pages[where]] == []


def test_logs_hide_canaries(planted, surfaces, debug_logs):
    assert any("secrets_vault" in line for line in debug_logs.lines), "no vault activity was logged"
    assert any("Internal Server Error" in line for line in debug_logs.lines)
    assert "logs" not in surfaces.leaks(planted.canaries)


def test_audit_rows_hide_canaries(planted, surfaces):
    audited = [where for where in surfaces.texts if where.startswith("audit event ")]

    assert len(audited) >= 4
    assert [where for where in surfaces.leaks(planted.canaries) if where.startswith("audit event ")] == []


def test_task_rows_hide_canaries(planted, surfaces):
    task_rows = [where for where in surfaces.texts if where.startswith(("task ", "queued task ", "schedule "))]

    assert len([where for where in task_rows if where.startswith("task ")]) == 2
    assert [where for where in surfaces.leaks(planted.canaries) if where in task_rows] == []


def test_error_report_hides_canaries(planted, surfaces):
    reports = [where for where in surfaces.texts if where.startswith(("500 response", "technical 500", "error email"))]

    assert "fail_after_reading" in surfaces.texts["technical 500 page"]
    assert "synchronisation failed for DB_PASSWORD" in surfaces.texts["error email body"]
    assert [where for where in surfaces.leaks(planted.canaries) if where in reports] == []


def test_nothing_leaks_anywhere(planted, surfaces):
    assert surfaces.leaks(planted.canaries) == []
