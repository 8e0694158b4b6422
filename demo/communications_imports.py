"""The demo's campaign import: marketing's webinar invitations, planned in its own tool and imported from a
CSV (Communications -> Imports), so they show on the master calendar and count against the caps. Two rows of
the file are wrong, as exports from other tools often are: an account nobody here has, and a date the tool
wrote as words. The import keeps the good rows, lists the two with why, and offers them as a file to fix.
"""

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from communications.models import CalendarImport
from communications.services.import_rows import SAMPLE_ROWS
from communications.services.imports import calendar_import_create, calendar_import_run
from tenancy.models import Team

from .communications_plan import Planner

# The columns of the sample file the import page offers.
HEADER = SAMPLE_ROWS[0]
SUBJECT = "Live webinar: the dashboards your team will use every week"
INVITED = 6


def import_webinar_invitations(plan: Planner) -> CalendarImport:
    """Run the import here, as a worker would (the queued run then finds it done)."""
    tenant = plan.tenant
    rows = [HEADER]
    webinar = plan.today + dt.timedelta(days=10)
    for number, account in enumerate(plan.book[:INVITED], start=1):
        sent_on = webinar - dt.timedelta(days=7 - number % 3)
        rows.append(
            [account.external_id, "", "Power user", "Educational", "Email", "Marketing",
             f"{sent_on.isoformat()}T10:00", SUBJECT, f"webinar-{webinar:%Y%m%d}-{number}"]
        )  # fmt: skip
    rows.append(
        ["acct-9999", "", "Power user", "Educational", "Email", "Marketing",
         f"{webinar.isoformat()}T10:00", SUBJECT, f"webinar-{webinar:%Y%m%d}-{INVITED + 1}"]
    )  # fmt: skip
    rows.append(
        [plan.book[0].external_id, "", "Champion", "Educational", "Email", "Marketing",
         "next tuesday", SUBJECT, f"webinar-{webinar:%Y%m%d}-{INVITED + 2}"]
    )  # fmt: skip
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    upload = SimpleUploadedFile("webinar-invitations.csv", out.getvalue().encode(), content_type="text/csv")
    made = calendar_import_create(tenant=tenant, uploaded_file=upload, team=Team.MARKETING, by=plan.marketing_owner)
    ran = calendar_import_run(tenant=tenant, import_id=made.pk)
    # Where tasks run in-process, the upload's own run has done it already.
    return ran or CalendarImport.objects.get(tenant=tenant, pk=made.pk)
