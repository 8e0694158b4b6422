"""What a message is made of, computed without the database or a request: merge fields rendered from a
plain context (merge.py) and the email's parts and headers (email.py). The reads that build the context
are selectors/personalisation.py; the sending is services/outbox.py and services/digests.py."""
