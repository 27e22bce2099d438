"""The audit page: an organisation's events, filtered and paginated."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from organisations.access import organisation_view
from organisations.permissions import Permission


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, help_text="Part of the action, for example engine.")
    actor = forms.CharField(required=False, help_text="Part of the user name.")
    target = forms.CharField(required=False, help_text="Part of the target's name.")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, events):
        data = self.cleaned_data
        if data.get("action"):
            events = events.filter(action__icontains=data["action"])
        if data.get("actor"):
            events = events.filter(actor_label__icontains=data["actor"])
        if data.get("target"):
            events = events.filter(target_label__icontains=data["target"])
        if data.get("since"):
            events = events.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            events = events.filter(created_at__date__lte=data["until"])
        return events


@organisation_view(Permission.VIEW_AUDIT)
def event_list(request):
    events = request.organisation.audit_events.all()
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        events = form.filter(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})
