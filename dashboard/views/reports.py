from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.web import member_required


@member_required()
def reports(request: HttpRequest) -> HttpResponse:
    """The CS leader's portfolio reports."""
    return render(request, "dashboard/reports.html")
