"""The periodic passes, as django-q2 schedules created after every migration."""

from datetime import timedelta

from django.utils import timezone

# django-q2's shortest interval is one minute, while its scheduler looks every 30 seconds.
# Two schedules half a minute apart make the due-step pass run every 30 seconds, the
# interval of boto3's own EKS waiter.
POLL_SCHEDULES = {
    "aichor-poll-due-operations-a": timedelta(0),
    "aichor-poll-due-operations-b": timedelta(seconds=30),
}
REAPER_SCHEDULE = "aichor-reap-stalled-operations"


def ensure_schedules(sender=None, using="default", **kwargs) -> None:
    """Create the due-step and reaper schedules when they are missing."""
    from django.db import router
    from django_q.models import Schedule

    # `migrate --database vault` emits the signal too; django-q2's tables exist only in `default`.
    if not router.allow_migrate_model(using, Schedule):
        return
    now = timezone.now()
    for name, offset in POLL_SCHEDULES.items():
        Schedule.objects.using(using).get_or_create(
            name=name,
            defaults={
                "func": "engines.provisioning.tasks.poll_due_operations",
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
                "next_run": now + offset,
            },
        )
    Schedule.objects.using(using).get_or_create(
        name=REAPER_SCHEDULE,
        defaults={
            "func": "engines.provisioning.tasks.reap_stalled_operations",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "next_run": now,
        },
    )
