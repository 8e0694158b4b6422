"""What tenancy announces to the apps above it, which it must not import.

Both are sent synchronously inside the sender's transaction: what a receiver does (a tenant's default
tiers, a removed member's calendar feeds) commits or rolls back with the change that asked for it.
"""

from django.dispatch import Signal

# A tenant needs its defaults: sent with `tenant` inside its scope, when the tenant is created and
# whenever `tenant_defaults_ensure` is called again. Receivers make only what is missing, so a
# second call creates nothing twice and keeps what an admin changed.
tenant_created = Signal()

# A person's membership ended (removed, or deactivated): sent with `membership` inside the tenant's
# scope. Receivers destroy that person's credentials in the tenant for good (re-adding them gives
# nothing back), so a failure must roll the removal back rather than leave a credential working.
membership_ended = Signal()
