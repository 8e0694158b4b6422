"""Cells written to CSV files people open in a spreadsheet: never a formula."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection),
# so such a cell is written with a leading quote and shows as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text that a spreadsheet shows as is, never evaluates."""
    if value is None:
        return ""
    text = str(value)
    # Only text can smuggle a formula; a number such as Decimal("-1200") stays a number.
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
