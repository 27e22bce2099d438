from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self):
        # Importing the plans registers them with the runner under the kind "project".
        import projects.provisioning.plans  # noqa: F401
        from organisations.signals import invitation_accepted
        from projects.services.members import add_member_from_invitation
        from projects.services.variable_sync import on_variables_changed
        from secrets_vault.signals import variables_changed

        invitation_accepted.connect(add_member_from_invitation, dispatch_uid="projects.add_member_from_invitation")
        variables_changed.connect(on_variables_changed, dispatch_uid="projects.sync_variables")
