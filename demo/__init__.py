"""The demo: `seed_demo` loads two tenants with years of realistic history for `make run`.

It sits above every domain app (it may import them all, none imports it), so the product ships no
demo code in its apps. One module per former app part: tenancy (people), accounts, health, journeys*,
renewals*, communications*.
"""
