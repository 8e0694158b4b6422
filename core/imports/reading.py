"""Reading an uploaded CSV or Excel file into a table of text, with errors that say what is wrong with it.

Every cell is read as text: the validation decides what a value means, so "007"
stays "007" and a German "1.234,50" is not mangled by a guess of pandas.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import openpyxl
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

NOT_TABULAR = "This is not a CSV or Excel file."
# Magic numbers of files people upload by mistake, and what to call them.
BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}
OLD_EXCEL = b"\xd0\xcf\x11\xe0"
ZIP = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t", "|")
# What an upload reads of a CSV beyond its size: the header and the first rows, for the mapping's preview.
HEAD_BYTES = 1024 * 1024
HEAD_ROWS = 50


@dataclass
class Table:
    """The file's header and data rows as text; `lines[i]` is row i's line in the file (header = 1)."""

    headers: list[str]
    frame: pd.DataFrame
    lines: list[int]
    encoding: str

    def __len__(self) -> int:
        return len(self.lines)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"The file is {megabytes(size)}; imports are limited to {megabytes(limit)}. "
            "Split it into smaller files and import them one after the other."
        )


def max_columns() -> int:
    return settings.IMPORT_MAX_COLUMNS


def _too_many_columns(count: int | str) -> ValidationError:
    return ValidationError(
        f"The first row names {count} columns; an import reads at most {max_columns():,}. "
        "Remove the columns you do not import and upload the file again."
    )


def check_header(data: bytes) -> None:
    """Refuse a file whose first row names more than IMPORT_MAX_COLUMNS columns, reading only that row.

    Runs before the file is parsed: every later step costs a little per column, and a header of
    200 KB tied up a web worker for over 20 s.
    """
    if data.startswith(ZIP):
        _check_excel_header(data)
        return
    limit = max_columns()
    # A column name takes a few bytes and a separator; 256 bytes each is generous, even in UTF-16.
    budget = 256 * limit
    head = data[: budget + 4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    first_line, newline, _ = text.partition("\n")
    if not newline and len(data) > budget:
        raise ValidationError(
            f"The first row is longer than {budget // 1024:,} KB, the most an import reads for its column names "
            f"(up to {limit:,} columns). Remove the columns you do not import and upload the file again."
        )
    sep = _delimiter(first_line)
    # Quotes may hide separators; the csv module reads them as the parser will, and this row only.
    count = len(next(csv.reader([first_line], delimiter=sep), []))
    if count > limit:
        raise _too_many_columns(f"{count:,}")


def _check_excel_header(data: bytes) -> None:
    limit = max_columns()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return  # read_table explains what is wrong with a broken workbook.
    try:
        sheet = workbook.worksheets[0]
        # Streamed, one row: a wide sheet is refused without reading the rest of it.
        first_row = next(sheet.iter_rows(max_row=1, values_only=True), ())
        if len(first_row) > limit:
            raise _too_many_columns(f"{len(first_row):,}")
    finally:
        workbook.close()


def read_table(data: bytes, *, encoding: str | None = None, max_rows: int | None = None) -> Table:
    """The table in `data`, a CSV (UTF-8, UTF-16 or Windows-1252) or an .xlsx workbook's first sheet.

    With `max_rows`, only about that many rows are read (for a preview).
    """
    # A little more than asked, so that a few blank rows do not shorten a preview.
    nrows = max_rows + 50 if max_rows else None
    check_header(data)
    if data.startswith(ZIP):
        return _read_excel(data, nrows)
    _refuse_binary(data)
    text, used = _decode(data, encoding)
    return _read_csv(text, used, nrows)


def read_upload(uploaded_file: UploadedFile) -> tuple[bytes, Table]:
    """The uploaded file's bytes (to store for the run) and its head (read_head): what an upload checks
    while the person waits, refusing a file too big before reading it and one too wide from its first row."""
    # The size is known before a byte is read: refuse big files without reading them.
    if uploaded_file.size is not None:
        check_size(uploaded_file.size)
    data = uploaded_file.read()
    check_size(len(data))
    return data, read_head(data)


def read_head(data: bytes, *, rows: int = HEAD_ROWS) -> Table:
    """The header and about the first `rows` rows, reading at most HEAD_BYTES of a CSV: what an upload
    checks while the person waits. The import's run reads and checks the whole file (read_table)."""
    check_header(data)
    if data.startswith(ZIP):
        # pandas reads a workbook's rows streamed and stops after nrows.
        return _read_excel(data, rows)
    _refuse_binary(data)
    head = data
    if len(data) > HEAD_BYTES:
        head = data[:HEAD_BYTES]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16: whole code units, and the last (cut) line dropped after decoding.
            text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
            return _read_csv(text[: text.rfind("\n") + 1] or text, "utf-16", rows)
        # A newline byte is never inside a UTF-8 or Windows-1252 character: cutting there cuts no character.
        end = head.rfind(b"\n")
        head = head[: end + 1] if end > 0 else head
    text, used = _decode(head, None)
    return _read_csv(text, used, rows)


