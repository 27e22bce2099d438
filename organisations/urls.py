"""The members page and its actions, under `o/<org>/members/`."""

from django.urls import path

from organisations import member_views, views

urlpatterns = [
    path("", views.members, name="members"),
    path("invite/", member_views.invite, name="member-invite"),
    path("invitations/<int:pk>/resend/", member_views.resend_invitation, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", member_views.revoke_invitation, name="invitation-revoke"),
    path("<int:pk>/roles/", member_views.change_member_roles, name="member-roles"),
    path("<int:pk>/remove/", member_views.remove_member, name="member-remove"),
]
