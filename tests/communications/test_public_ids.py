"""The public links a contact's mail client or calendar opens without signing in (the open pixel, a
tracked click, an .ics feed) name a tenant by id in their token: any other digits there, such as a
superscript "¹" (str.isdigit() but not int()) or more than a bigint holds, find nothing: 404."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TENANT_PARTS = ["¹", "²³", "\u0661", "9" * 30, "-1", " 1", ""]


@pytest.mark.parametrize("tenant_part", TENANT_PARTS)
def test_public_links_with_a_tenant_id_that_is_no_id_are_404(client, tenant_a, tenant_part):
    token = f"{tenant_part}.secret"
    urls = [
        reverse("communications:track_open", kwargs={"token": token}),
        reverse("communications:track_click", kwargs={"token": token}) + "?u=https://example.com/",
        reverse("communications:feed_ics", kwargs={"token": token}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_public_links_with_a_nul_in_the_secret_are_404(client, tenant_a):
    token = f"{tenant_a.pk}.sec\x00ret"
    assert client.get(reverse("communications:track_open", kwargs={"token": token})).status_code == 404
    click = reverse("communications:track_click", kwargs={"token": token}) + "?u=https://example.com/"
    assert client.get(click).status_code == 404
    assert client.get(reverse("communications:feed_ics", kwargs={"token": token})).status_code == 404
