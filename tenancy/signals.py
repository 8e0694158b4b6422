"""What tenancy announces to the apps above it, which it must not import (the event contract: core.events).

Both are in-transaction events: their receivers run inside the sender's transaction and the tenant's scope,
so what they do (a tenant's default tiers, a removed member's calendar feeds) commits or rolls back with the
change that asked for it. Tenancy sits below core, so it runs them through tenancy.events directly.
"""

from .events import Event

# A tenant needs its defaults: when the tenant is created and whenever `tenant_defaults_ensure` is called
# again. Receivers make only what is missing, so a second call creates nothing twice and keeps what an admin
# changed.
tenant_created = Event("tenancy.tenant_created", in_transaction=True)

# A person's membership ended (removed, or deactivated): receivers destroy that person's credentials in the
# tenant for good (re-adding them gives nothing back), so a failure must roll the removal back rather than
# leave a credential working.
membership_ended = Event("tenancy.membership_ended", "user_id", in_transaction=True)
