from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views.book import account_page_context
from core.web import member_required


@member_required()
def account_360(request: HttpRequest, account_id: int) -> HttpResponse:
    """The account 360: accounts' facts, tier and contacts with the health, journey, renewals, communications
    and timeline cards, each of which its own app serves after the page."""
    return render(request, "dashboard/account.html", account_page_context(request, account_id))
