"""The one pager (templates/partials/pagination.html): every list page includes it, and its links keep the
filters and sort the list was shown with while they change the page."""

from pathlib import Path

from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
PARTIAL = ROOT / "templates" / "partials" / "pagination.html"


def render(url, page_number, **context):
    request = RequestFactory().get(url)
    page = Paginator(range(100), 10).get_page(page_number)
    template = Template('{% include "partials/pagination.html" %}')
    return template.render(RequestContext(request, {"page": page, **context}))


def test_the_view_s_query_and_sort_are_kept_and_the_page_replaced():
    html = render("/renewals/?owner=7&sort=arr&page=3", 3, page_query="owner=7&window=90", page_sort="-arr")

    assert 'href="?owner=7&amp;window=90&amp;sort=-arr&amp;page=2">Previous' in html
    assert 'href="?owner=7&amp;window=90&amp;sort=-arr&amp;page=4">Next' in html
    assert "Page 3 of 10" in html


def test_an_empty_query_links_to_the_page_alone():
    html = render("/contracts/?page=1", 1, page_query="")

    assert 'href="?page=2">Next' in html and "Previous" not in html


def test_without_a_view_query_every_parameter_of_the_request_is_kept():
    # The members and events pages search with ?q=: the next page must search for the same words.
    html = render("/members/?q=ann+lee&role=csm&page=10", 10)

    assert 'href="?q=ann+lee&amp;role=csm&amp;page=9">Previous' in html and "Next" not in html


def test_one_page_shows_no_pager():
    request = RequestFactory().get("/")
    page = Paginator(range(5), 10).get_page(1)
    html = Template('{% include "partials/pagination.html" %}').render(RequestContext(request, {"page": page}))

    assert html.strip() == ""


def test_no_template_draws_a_pager_of_its_own():
    copies = [
        str(path.relative_to(ROOT))
        for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
        for path in folder.glob("**/*.html")
        if path != PARTIAL and ("has_previous" in path.read_text() or "has_next" in path.read_text())
    ]

    assert copies == []
