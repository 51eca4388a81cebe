"""Load SCE tables as typed pandas frames: the copy bundled with the package (offline), a package
directory, or a pinned release fetched and verified through :mod:`download`.

Types come from the package's own Table Schemas (generated from the declaration, so a pinned old
release is read with the schema it was published with): dates are ``datetime64[s]``, integers
``Int64``, numbers ``Float64``, vocabulary codes categoricals with the declared categories and
everything else pandas ``str``. Every cell is read as text first, so identifiers are never
coerced (``001`` stays ``001``).
"""


from .api import cite, load, load_all, load_text, open_source, read_table, tables, versions
from .convert import convert, dtypes, typed_arrow, warn_unreadable
from .descriptor import MAX_JSON_BYTES, MAX_TABLE_BYTES, Package, open_package, read_csv_text, read_text_table
from .specs import CellProblem, ColumnSpec, DataWarning, ForeignKeySpec, PackageError, TableSpec

__all__ = [
    "MAX_JSON_BYTES", "MAX_TABLE_BYTES", "CellProblem", "ColumnSpec", "DataWarning", "ForeignKeySpec", "Package",
    "PackageError", "TableSpec", "cite", "convert", "dtypes", "load", "load_all", "load_text", "open_package",
    "open_source", "read_csv_text", "read_table", "read_text_table", "tables", "typed_arrow", "versions",
    "warn_unreadable",
]
