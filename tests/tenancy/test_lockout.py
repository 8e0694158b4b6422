"""Sign-in lockouts behind a reverse proxy: the address is the client's, the account is locked whoever tries."""

import pytest
from django.urls import reverse

from tenancy.lockout import client_address

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _sign_in_through_proxy(client, email, password, *, from_address, claimed=""):
    # As Caddy forwards it: the connection comes from the proxy, the client's address is the
    # last entry of X-Forwarded-For (after whatever the client claimed itself).
    forwarded_for = f"{claimed}, {from_address}" if claimed else from_address
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_failures_from_one_client_do_not_lock_out_another(client, alice, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_through_proxy(client, "nobody@alpha.example", "wrong", from_address="198.51.100.7")
    locked = _sign_in_through_proxy(client, "nobody@alpha.example", "wrong", from_address="198.51.100.7")
    assert locked.status_code == 429

    other = _sign_in_through_proxy(client, bob.email, PASSWORD, from_address="203.0.113.9")

    assert other.status_code == 302


def test_a_client_cannot_dodge_its_lock_by_claiming_another_address(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_through_proxy(client, "nobody@alpha.example", "wrong", from_address="198.51.100.7")

    dodge = _sign_in_through_proxy(client, alice.email, PASSWORD, from_address="198.51.100.7", claimed="192.0.2.55")

    assert dodge.status_code == 429


def test_failures_on_one_account_from_many_addresses_lock_that_account(client, alice, bob, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in_through_proxy(client, alice.email, "wrong", from_address=f"198.51.100.{n + 1}")

    # The right password, from an address that never failed, in another spelling of the address.
    locked = _sign_in_through_proxy(client, alice.email.upper(), PASSWORD, from_address="203.0.113.9")

    assert locked.status_code == 429
    assert client.get(reverse("dashboard:home")).status_code == 302
    # Only that account: another person at yet another address still signs in.
    assert _sign_in_through_proxy(client, bob.email, PASSWORD, from_address="203.0.113.10").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", PROXY),  # no proxy trusted: the header is the client's word
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.55, 198.51.100.7", "198.51.100.7"),  # the left entry was the client's own claim
        (2, "192.0.2.55, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "198.51.100.7", PROXY),  # fewer hops than configured: not through the proxies
        (1, "", PROXY),
    ],
)
def test_client_address_reads_past_the_trusted_proxies(rf, settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected
