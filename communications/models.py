"""Communications: The master calendar, cadences, frequency caps, preferences, governance, delivery and tracking."""
