"""What the tracking API accepts, as Segment documents it for its own HTTP API."""

# One event, serialised as JSON.
MAX_EVENT_BYTES = 32 * 1024
# One request, after gzip decompression.
MAX_REQUEST_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 2_500
# RawEvent.message_id; SDKs send UUIDs (36 characters).
MAX_MESSAGE_ID = 100
# RawEvent.user_id, anonymous_id and group_id.
MAX_ID = 255
# RawEvent.name and EventDefinition.name.
MAX_NAME = 200
# What an ingestion error keeps of the refused event, for the admin to recognise it.
ERROR_PAYLOAD_BYTES = 4 * 1024
# Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 1_000
