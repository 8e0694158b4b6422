"""Renewals' pages: each area keeps its routes in its own module, all under the `renewals` namespace."""

from .contract_urls import urlpatterns as contract_patterns
from .metrics_urls import urlpatterns as metrics_patterns
from .pipeline_urls import urlpatterns as pipeline_patterns
from .renewal_urls import urlpatterns as renewal_patterns

app_name = "renewals"

urlpatterns = [*renewal_patterns, *contract_patterns, *pipeline_patterns, *metrics_patterns]
