"""The support console for variables: set or not set only, no lookups on the encrypted column."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from organisations.permissions import SUPPORT_GROUP
from secrets_vault.admin import EnvironmentVariableAdmin
from secrets_vault.models import EnvironmentVariable
from tests.factories import make_user
from tests.secrets_vault.helpers import VAULT_DB, plant

pytestmark = VAULT_DB

CHANGELIST = "admin:secrets_vault_environmentvariable_changelist"
SECRET = "admin-must-not-show-this"
PUBLIC = "public-but-still-hidden"


@pytest.fixture
def superuser():
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def support_user():
    user = make_user("support", is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return user


@pytest.fixture
def variables():
    plant(1, "DB_PASSWORD", SECRET, sensitive=True)
    plant(1, "LOG_LEVEL", PUBLIC, sensitive=False)
    plant(1, "EMPTY_ONE", "", sensitive=False)
    return {variable.name: variable for variable in EnvironmentVariable.objects.all()}


@pytest.mark.parametrize("user_fixture", ["superuser", "support_user"])
def test_changelist_shows_set_not_value(client, request, variables, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse(CHANGELIST))

    content = response.content.decode()
    assert response.status_code == 200
    assert "DB_PASSWORD" in content
    assert ">set<" in content
    assert ">not set<" in content
    assert SECRET not in content
    assert PUBLIC not in content


@pytest.mark.parametrize("user_fixture", ["superuser", "support_user"])
def test_change_page_shows_set_not_value(client, request, variables, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    url = reverse("admin:secrets_vault_environmentvariable_change", args=[variables["DB_PASSWORD"].pk])

    response = client.get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert "set" in content
    assert SECRET not in content
    assert 'name="value"' not in content


def test_change_page_is_read_only_for_superuser(client, superuser, variables):
    client.force_login(superuser)
    url = reverse("admin:secrets_vault_environmentvariable_change", args=[variables["LOG_LEVEL"].pk])

    response = client.post(url, {"name": "CHANGED", "value": "x"})

    assert response.status_code == 403
    assert EnvironmentVariable.objects.get(pk=variables["LOG_LEVEL"].pk).name == "LOG_LEVEL"


def test_add_page_refused(client, superuser):
    client.force_login(superuser)

    assert client.get(reverse("admin:secrets_vault_environmentvariable_add")).status_code == 403


@pytest.mark.parametrize("query", ["value=x", "value__startswith=a", "value__isnull=True", "value__contains=x"])
def test_lookup_on_encrypted_column_rejected(client, superuser, variables, query):
    client.force_login(superuser)

    response = client.get(f"{reverse(CHANGELIST)}?{query}")

    assert response.status_code == 400


def test_lookup_on_plain_column_allowed(client, superuser, variables):
    client.force_login(superuser)

    response = client.get(f"{reverse(CHANGELIST)}?sensitive__exact=1")

    assert response.status_code == 200
    assert "DB_PASSWORD" in response.content.decode()
    assert "LOG_LEVEL" not in response.content.decode()


def test_search_matches_names_only(client, superuser, variables):
    client.force_login(superuser)

    by_name = client.get(reverse(CHANGELIST), {"q": "LOG_"}).content.decode()
    by_value = client.get(reverse(CHANGELIST), {"q": PUBLIC}).content.decode()

    assert "LOG_LEVEL" in by_name
    assert "LOG_LEVEL" not in by_value


def test_value_column_not_sortable():
    model_admin = EnvironmentVariableAdmin(EnvironmentVariable, admin.site)

    assert "value_status" not in model_admin.get_sortable_by(None)
    assert "value" not in model_admin.get_sortable_by(None)


def test_ordering_by_value_column_ignored(client, superuser, variables):
    client.force_login(superuser)
    value_index = EnvironmentVariableAdmin.list_display.index("value_status")

    response = client.get(reverse(CHANGELIST), {"o": str(value_index)})

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
