"""View decorator that resolves the organisation in the URL and checks the permission module."""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404

from organisations.models import Organisation
from organisations.permissions import Actor, Permission, require, roles_of


def organisation_view(permission: Permission):
    """Load the `org` URL argument, return 404 to non-members, and require the permission.

    The view receives the request with `request.organisation` and `request.actor` set.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, org, *args, **kwargs):
            organisation = get_object_or_404(Organisation, slug=org)
            if not roles_of(request.user, organisation):
                raise Http404("No such organisation.")
            require(request.user, permission, organisation)
            request.organisation = organisation
            request.actor = Actor.from_request(request)
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
