"""Cells that a spreadsheet would run as a formula, made inert before a CSV is written.

A spreadsheet opening a CSV treats a cell starting with =, +, -, @ (or a tab or carriage return,
which some strip before looking) as a formula: a model id like `=HYPERLINK("http://evil", "x")`
would run on the reader's machine. OWASP's remedy: a leading apostrophe, which spreadsheets show as
text. Only text cells are touched; numbers (a negative one included) are data, never formulas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` with a leading apostrophe if it is text a spreadsheet would run; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are safe to open in a spreadsheet (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column]):
            continue  # numbers and booleans are never formulas
        out[column] = out[column].map(safe_cell)
    # Header names come from the code, but neutralise them too: the header row is a row like any other.
    out.columns = [safe_cell(c) for c in out.columns]
    return out
