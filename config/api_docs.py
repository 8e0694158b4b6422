"""The API docs pages under the Content-Security-Policy: their scripts are files, nothing from a CDN."""

from csp import constants as csp
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# ReDoc styles itself with styled-components (<style> elements it writes) and searches in a
# web worker it starts from a blob: URL; only its page allows those, still nothing off the site.
REDOC_POLICY = {"style-src": [csp.UNSAFE_INLINE], "worker-src": [csp.SELF, "blob:"]}
# Swagger UI draws its icons as data: SVGs and sets styles from script.
SWAGGER_POLICY = {"style-src": [csp.UNSAFE_INLINE]}


@method_decorator(csp_update(REDOC_POLICY), name="get")
class RedocView(SpectacularRedocView):
    pass


@method_decorator(csp_update(SWAGGER_POLICY), name="get")
class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from this URL (?script), not inline."""
