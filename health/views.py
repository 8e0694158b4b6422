from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.shortcuts import member_required


@member_required()
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "health/index.html")
