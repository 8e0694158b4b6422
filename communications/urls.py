"""Communications' pages: each area keeps its routes in its own module, all under the `communications` namespace."""

from .cadence_urls import urlpatterns as cadence_patterns
from .calendar_urls import urlpatterns as calendar_patterns
from .more_urls import urlpatterns as more_patterns
from .public_urls import urlpatterns as public_patterns

app_name = "communications"

urlpatterns = [*calendar_patterns, *cadence_patterns, *more_patterns, *public_patterns]
