"""REST API of communications, one module per feature (registered in config/api_urls.py): the calendar's
entries (entries) and their approvals (approvals), cadences and enrolments (cadences), campaign imports
(imports), contacts' preferences (preferences), deliveries, engagement and in-app messages (tracking), the
owners' tasks (owner_tasks) and internal notifications (notifications); calendar.py holds the calendar's
vocabulary (named enums, the tenant's rows a payload may name, times in the tenant's zone) they all share."""
