"""Historical events from a file (JSON lines or CSV), sent through `ingest` like live traffic.

A row without a messageId gets one derived from its content, so running the same
file twice stores every event once.
"""

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from tenancy.models import Tenant

from .services import ingest

BATCH = 500
NAMESPACE = uuid.UUID("3b0c1f4e-9d2a-4f57-8c6e-1a2b3c4d5e6f")
CSV_COLUMNS = ("type", "event", "name", "userId", "anonymousId", "groupId", "timestamp", "messageId")
JSON_COLUMNS = ("properties", "traits", "context")


@dataclass
class BackfillResult:
    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _with_message_id(call: dict, line_text: str) -> dict:
    if isinstance(call, dict) and not call.get("messageId"):
        call["messageId"] = str(uuid.uuid5(NAMESPACE, line_text))
    return call


def jsonl_calls(text: str, result: BackfillResult) -> Iterator[tuple[int, dict]]:
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            call = json.loads(line)
        except json.JSONDecodeError as error:
            result.rejected.append((line_number, f"Not JSON: {error.msg} at column {error.colno}."))
            continue
        if not isinstance(call, dict):
            result.rejected.append((line_number, "Each line must be one JSON object (a Segment call)."))
            continue
        yield line_number, _with_message_id(call, line)


def csv_calls(text: str, result: BackfillResult) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"type", "timestamp"} - set(reader.fieldnames or [])
    if missing:
        result.rejected.append((1, f"The header lacks the column(s) {', '.join(sorted(missing))}."))
        return
    for row in reader:
        line_number = reader.line_num
        call = {key: row[key] for key in CSV_COLUMNS if row.get(key)}
        try:
            for key in JSON_COLUMNS:
                if row.get(key):
                    call[key] = json.loads(row[key])
        except json.JSONDecodeError as error:
            result.rejected.append((line_number, f"Column {key} is not JSON: {error.msg}."))
            continue
        if "groupId" in call and call.get("type") != "group":
            # In a CSV the account of a usage event is its groupId column; the API carries it in context.
            call.setdefault("context", {})["groupId"] = call.pop("groupId")
        yield line_number, _with_message_id(call, ",".join(row.get(k) or "" for k in row))


def backfill(*, tenant: Tenant, text: str, fmt: str) -> BackfillResult:
    """Send every event of the file through `ingest`, in batches, oldest or not."""
    result = BackfillResult()
    calls = jsonl_calls(text, result) if fmt == "jsonl" else csv_calls(text, result)
    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        outcome = ingest(tenant=tenant, calls=[call for _line, call in batch])
        result.stored += outcome.stored
        result.duplicates += outcome.duplicates
        result.rejected += [(batch[index][0], reason) for index, reason in outcome.rejected]
        batch.clear()

    for line_number, call in calls:
        batch.append((line_number, call))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    result.rejected.sort()
    return result
