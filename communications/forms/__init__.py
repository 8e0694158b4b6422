"""Communications' forms, one module per feature (the names of views/): plain forms limited to the tenant
that hand their data to a service."""
