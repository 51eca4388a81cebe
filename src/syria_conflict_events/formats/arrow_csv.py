"""The one Arrow CSV reader: every reader of a package's CSV text (the validator, the loader, the
release build, the release diff) parses with these options, so they cannot drift apart.

RFC 4180 as the package writes it: comma, double quote, doubled quotes inside quotes. A cell is
read as text (``column_types`` says string, or the type the caller wants); an empty cell is null
unless ``empty_is_null`` is False. Quoted line breaks are refused unless ``newlines_in_values``
(the validator then finds the row by line; a release diff reads any valid CSV)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def read_csv(source: Any, column_types: dict[str, pa.DataType], *, block_size: int | None = None,
             include_columns: Sequence[str] | None = None, column_names: Sequence[str] | None = None,
             empty_is_null: bool = True, newlines_in_values: bool = False, check_utf8: bool = True) -> pa.Table:
    """``source`` (a path, a file or an Arrow buffer reader) as an Arrow table. Arrow's errors
    (``ArrowInvalid``, ``ArrowTypeError``, ``OSError``) are the caller's to word."""
    import pyarrow.csv as pacsv

    read = {"column_names": list(column_names), "use_threads": True} if column_names is not None else {}
    if block_size is not None:
        read["block_size"] = block_size
    convert = pacsv.ConvertOptions(
        column_types=column_types,
        null_values=[""] if empty_is_null else [],
        strings_can_be_null=empty_is_null, quoted_strings_can_be_null=empty_is_null, check_utf8=check_utf8,
        **({"include_columns": list(include_columns)} if include_columns is not None else {}),
    )
    parse = pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, newlines_in_values=newlines_in_values)
    return pacsv.read_csv(source, read_options=pacsv.ReadOptions(**read), parse_options=parse,
                          convert_options=convert)
