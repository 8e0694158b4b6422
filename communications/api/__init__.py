"""REST API of communications, one module per area (registered in config/api_urls.py): the calendar and its
approvals (entries), cadences and enrolments (cadences), campaign imports (imports), contacts' preferences
(preferences), and deliveries, engagement, owners' tasks, notifications and in-app messages (delivery)."""
