"""REST API of the book of business, registered in config/api_urls.py.

- book.py: accounts (with tier overrides, tier history and the CSV export) and contacts, with the OpenAPI
  description of the book's filters; their shapes in book_serializers.py;
- configuration.py: service tiers, custom fields and the tenant's tier history; their shapes in
  configuration_serializers.py.
The reads are accounts.selectors'.
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