def _refuse_binary(data: bytes) -> None:
    if data.startswith(OLD_EXCEL):
        raise ValidationError(
            f"{NOT_TABULAR} It looks like an Excel 97-2003 workbook (.xls): "
            "save it as .xlsx or CSV and upload it again."
        )
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ValidationError(f"{NOT_TABULAR} It looks like {what}.")
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text, as Excel saves "Unicode text"; its NUL bytes are expected.
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in head or control > len(head) // 100:
        raise ValidationError(NOT_TABULAR)


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM) first, then Windows-1252."""
    if encoding:
        return data.decode(encoding), encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        # Excel on Windows saves "CSV" in Windows-1252: ä is one byte there, invalid as UTF-8.
        candidates = ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        'The file is neither UTF-8 nor Windows-1252 text. Save it as "CSV UTF-8" and upload it again.'
    )


def _delimiter(text: str) -> str:
    # Column names rarely contain separators, so the header line tells which one the file uses
    # (Excel writes ";" where the decimal separator is a comma).
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str, nrows: int | None) -> Table:
    if not text.strip():
        raise ValidationError("The file is empty.")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            nrows=nrows,
        )
    except pd.errors.ParserError as error:
        raise ValidationError(_parser_error(str(error))) from error
    except pd.errors.EmptyDataError as error:
        raise ValidationError("The file is empty.") from error
    return _table(frame, encoding)


def _parser_error(detail: str) -> str:
    """pandas' words for a broken CSV, in the words of the person who has to fix it."""
    detail = detail.replace("Error tokenizing data. C error: ", "").strip()
    if match := re.match(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail):
        expected, line, seen = match.groups()
        return f"Line {line} has {seen} cells, but the first row names {expected} columns. Every row needs as many."
    if match := re.match(r"EOF inside string starting at row (\d+)", detail):
        return (
            f"A quoted cell on line {int(match.group(1)) + 1} is never closed. "
            'Check its quotes: a quote inside a quoted cell is written "".'
        )
    return f"The file could not be read as CSV: {detail.rstrip('.')}."


def _read_excel(data: bytes, nrows: int | None) -> Table:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile as error:
        raise ValidationError(f"{NOT_TABULAR} It looks like a damaged ZIP or Excel file.") from error
    if "xl/workbook.xml" not in names:
        raise ValidationError(f"{NOT_TABULAR} It is a ZIP archive, not an Excel workbook (.xlsx).")
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=str, engine="openpyxl", nrows=nrows)
    except Exception as error:
        # openpyxl raises many kinds of error for a broken workbook; the person needs only to know that.
        raise ValidationError(f"The Excel workbook could not be read ({error}). Save it again and retry.") from error
    # A workbook has no text encoding to record.
    return _table(frame, "")


def _table(frame: pd.DataFrame, encoding: str) -> Table:
    frame = frame.fillna("").astype(str)
    if frame.empty:
        raise ValidationError("The file is empty.")
    header = [cell.strip() for cell in frame.iloc[0].tolist()]
    body = frame.iloc[1:]
    # One pass over the cells, not one per column: a column lookup costs the same for 10 rows as for 10,000.
    filled_cells = body.apply(lambda column: column.str.strip()) != ""
    # Trailing columns without a name or a value are what spreadsheets leave behind; drop them.
    has_values = filled_cells.any(axis=0).tolist()
    keep = [i for i, name in enumerate(header) if name or has_values[i]]
    header = [header[i] for i in keep]
    body = body.iloc[:, keep]
    _check_header(header)
    # Blank rows are skipped, but the others keep their line number in the file.
    filled = filled_cells.iloc[:, keep].any(axis=1)
    body = body[filled]
    if body.empty:
        raise ValidationError("The file has a header row but no data rows.")
    body.columns = header
    lines = [int(index) + 1 for index in body.index]
    return Table(headers=header, frame=body.reset_index(drop=True), lines=lines, encoding=encoding)


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise ValidationError("The first row is empty. It must hold the column names, such as Account ID and Name.")
    if all(_is_number(name) or not name for name in header):
        raise ValidationError(
            "The first row holds numbers, not column names. Add a header row with names such as Account ID and Name."
        )
    for position, name in enumerate(header, start=1):
        if not name:
            raise ValidationError(f"Column {position} has values but no name in the first row.")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = name.casefold()
        if key in seen:
            raise ValidationError(
                f"The column name {name!r} appears twice in the first row (columns {seen[key]} and {position}). "
                "Give every column its own name."
            )
        seen[key] = position


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True
