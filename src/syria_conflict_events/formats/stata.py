"""Each table as a Stata ``.dta`` file (format 118, Stata 14 and later: UTF-8, so Arabic text is
intact), written deterministically.

- Variable names are the field names when they are valid Stata names (at most 32 characters,
  letters, digits and ``_``, not starting with a digit, not a reserved word), which every declared
  name is today; otherwise :func:`stata_names` renames them deterministically.
- Variable labels are the fields' descriptions, cut to Stata's 80 characters (the first sentence
  when it fits, else cut at a word and ended with "…"). The dataset label is the table's title.
- Coded fields carry value labels with the declared labels. A string-coded vocabulary becomes a
  labelled integer, as Stata's ``encode`` would make it: 1 for the vocabulary's first code, 2 for
  the second, in the declared order (the data dictionary's order); ``decode`` gives the label back.
  An integer-coded vocabulary keeps its integer codes and labels them.
- Dates are Stata dates (``%td``), integers and numbers numeric (missing is ``.``), other text is
  a string (an empty string where the cell is missing, as Stata has no missing string).
- The header's time stamp is fixed (:data:`TIME_STAMP`), so the same pandas writes the same bytes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..declaration import Declaration, Field, Table

VERSION = 118
TIME_STAMP = dt.datetime(2000, 1, 1, 0, 0)
MAX_NAME = 32
MAX_LABEL = 80
MAX_STR_BYTES = 2045  # longer text is written as strL
RESERVED = frozenset({
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
    "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
})
_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


def _is_valid(name: str) -> bool:
    return bool(_VALID.match(name)) and name not in RESERVED and not re.fullmatch(r"str[0-9]+", name)


def stata_names(names: list[str]) -> dict[str, str]:
    """Field name -> Stata variable name. A valid name is kept; otherwise every character other
    than a letter, digit or ``_`` becomes ``_``, a leading digit or a reserved word gets a ``_``
    prefix, the name is cut to 32 characters, and a name already taken ends with ``_2``, ``_3``…
    (cut so that it fits), in field order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        new = name
        if not _is_valid(new):
            new = re.sub(r"[^A-Za-z0-9_]", "_", new) or "_"
            if new[0].isdigit() or new in RESERVED:
                new = "_" + new
            new = new[:MAX_NAME]
            if not _is_valid(new):
                new = ("_" + new)[:MAX_NAME]
        base, n = new, 1
        while new in taken:
            n += 1
            suffix = f"_{n}"
            new = base[: MAX_NAME - len(suffix)] + suffix
        taken.add(new)
        out[name] = new
    return out


def variable_label(description: str) -> str:
    """A description within Stata's 80 characters: whole when it fits, else its first sentence
    when that fits, else cut at a word with "…"."""
    text = " ".join(description.split())
    if len(text) <= MAX_LABEL:
        return text
    end = re.search(r"(?<=[A-Za-z0-9)])\.(\s|$)", text)
    first = text[: end.start() + 1] if end else text
    if len(first) <= MAX_LABEL:
        return first
    cut = text[: MAX_LABEL - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def value_labels(decl: Declaration, f: Field) -> dict[int, str] | None:
    """Stata value -> label for a coded field (see the module's note on string codes)."""
    if f.vocabulary is None:
        return None
    codes = decl.vocabularies[f.vocabulary].codes
    if f.type == "integer":
        return {int(c.code): c.label for c in codes}
    return {i: c.label for i, c in enumerate(codes, start=1)}


def _column(decl: Declaration, f: Field, column: pa.ChunkedArray) -> pd.Series:
    if f.type == "date":
        dates = column if column.type == pa.date32() else pc.cast(column, pa.date32())
        return pd.Series(pc.cast(dates, pa.timestamp("s")).to_pandas())
    if f.type == "string" and f.vocabulary is not None:
        codes = pa.array(decl.vocabularies[f.vocabulary].values, pa.string())
        index = pc.add(pc.index_in(column, value_set=codes), 1)
        return pd.Series(pd.array(index.to_pylist(), dtype="Int32"))
    if f.type == "integer":
        return pd.Series(pd.array(column.to_pylist(), dtype="Int64"))
    if f.type == "number":
        return pd.Series(column.to_pandas(), dtype="float64")
    return pd.Series(pc.fill_null(column, "").to_pylist(), dtype=object)


def stata_frame(decl: Declaration, table: Table, arrow: pa.Table) -> tuple[pd.DataFrame, list[str]]:
    """(the frame to write, its string columns that need strL)."""
    names = stata_names(table.field_names)
    frame = pd.DataFrame({names[f.name]: _column(decl, f, arrow.column(f.name)) for f in table.fields})
    long_text = []
    for f in table.fields:
        if f.type == "string" and f.vocabulary is None and arrow.num_rows:
            longest = pc.max(pc.binary_length(arrow.column(f.name))).as_py() or 0
            if longest > MAX_STR_BYTES:
                long_text.append(names[f.name])
    return frame, long_text


def write_stata(decl: Declaration, table: Table, arrow: pa.Table, path: Path) -> None:
    """``arrow`` (the release's typed table; dates as date32 or ISO text) as ``path``."""
    names = stata_names(table.field_names)
    frame, long_text = stata_frame(decl, table, arrow)
    labels = {names[f.name]: labels for f in table.fields if (labels := value_labels(decl, f))}
    frame.to_stata(
        path, version=VERSION, write_index=False, time_stamp=TIME_STAMP,
        data_label=variable_label(table.title),
        convert_dates={names[f.name]: "td" for f in table.fields if f.type == "date"},
        variable_labels={names[f.name]: variable_label(f.description) for f in table.fields},
        value_labels=labels or None, convert_strl=long_text or None,
    )
