"""Portal-wide views that belong to no app."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Answer a load balancer's health check: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
