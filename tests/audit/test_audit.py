"""Audit events: append-only rows, written inside the change's transaction, listed per organisation."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from audit.models import AppendOnlyError, AuditEvent
from organisations.permissions import Actor
from tests.factories import make_cloud_account, make_member, make_organisation


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def admin_user(organisation):
    return make_member(organisation, username="alice")


def record(action, target=None, *, label="alice", organisation=None, user=None):
    with transaction.atomic():
        return audit.record(Actor(user=user, label=label), action, target, organisation=organisation)


@pytest.mark.django_db
def test_record_fills_event(organisation, admin_user):
    account = make_cloud_account(organisation, name="production")
    actor = Actor(user=admin_user, label="alice", source_ip="192.0.2.7")

    with transaction.atomic():
        event = audit.record(actor, "cloud_account.create", account, details={"provider": "aws"})

    event.refresh_from_db()
    assert event.organisation == organisation
    assert event.actor == admin_user
    assert event.actor_label == "alice"
    assert event.action == "cloud_account.create"
    assert event.target_type == "engines.CloudAccount"
    assert event.target_id == str(account.pk)
    assert event.target_label == "production"
    assert event.source_ip == "192.0.2.7"
    assert event.details == {"provider": "aws"}


@pytest.mark.django_db
def test_saving_existing_event_raises(organisation):
    event = record("organisation.view", organisation=organisation)
    event.action = "changed"

    with pytest.raises(AppendOnlyError):
        event.save()

    event.refresh_from_db()
    assert event.action == "organisation.view"


@pytest.mark.django_db
def test_deleting_event_raises(organisation):
    event = record("organisation.view", organisation=organisation)

    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_queryset_update_raises(organisation):
    record("organisation.view", organisation=organisation)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(organisation=organisation).update(action="changed")

    assert AuditEvent.objects.get().action == "organisation.view"


@pytest.mark.django_db
def test_queryset_delete_raises(organisation):
    record("organisation.view", organisation=organisation)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_record_outside_transaction_raises(organisation):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(Actor.operator(), "organisation.view", organisation=organisation)

    assert not AuditEvent.objects.exists()


def page_actions(response) -> list[str]:
    return [event.action for event in response.context["page"].object_list]


@pytest.mark.django_db
def test_page_lists_own_organisation_only(client, organisation, admin_user):
    record("engine.create", organisation=organisation)
    record("engine.delete", organisation=make_organisation())
    client.force_login(admin_user)

    response = client.get(reverse("audit:event-list", kwargs={"org": organisation.slug}))

    assert response.status_code == 200
    assert page_actions(response) == ["engine.create"]


@pytest.mark.django_db
def test_page_filters_by_action(client, organisation, admin_user):
    record("engine.create", organisation=organisation)
    record("cloud_account.create", organisation=organisation)
    client.force_login(admin_user)

    response = client.get(reverse("audit:event-list", kwargs={"org": organisation.slug}), {"action": "engine"})

    assert page_actions(response) == ["engine.create"]


@pytest.mark.django_db
def test_page_filters_by_actor(client, organisation, admin_user):
    record("engine.create", organisation=organisation, label="alice")
    record("engine.delete", organisation=organisation, label="bob")
    client.force_login(admin_user)

    response = client.get(reverse("audit:event-list", kwargs={"org": organisation.slug}), {"actor": "BO"})

    assert page_actions(response) == ["engine.delete"]


@pytest.mark.django_db
def test_page_filters_by_target(client, organisation, admin_user):
    record("cloud_account.create", make_cloud_account(organisation, name="production"))
    record("cloud_account.create", make_cloud_account(organisation, name="staging"))
    client.force_login(admin_user)

    response = client.get(reverse("audit:event-list", kwargs={"org": organisation.slug}), {"target": "stag"})

    events = response.context["page"].object_list
    assert [event.target_label for event in events] == ["staging"]


@pytest.mark.django_db
def test_page_filters_by_date(client, organisation, admin_user, monkeypatch):
    for day, action in [(1, "engine.create"), (2, "engine.check"), (3, "engine.delete")]:
        moment = datetime.datetime(2026, 3, day, 12, tzinfo=datetime.UTC)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        record(action, organisation=organisation)
    monkeypatch.undo()
    client.force_login(admin_user)

    response = client.get(
        reverse("audit:event-list", kwargs={"org": organisation.slug}), {"since": "2026-03-02", "until": "2026-03-02"}
    )

    assert page_actions(response) == ["engine.check"]


@pytest.mark.django_db
def test_page_shows_event_row(client, organisation, admin_user):
    record("engine.create", organisation=organisation, label="alice")
    client.force_login(admin_user)

    response = client.get(reverse("audit:event-list", kwargs={"org": organisation.slug}))

    assert b"<code>engine.create</code>" in response.content
