"""The project's variable pages: list, add, edit, delete and bulk edit, with sensitive values write-only."""

import secrets
import sys

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import reverse
from django.views.debug import technical_500_response

from audit.models import AuditEvent
from organisations.models import Role
from organisations.permissions import SUPPORT_GROUP, Actor
from projects.models import ProjectMember, ProjectRole, ProjectStatus
from projects.services.variables import set_project_variable
from secrets_vault.import_seals import SealedImport, seal_import
from secrets_vault.services import list_variables, runtime_environment
from tests.factories import make_member, make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db(databases=["default", "vault"])


def canary(label: str) -> str:
    return f"canary-{label}-{secrets.token_hex(8)}"


@pytest.fixture
def project():
    return make_project(make_organisation())


@pytest.fixture
def member(project):
    user = make_user("grace")
    ProjectMember.objects.create(project=project, user=user, role=ProjectRole.MEMBER)
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def url(project, name: str, **kwargs) -> str:
    return reverse(f"projects:{name}", kwargs={"org": project.organisation.slug, "pk": project.pk, **kwargs})


def plant(project, name: str, value: str, *, sensitive: bool = True, scope: str = "runtime"):
    return set_project_variable(project, actor=Actor.operator("alice"), name=name, value=value, scope=scope,
                                sensitive=sensitive)


def stored(project) -> dict[str, str]:
    return runtime_environment(project.pk)


def test_list_shows_plain_value_hides_sensitive(member_client, project):
    secret = canary("list")
    plant(project, "DB_PASSWORD", secret)
    plant(project, "LOG_LEVEL", "debug", sensitive=False)

    response = member_client.get(url(project, "project-variables"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "DB_PASSWORD" in page
    assert "debug" in page
    assert "set, updated" in page
    assert "by alice" in page
    assert secret not in page


def test_list_shows_pending_sync(member_client, project):
    project.variables_sync_pending = True
    project.save()

    page = member_client.get(url(project, "project-variables")).content.decode()

    assert "has not reached the engines yet" in page


def test_nav_shows_variables_tab_to_members(member_client, project):
    page = member_client.get(url(project, "project-detail")).content.decode()

    assert url(project, "project-variables") in page


def test_nav_hides_tab_from_infrastructure_admin(client, project):
    client.force_login(make_member(project.organisation, Role.INFRASTRUCTURE_ADMIN))

    page = client.get(url(project, "project-detail")).content.decode()

    assert url(project, "project-variables") not in page


def test_support_staff_cannot_open_variables(client, project):
    user = make_user()
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name=SUPPORT_GROUP)[0])
    client.force_login(user)

    response = client.get(url(project, "project-variables"))

    assert response.status_code == 404


def test_create_stores_sensitive_value(member_client, project, member):
    secret = canary("create")

    response = member_client.post(url(project, "variable-create"),
                                  {"name": "API_TOKEN", "scope": "runtime", "value": secret, "sensitive": "on"})

    assert response.status_code == 302
    assert stored(project) == {"API_TOKEN": secret}
    event = AuditEvent.objects.get(action="environment_variable.create")
    assert event.details["name"] == "API_TOKEN"
    assert event.actor_label == member.get_username()
    assert secret not in repr(event.__dict__)


def test_create_normalises_textarea_newlines(member_client, project):
    member_client.post(url(project, "variable-create"),
                       {"name": "CERTIFICATE", "scope": "runtime", "value": "line one\r\nline two"})

    assert stored(project) == {"CERTIFICATE": "line one\nline two"}


def test_create_duplicate_rejected(member_client, project):
    plant(project, "API_TOKEN", "first-value")

    response = member_client.post(url(project, "variable-create"),
                                  {"name": "API_TOKEN", "scope": "runtime", "value": "second-value", "sensitive": "on"})

    assert response.status_code == 400
    assert "edit that one instead" in response.content.decode()
    assert stored(project) == {"API_TOKEN": "first-value"}


def test_create_error_never_renders_sensitive_value(member_client, project):
    secret = canary("rejected")

    response = member_client.post(url(project, "variable-create"),
                                  {"name": "AICHOR_TOKEN", "scope": "runtime", "value": secret, "sensitive": "on"})

    assert response.status_code == 400
    assert "reserved prefix" in response.content.decode()
    assert secret not in response.content.decode()
    assert list_variables(project.pk) == []


def test_create_error_keeps_plain_value(member_client, project):
    response = member_client.post(url(project, "variable-create"),
                                  {"name": "1BAD", "scope": "runtime", "value": "plain-text-value"})

    assert response.status_code == 400
    assert "plain-text-value" in response.content.decode()


def test_edit_form_never_renders_sensitive_value(member_client, project):
    secret = canary("edit")
    variable = plant(project, "DB_PASSWORD", secret)

    response = member_client.get(url(project, "variable-edit", variable_pk=variable.id))

    assert response.status_code == 200
    assert "Leave blank to keep the stored value" in response.content.decode()
    assert secret not in response.content.decode()


def test_edit_form_shows_plain_value(member_client, project):
    variable = plant(project, "LOG_LEVEL", "warning", sensitive=False)

    response = member_client.get(url(project, "variable-edit", variable_pk=variable.id))

    assert "warning" in response.content.decode()


def test_edit_blank_keeps_sensitive_value(member_client, project):
    variable = plant(project, "DB_PASSWORD", "kept-value")

    response = member_client.post(url(project, "variable-edit", variable_pk=variable.id),
                                  {"value": "", "sensitive": "on"})

    assert response.status_code == 302
    assert stored(project) == {"DB_PASSWORD": "kept-value"}
    assert AuditEvent.objects.filter(action="environment_variable.update", details__value_replaced=False).exists()


