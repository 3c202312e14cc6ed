"""Cells a spreadsheet will not run: formula injection in every export (CSV and XLSX)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """Tell whether a spreadsheet would take this text for a formula (= + - @, tab, CR)."""
    return bool(value) and value.startswith(FORMULA_STARTS)


def safe_text(value: str) -> str:
    """Guard text for a CSV cell: a formula-like start gets an apostrophe."""
    return "'" + value if looks_like_formula(value) else value
