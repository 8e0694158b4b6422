from django.urls import path

from .views import account, home, reports

app_name = "dashboard"

urlpatterns = [
    path("", home.home, name="home"),
    path("reports/", reports.reports, name="reports"),
]

# The account 360 keeps the account's address and name (/accounts/<id>/, accounts:account_detail): config/urls.py
# serves these in the accounts namespace, so every link to an account stays as it was.
account_urlpatterns = [
    path("<int:account_id>/", account.account_360, name="account_detail"),
]