def test_edit_replaces_sensitive_value(member_client, project):
    variable = plant(project, "DB_PASSWORD", "old-value")

    member_client.post(url(project, "variable-edit", variable_pk=variable.id), {"value": "new-value", "sensitive": "on"})

    assert stored(project) == {"DB_PASSWORD": "new-value"}


def test_edit_to_plain_needs_new_value(member_client, project):
    variable = plant(project, "DB_PASSWORD", "hidden-value")

    response = member_client.post(url(project, "variable-edit", variable_pk=variable.id), {"value": ""})

    assert response.status_code == 400
    assert "enter a new value" in response.content.decode()
    assert list_variables(project.pk)[0].sensitive is True


def test_edit_of_other_project_variable_not_found(member_client, project):
    other = make_project(project.organisation)
    variable = plant(other, "DB_PASSWORD", "other-value")

    response = member_client.get(url(project, "variable-edit", variable_pk=variable.id))

    assert response.status_code == 404


def test_delete_removes_variable(member_client, project):
    variable = plant(project, "DB_PASSWORD", "doomed-value")

    response = member_client.post(url(project, "variable-delete", variable_pk=variable.id))

    assert response.status_code == 302
    assert list_variables(project.pk) == []
    assert AuditEvent.objects.get(action="environment_variable.delete").details["name"] == "DB_PASSWORD"


def test_deleted_project_rejects_changes(member_client, project):
    project.status = ProjectStatus.DELETED
    project.save()

    response = member_client.post(url(project, "variable-create"),
                                  {"name": "API_TOKEN", "scope": "runtime", "value": "late-value"}, follow=True)

    assert "can no longer change" in response.content.decode()
    assert list_variables(project.pk) == []


def upload(text: str, **fields):
    return {"file": SimpleUploadedFile(".env", text.encode()), "scope": "runtime", "sensitive": "on", **fields}


def test_import_preview_masks_sensitive_values(member_client, project):
    plant(project, "LOG_LEVEL", "info", sensitive=False)
    plant(project, "OLD_TOKEN", "old-token-value")
    secret = canary("import")

    response = member_client.post(url(project, "variable-import"), upload(f"LOG_LEVEL=debug\nAPI_TOKEN={secret}\n"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 added, 1 changed, 1 removed" in page
    assert "debug" in page
    assert "********" in page
    assert secret not in page
    assert "old-token-value" not in page
    assert stored(project) == {"LOG_LEVEL": "info", "OLD_TOKEN": "old-token-value"}


def preview_form(response) -> dict:
    """Return the hidden fields of the preview's apply form."""
    context = response.context
    return {"sealed": context["apply_form"].initial["sealed"], "fingerprint": context["apply_form"].initial["fingerprint"]}


def test_import_apply_changes_in_one_go(member_client, project):
    plant(project, "OLD_TOKEN", "old-token-value")
    preview = member_client.post(url(project, "variable-import"), upload("API_TOKEN=new-token\nLOG_LEVEL=debug\n"))

    response = member_client.post(url(project, "variable-import-apply"), preview_form(preview), follow=True)

    assert "1 removed" in response.content.decode()
    assert stored(project) == {"API_TOKEN": "new-token", "LOG_LEVEL": "debug"}


def test_import_apply_after_change_conflicts(member_client, project):
    preview = member_client.post(url(project, "variable-import"), upload("API_TOKEN=new-token\n"))
    plant(project, "MEANWHILE", "written-meanwhile")

    response = member_client.post(url(project, "variable-import-apply"), preview_form(preview), follow=True)

    assert "changed since the preview" in response.content.decode()
    assert stored(project) == {"MEANWHILE": "written-meanwhile"}


def test_import_seal_of_other_user_rejected(member_client, project):
    sealed = seal_import(SealedImport(project_id=project.pk, scope="runtime", sensitive=True, user_id=None,
                                      text="API_TOKEN=forged\n"))

    response = member_client.post(url(project, "variable-import-apply"), {"sealed": sealed, "fingerprint": "0" * 64},
                                  follow=True)

    assert "another project or user" in response.content.decode()
    assert stored(project) == {}


def test_import_invalid_file_names_line(member_client, project):
    secret = canary("bad-file")

    response = member_client.post(url(project, "variable-import"), upload(f"GOOD=1\n{secret}\n"))

    assert response.status_code == 400
    assert "Line 2" in response.content.decode()
    assert secret not in response.content.decode()


def test_import_page_carries_no_plaintext(member_client, project):
    secret = canary("sealed")

    response = member_client.post(url(project, "variable-import"), upload(f"API_TOKEN={secret}\n"))

    assert secret not in response.content.decode()
    assert preview_form(response)["sealed"] in response.content.decode()


def test_server_error_hides_posted_value(project, member, monkeypatch, settings):
    """A failure while saving a value leaves it out of the error report (request data and frame variables)."""
    settings.DEBUG = False
    secret = canary("server-error")

    def fail(*args, **kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr("projects.views.variables.set_project_variable", fail)
    captured = {}

    def keep_exception(sender, request, **kwargs):
        captured["request"], captured["exc_info"] = request, sys.exc_info()

    client = Client(raise_request_exception=False)
    client.force_login(member)
    got_request_exception.connect(keep_exception)
    try:
        response = client.post(url(project, "variable-create"),
                               {"name": "API_TOKEN", "scope": "runtime", "value": secret, "sensitive": "on"})
    finally:
        got_request_exception.disconnect(keep_exception)

    report = technical_500_response(captured["request"], *captured["exc_info"]).content.decode()
    assert response.status_code == 500
    assert "storage failed" in report
    assert "API_TOKEN" in report
    assert secret not in report
