"""What every domain app shares and none owns: tenant time and text, events (core.events), the web kit (core.web),
the API kit (core.api), background work (core.work) and file imports (core.imports). It sits between tenancy and
workspace in the layer order and has no models."""
