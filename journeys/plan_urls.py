"""Routes: filled by the area that owns them."""

urlpatterns: list = []
