"""Project pages: the list (filters, pages, query counts), the creation wizard, and the project's own pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engines.choices import EngineStatus, OperationKind, ResourceState
from organisations.models import Invitation, Role
from projects.models import Project, ProjectEngine, ProjectMember, ProjectResource, ProjectRole, ProjectStatus
from tests.factories import make_cloud_account, make_engine, make_member, make_organisation, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def admin_client(client, organisation):
    client.force_login(make_member(organisation, Role.ORGANISATION_ADMIN))
    return client


def list_url(organisation, **query):
    url = reverse("projects:project-list", kwargs={"org": organisation.slug})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def add_projects(organisation, count: int) -> None:
    """Insert `count` projects on two engines in bulk."""
    account = make_cloud_account(organisation)
    engines = [make_engine(account, status=EngineStatus.READY) for _ in range(2)]
    start = Project.objects.count()
    projects = Project.objects.bulk_create(
        Project(organisation=organisation, name=f"bulk-{start + index:04d}", namespace=f"bulk{start + index}-{index:016x}",
                repository_url="https://github.com/acme/research", repository_provider="github",
                default_engine=engines[0], status=ProjectStatus.READY)
        for index in range(count)
    )
    ProjectEngine.objects.bulk_create(
        ProjectEngine(project=project, engine=engine) for project in projects for engine in engines
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(admin_client, organisation):
    add_projects(organisation, 10)
    with_ten = count_queries(admin_client, list_url(organisation))

    add_projects(organisation, 490)
    with_five_hundred = count_queries(admin_client, list_url(organisation))

    assert with_five_hundred == with_ten
    assert with_ten <= 15


def test_list_pages_by_25(admin_client, organisation):
    add_projects(organisation, 60)

    response = admin_client.get(list_url(organisation, page=3))

    assert len(response.context["page"].object_list) == 10
    assert "Page 3 of 3 (60 projects)" in response.content.decode()


def test_list_shows_columns(admin_client, organisation):
    project = make_project(organisation, name="Vision")

    content = admin_client.get(list_url(organisation)).content.decode()

    assert 'href="https://github.com/acme/research"' in content
    assert project.default_engine.name in content
    assert project.namespace in content
    assert "Ready" in content


def test_list_filters(admin_client, organisation):
    vision = make_project(organisation, name="Vision")
    speech = make_project(organisation, name="Speech")
    other_engine = make_engine(speech.default_engine.cloud_account, status=EngineStatus.READY)
    speech.engine_assignments.create(engine=other_engine)

    def names(**query):
        return [project.name for project in admin_client.get(list_url(organisation, **query)).context["page"]]

    assert names(name="vis") == ["Vision"]
    assert names(namespace=speech.namespace.split("-")[1]) == ["Speech"]
    assert names(engine=other_engine.pk) == ["Speech"]
    assert names(engine=vision.default_engine.pk) == ["Vision"]
    assert names() == ["Speech", "Vision"]


def test_list_hides_deleted_unless_asked(admin_client, organisation):
    make_project(organisation, name="Gone", status=ProjectStatus.DELETED)

    assert "Gone" not in admin_client.get(list_url(organisation)).content.decode()
    assert "Gone" in admin_client.get(list_url(organisation, deleted=1)).content.decode()


def test_guest_sees_own_project_only(client, organisation):
    mine, other = make_project(organisation, name="Mine"), make_project(organisation, name="Other")
    guest = make_user()
    ProjectMember.objects.create(project=mine, user=guest, role=ProjectRole.MEMBER)
    client.force_login(guest)

    content = client.get(list_url(organisation)).content.decode()
    other_page = client.get(other.get_absolute_url())

    assert "Mine" in content
    assert "Other" not in content
    assert f">{other.default_engine.name}<" not in content
    assert reverse("engines:engine-list", kwargs={"org": organisation.slug}) not in content
    assert other_page.status_code == 404


def test_home_sends_guest_to_projects(client, organisation):
    guest = make_user()
    ProjectMember.objects.create(project=make_project(organisation), user=guest, role=ProjectRole.MEMBER)
    client.force_login(guest)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == list_url(organisation)


def test_navigation_links_to_projects(admin_client, organisation):
    content = admin_client.get(reverse("dashboard", kwargs={"org": organisation.slug})).content.decode()

    assert f'href="{list_url(organisation)}"' in content


def test_dashboard_lists_projects(admin_client, organisation):
    make_project(organisation, name="Vision")

    content = admin_client.get(reverse("dashboard", kwargs={"org": organisation.slug})).content.decode()

    assert "Vision" in content


def wizard_url(organisation, step=None):
    url = reverse("projects:project-create", kwargs={"org": organisation.slug})
    return f"{url}?step={step}" if step else url


def test_wizard_creates_project(admin_client, organisation):
    engine = make_engine(make_cloud_account(organisation), status=EngineStatus.READY)
    colleague = make_member(organisation, Role.FINOPS_ADMIN, username="grace")

    admin_client.get(wizard_url(organisation))
    response = admin_client.post(wizard_url(organisation), {
        "step": "basics", "name": "Vision", "description": "Image models",
        "repository_url": "https://github.com/acme/vision.git", "repository_provider": "",
    })
    assert response["Location"] == wizard_url(organisation, "engines")
    response = admin_client.post(wizard_url(organisation), {"step": "engines", "engines": [engine.pk],
                                                            "default_engine": engine.pk})
    assert response["Location"] == wizard_url(organisation, "people")
    response = admin_client.post(wizard_url(organisation), {
        "step": "people", "members": f"{colleague.email} member\noutsider@example.com admin", "labels": "team=vision",
    })
    assert response["Location"] == wizard_url(organisation, "review")
    review = admin_client.get(wizard_url(organisation, "review")).content.decode()
    assert "https://github.com/acme/vision" in review

    response = admin_client.post(wizard_url(organisation), {"step": "review"})

    project = organisation.projects.get()
    assert response["Location"] == project.get_absolute_url()
    assert project.labels == {"team": "vision"}
    assert project.repository_url == "https://github.com/acme/vision"
    assert project.operations.get().kind == OperationKind.CREATE
    assert project.members.filter(user=colleague, role=ProjectRole.MEMBER).exists()
    assert Invitation.objects.filter(email="outsider@example.com", project_id=project.pk).exists()


def test_wizard_shows_repository_error(admin_client, organisation):
    response = admin_client.post(wizard_url(organisation), {
        "step": "basics", "name": "Vision", "repository_url": "https://user:secret@github.com/acme/vision",
    })

    errors = response.context["form"].errors["repository_url"]
    assert response.status_code == 400
    assert "password or token" in errors[0]
    assert "secret" not in errors[0]


def test_wizard_rejects_bad_labels_and_members(admin_client, organisation):
    engine = make_engine(make_cloud_account(organisation), status=EngineStatus.READY)
    admin_client.post(wizard_url(organisation), {"step": "basics", "name": "Vision",
                                                 "repository_url": "https://github.com/acme/vision"})
    admin_client.post(wizard_url(organisation), {"step": "engines", "engines": [engine.pk],
                                                 "default_engine": engine.pk})

    response = admin_client.post(wizard_url(organisation), {"step": "people", "members": "not-an-email admin",
                                                            "labels": "team name=vision"})

    content = response.content.decode()
    assert response.status_code == 400
    assert "not a valid email address" in content
    assert "team name" in content


def test_wizard_offers_only_ready_engines(admin_client, organisation):
    account = make_cloud_account(organisation)
    ready = make_engine(account, status=EngineStatus.READY)
    failed = make_engine(account, status=EngineStatus.FAILED)
    admin_client.post(wizard_url(organisation), {"step": "basics", "name": "Vision",
                                                 "repository_url": "https://github.com/acme/vision"})

    response = admin_client.post(wizard_url(organisation), {"step": "engines", "engines": [failed.pk],
                                                            "default_engine": failed.pk})

    assert response.status_code == 400
    choices = [engine.pk for engine in response.context["form"].fields["engines"].queryset]
    assert choices == [ready.pk]


def test_wizard_step_needs_earlier_steps(admin_client, organisation):
    response = admin_client.get(wizard_url(organisation, "review"))

    assert response["Location"] == wizard_url(organisation, "basics")


def project_url(name, project, **extra):
    return reverse(f"projects:{name}", kwargs={"org": project.organisation.slug, "pk": project.pk, **extra})


def test_detail_shows_buckets_and_registry(admin_client, organisation):
    project = make_project(organisation)
    names = project.bucket_names()
    for purpose, name in names.items():
        ProjectResource.objects.create(project=project, key=f"bucket-{purpose}", type="s3_bucket", cloud_id=name,
                                       state=ResourceState.PRESENT, data={"purpose": purpose})
    ProjectResource.objects.create(project=project, key="registry", type="ecr_repository", cloud_id="arn:registry",
                                   state=ResourceState.PRESENT, data={"uri": f"example/{project.repository_name}"})

    content = admin_client.get(project.get_absolute_url()).content.decode()

    assert names["inputs"] in content
    assert names["outputs"] in content
    assert f"example/{project.repository_name}" in content


def test_detail_lists_retained_storage(admin_client, organisation):
    project = make_project(organisation, status=ProjectStatus.DELETED)
    ProjectResource.objects.create(project=project, key="bucket-inputs", type="s3_bucket", cloud_id="aichor-x-inputs",
                                   state=ResourceState.PRESENT, retained=True)

    content = admin_client.get(project.get_absolute_url()).content.decode()

    assert "still costing money" in content
    assert project_url("project-purge", project) in content


def test_members_page_adds_organisation_member(client, organisation):
    project = make_project(organisation)
    project_admin = make_user()
    ProjectMember.objects.create(project=project, user=project_admin, role=ProjectRole.ADMIN)
    colleague = make_member(organisation, Role.FINOPS_ADMIN)
    client.force_login(project_admin)

    response = client.post(project_url("project-members", project), {"email": colleague.email, "role": "member"})

    assert response.status_code == 302
    assert project.members.filter(user=colleague, role=ProjectRole.MEMBER).exists()


def test_member_sees_members_without_forms(client, organisation):
    project = make_project(organisation)
    member = make_user()
    ProjectMember.objects.create(project=project, user=member, role=ProjectRole.MEMBER)
    client.force_login(member)

    content = client.get(project_url("project-members", project)).content.decode()

    assert member.get_username() in content
    assert "Add or invite" not in content


def test_settings_reject_invalid_label(admin_client, organisation):
    project = make_project(organisation)

    response = admin_client.post(project_url("project-settings", project), {
        "description": "", "repository_url": project.repository_url, "labels": "aichor.ai/x=y",
    })

    assert response.status_code == 400
    assert "reserved" in response.content.decode()
    project.refresh_from_db()
    assert project.labels == {}


def test_delete_needs_typed_name(admin_client, organisation):
    project = make_project(organisation)

    response = admin_client.post(project_url("project-delete", project), {"confirm_name": "wrong"})

    assert response.status_code == 400
    assert not project.operations.exists()


def test_delete_with_typed_name_starts_operation(admin_client, organisation):
    project = make_project(organisation)

    response = admin_client.post(project_url("project-delete", project), {"confirm_name": project.name})

    assert response.status_code == 302
    operation = project.operations.get()
    assert operation.kind == OperationKind.DELETE
    assert operation.parameters["purge"] is False


def test_engines_page_assigns_ready_engine(admin_client, organisation):
    project = make_project(organisation)
    engine = make_engine(project.default_engine.cloud_account, status=EngineStatus.READY)

    response = admin_client.post(project_url("project-engines", project), {"engine": engine.pk})

    assert response.status_code == 302
    assert project.engine_assignments.filter(engine=engine).exists()
    assert project.operations.get().parameters["engines"] == [project.default_engine_id, engine.pk]


def test_engines_page_refuses_unready_engine(admin_client, organisation):
    project = make_project(organisation)
    engine = make_engine(project.default_engine.cloud_account, status=EngineStatus.PROVISIONING)

    response = admin_client.post(project_url("project-engines", project), {"engine": engine.pk})

    assert response.status_code == 400
    assert not project.engine_assignments.filter(engine=engine).exists()
