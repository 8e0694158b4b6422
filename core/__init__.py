"""What every domain app shares and none owns: tenant time, and (as issue 16 goes on) the web, API, text,
background-work and import kits. It sits between tenancy and accounts in the layer order and has no models."""
