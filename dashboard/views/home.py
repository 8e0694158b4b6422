from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.web import member_required


@member_required()
def home(request: HttpRequest) -> HttpResponse:
    """The CSM's morning page: who needs attention today and why."""
    return render(request, "dashboard/home.html")
