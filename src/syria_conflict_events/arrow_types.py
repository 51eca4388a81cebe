"""Text cells to typed Arrow arrays, from the declaration: the one parser of SCE's field types,
used by the validator, the loader and (through :mod:`.typed`) every pandas frame.

Input is Arrow text with null for an empty cell. Arrow's own casts are fast and exact for clean
columns, but they also read hexadecimal integers ("0x1F"), a leading "+" and "inf"/"nan" as
numbers, which SCE's types do not; :func:`fast_parse` takes a column only when none of those can
be present, and :func:`parse_text` otherwise parses cell by cell (vectorised) and marks the cells
that are not of their type. No pandas here: ``sce validate`` at scale runs without it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .declaration import Field

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INTEGER_PATTERN = r"^-?[0-9]+$"
NUMBER_PATTERN = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
# Integers are exact only up to 2**53 in the JSON and float-based consumers of the release.
MAX_EXACT_INTEGER = 2**53
_ISO = "%Y-%m-%d"
# 0001-01-01, the first day of ISO 8601's default range (and of Python's dates); Arrow also reads
# year 0000. Built from its day number: a Python date of year 0 cannot exist.
_FIRST_DAY = pa.scalar((dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days, pa.int32()).cast(pa.date32())
# The Arrow type of each field type: the one map (the validator, the loader, the release's typed
# tables, Parquet).
ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "date": pa.date32()}
Column = pa.Array | pa.ChunkedArray


def arrow_type(f: Field) -> pa.DataType:
    return ARROW_TYPES[f.type]


def _any(mask: Column) -> bool:
    return bool(pc.any(mask).as_py())


def text_offsets(chunk: pa.Array) -> np.ndarray:
    """The value offsets of a string chunk (its own slice of them), as a numpy view."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], width, count=chunk.offset + len(chunk) + 1)[chunk.offset:]


def text_bytes(chunk: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string chunk's own values laid end to end, as a numpy view (no copy;
    a slice shares its parent's whole data buffer, so only its own range is taken)."""
    data = chunk.buffers()[2]
    if data is None or len(chunk) == 0:
        return np.zeros(0, np.uint8)
    offsets = text_offsets(chunk)
    return np.frombuffer(data, np.uint8)[offsets[0]:offsets[-1]]


def _bytes_within(text: Column, low: int, high: int) -> bool:
    """Whether every byte of every value lies in ``low``..``high``: one min/max over each chunk's
    text, instead of a substring search per lenient form."""
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        octets = text_bytes(chunk)
        if len(octets) and (octets.min() < low or octets.max() > high):
            return False
    return True


def fast_parse(text: Column, f: Field) -> Column | None:
    """The column in its type by Arrow's casts, or None when any cell needs :func:`parse_text`'s
    careful path (a cell that is not of the type, or one the cast reads more leniently)."""
    try:
        if f.type == "string":
            return text
        if f.type == "integer":
            # Only "-", "." "/" and digits (the last two fail the cast): no hexadecimal, no "+".
            if not _bytes_within(text, ord("-"), ord("9")) and _any(pc.match_substring(text, "x", ignore_case=True)):
                return None
            out = pc.cast(text, pa.int64())
            peak = pc.max(pc.abs_checked(out)).as_py() if len(out) else None
            return None if peak is not None and peak > MAX_EXACT_INTEGER else out
        if f.type == "number":
            if _any(pc.starts_with(text, "+")):
                return None
            out = pc.cast(text, pa.float64())
            if _any(pc.or_(pc.is_nan(out), pc.is_inf(out))):  # "nan", "inf", "infinity", overflow
                return None
            return out
        if f.type == "date":  # Arrow's ISO parser reads exactly YYYY-MM-DD with a real date
            out = pc.cast(text, pa.date32())
            return None if _any(pc.less(out, _FIRST_DAY)) else out
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    raise ValueError(f"unknown field type {f.type!r}")


def _null_unless(mask: Column, values: Column) -> Column:
    return pc.if_else(mask, values, pa.scalar(None, values.type))


def parse_text(text: Column, f: Field) -> tuple[Column, Column | None]:
    """(values, bad): the column in its type, and the non-empty cells that are not of it (None
    when there are none). Bad cells are null in ``values`` so later checks do not report them
    twice."""
    fast = fast_parse(text, f)
    if fast is not None:
        return fast, None
    return careful_parse(text, f)


def careful_parse(text: Column, f: Field) -> tuple[Column, Column]:
    """Cell by cell (vectorised): the definition of each type, which :func:`fast_parse` must
    agree with wherever it answers (tests/test_arrow_types.py)."""
    if f.type == "string":
        return text, pc.and_(pc.is_valid(text), pa.scalar(False))  # any text is a string
    if f.type == "date":
        shaped = pc.match_substring_regex(text, DATE_PATTERN)
        candidate = _null_unless(shaped, text)
        try:  # strict and fast, but fails on the first impossible date (2024-02-30)
            parsed = pc.cast(candidate, pa.date32())
        except pa.ArrowInvalid:
            stamps = pc.strptime(candidate, format=_ISO, unit="s", error_is_null=True)
            # strptime rolls 2024-02-30 over to March: a date is valid only if it prints back the same.
            same = pc.equal(pc.strftime(stamps, format=_ISO), candidate).fill_null(False)
            parsed = pc.cast(_null_unless(same, stamps), pa.date32())
        # Year 0000 parses in Arrow but is no date in ISO 8601's default range (nor in Python).
        parsed = _null_unless(pc.greater_equal(parsed, _FIRST_DAY).fill_null(False), parsed)
        return parsed, pc.and_(pc.is_valid(text), pc.is_null(parsed))
    pattern = INTEGER_PATTERN if f.type == "integer" else NUMBER_PATTERN
    shaped = pc.match_substring_regex(text, pattern).fill_null(False)
    if f.type == "integer":
        # Past 18 significant digits a number is above 2**53 anyway (a type error) and would
        # overflow the int64 cast.
        digits = pc.utf8_ltrim(pc.utf8_ltrim(text, characters="-"), characters="0")
        shaped = pc.and_(shaped, pc.less_equal(pc.utf8_length(digits), 18).fill_null(False))
        numbers = pc.cast(_null_unless(shaped, text), pa.int64())
        fits = pc.less_equal(pc.abs(pc.cast(numbers, pa.float64(), safe=False)), MAX_EXACT_INTEGER)
        numbers = _null_unless(fits.fill_null(False), numbers)
    else:
        numbers = pc.cast(_null_unless(shaped, text), pa.float64())
    return numbers, pc.and_(pc.is_valid(text), pc.is_null(numbers))
