"""REST API of the book of business, registered in config/api_urls.py.

- book.py: accounts (with tier overrides, tier history and the CSV export) and contacts;
- configuration.py: service tiers, custom fields and the tenant's tier history;
- serializers.py, queries.py, schema.py: their shapes, reads and OpenAPI descriptions.
"""

from .book import AccountViewSet, ContactViewSet
from .configuration import CustomFieldDefinitionViewSet, ServiceTierViewSet, TierChangeViewSet

__all__ = [
    "AccountViewSet",
    "ContactViewSet",
    "CustomFieldDefinitionViewSet",
    "ServiceTierViewSet",
    "TierChangeViewSet",
]
