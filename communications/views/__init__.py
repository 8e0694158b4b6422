"""Communications pages, one module per feature (the names of forms/, selectors/ and services/), all under
the `communications` namespace and routed in communications/urls.py."""
