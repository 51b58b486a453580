"""Cell values as the frames hold them, where a missing value may be None, NaN or pd.NA."""
from __future__ import annotations

import math

import pandas as pd


def as_text(v) -> str | None:
    """The cell as text; None when it is missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return str(v)


def as_int(v) -> int | None:
    """The cell as a whole number (pages arrive as floats where a column has gaps); None when missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(float(v))


def object_column(values) -> pd.Series:
    """A column of Python objects, so that None stays None (pandas would infer a string column with NaN)."""
    return pd.Series(list(values), dtype=object)
