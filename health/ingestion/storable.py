"""What PostgreSQL can store of the JSON an SDK sends, and what is done with the rest.

Valid JSON can hold what PostgreSQL refuses: a NUL character (neither text nor jsonb takes it), a
lone UTF-16 surrogate such as "\\ud800" (not Unicode, so not UTF-8), NaN and Infinity (not JSON
numbers, yet Python's json, hence its SDKs, writes them for float('nan') and 1e999 reads as
Infinity), and nesting deep enough to exhaust a parser's stack. The rules, also in the README:

- an identifier or a name (userId, anonymousId, groupId, previousId, messageId, event, name)
  holding a NUL or a lone surrogate refuses its event: changed, it would name someone else (parsing.py
  checks them, and refuses an id that is NaN or Infinity);
- in properties, context and traits, NUL characters are removed, lone surrogates become U+FFFD
  and NaN, Infinity and -Infinity become null (as JavaScript's JSON.stringify does); the event
  is stored, with a note among the ingestion errors saying what was changed;
- an event nested deeper than MAX_DEPTH levels is refused.
"""

import math
import re
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder

# Objects and lists inside one another, counted from the event itself. Real events nest a few levels;
# the bound keeps every encoder and parser on the way (ours, psycopg's, PostgreSQL's) far from its stack limit.
MAX_DEPTH = 64
# What stands in, after parsing, for a value nested too deep to parse at all. It holds a NUL, which no
# accepted value can, so it can never be mistaken for data.
TOO_DEEP = "\x00nested too deep"
TOO_DEEP_JSON = b'"\\u0000nested too deep"'
# What an ingestion error's copy of a refused event shows in place of its too-deep part.
CUT_TOO_DEEP = f"(nested deeper than {MAX_DEPTH} levels)"
REPLACEMENT = "\ufffd"
NOTES_SHOWN = 3

# One encoder for every call: json.dumps(cls=...) would build a new one each time. ASCII output, so a
# NUL shows as \u0000 and a surrogate as \udxxx, which _suspect finds without walking the value.
encode = DjangoJSONEncoder().encode
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_SURROGATE = re.compile(r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    def __init__(self, where: str):
        super().__init__(where)
        self.reason = f"{where} is nested deeper than {MAX_DEPTH} levels."


@dataclass
class Storable:
    value: object
    json: str
    notes: list[str] = field(default_factory=list)


def text_problem(text: str) -> str | None:
    """Why a text cannot be stored as it is, or None."""
    if "\x00" in text:
        return "a NUL character (U+0000), which cannot be stored"
    # isascii() reads a flag CPython keeps on every string: the usual id costs no search.
    found = None if text.isascii() else _SURROGATE.search(text)
    if found:
        return f"a lone surrogate (U+{ord(found.group()):04X}), which is not valid Unicode"
    return None


def storable(value, *, where: str) -> Storable:
    """`value` (properties, context or traits) made storable, encoded, with a note per change.
    Raises TooDeep. Cheap for the usual event: one encoding and a search of it."""
    try:
        text = encode(value)
    except RecursionError:
        raise TooDeep(where) from None
    if not _suspect(text) and _depth(text) <= MAX_DEPTH:
        return Storable(value, text)
    changes: list[str] = []
    try:
        cleaned = _clean(value, where, 1, changes, cut=False)
    except TooDeep:
        raise TooDeep(where) from None
    return Storable(cleaned, encode(cleaned), _notes(where, changes))


def shown(value):
    """A copy of anything an SDK sent that an ingestion error can keep: cleaned as above, and cut
    (not refused) where too deep."""
    return _clean(value, "", 1, [], cut=True)


def shown_text(text: str) -> str:
    return _SURROGATE.sub(REPLACEMENT, text.replace("\x00", ""))


def cap_depth(data: bytes) -> bytes:
    """A JSON body whose values nested past MAX_DEPTH inside an event's properties (plus the body, its
    batch and the event) are replaced by TOO_DEEP, so it parses; each event holding one is then refused alone."""
    limit = MAX_DEPTH + 3
    parts, depth, kept, start = [], 0, 0, None
    for token in _TOKEN.finditer(data):
        mark = token.group()
        if mark[:1] == b'"':
            continue
        if mark in (b"[", b"{"):
            depth += 1
            if depth == limit + 1 and start is None:
                start = token.start()
        else:
            depth -= 1
            if depth == limit and start is not None:
                parts += [data[kept:start], TOO_DEEP_JSON]
                kept, start = token.end(), None
    parts.append(data[kept:])
    return b"".join(parts)


def _suspect(text: str) -> bool:
    # Substring searches first: they are what nearly every event costs.
    return (
        "NaN" in text
        or "Infinity" in text
        or "\\u0000" in text
        or ("\\ud" in text and _LONE_SURROGATE.search(text) is not None)
    )


def _depth(text: str) -> int:
    if text.count("{") + text.count("[") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for mark in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if mark in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _clean(value, where: str, depth: int, changes: list[str], *, cut: bool):
    if isinstance(value, str):
        if value == TOO_DEEP:
            if cut:
                return CUT_TOO_DEEP
            raise TooDeep(where)
        problem = text_problem(value)
        if problem is None:
            return value
        changes.append(f"{where} held {problem.split(',')[0]}")
        return shown_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        changes.append(f"{where} was {'NaN' if math.isnan(value) else '-Infinity' if value < 0 else 'Infinity'}")
        return None
    if isinstance(value, dict | list | tuple):
        if depth > MAX_DEPTH:
            if cut:
                return CUT_TOO_DEEP
            raise TooDeep(where)
        if isinstance(value, dict):
            cleaned = {}
            for key, item in value.items():
                inside = f"{where}.{shown_text(str(key))[:40]}"
                if isinstance(key, str):
                    key = _clean(key, inside, depth, changes, cut=cut)
                cleaned[key] = _clean(item, inside, depth + 1, changes, cut=cut)
            return cleaned
        return [_clean(v, f"{where}[{i}]", depth + 1, changes, cut=cut) for i, v in enumerate(value)]
    return value


def _notes(where: str, changes: list[str]) -> list[str]:
    if not changes:
        return []
    listed = "; ".join(changes[:NOTES_SHOWN])
    more = f"; and {len(changes) - NOTES_SHOWN} more" if len(changes) > NOTES_SHOWN else ""
    return [
        f"Stored with {where} made storable: {listed}{more}. "
        "NUL characters are removed, lone surrogates become U+FFFD, NaN and Infinity become null."
    ]
