"""Run every layer over a package directory and collect every error (never just the first)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..declaration import Declaration, Table, package_declaration
from ..table_schema import package_descriptor
from .errors import MAX_ERRORS_PER_RULE, ValidationError
from .structure import DEFAULT_MAX_BYTES, read_raw_table
from .suggestions import with_suggestions

# The semantic and JSON layers (pandas, which pyarrow loads with the first array it builds, and
# jsonschema: ~0.4 s of imports) are imported by validate_package once the files are being read,
# so the imports overlap the reading instead of delaying it.

# Above this many rows the Frictionless layer (cell by cell, single core) is skipped in "auto"
# mode: the same Table Schema rules are checked vectorised by the semantic layer.
FRICTIONLESS_AUTO_MAX_ROWS = 200_000
PANDERA_AUTO_MAX_ROWS = FRICTIONLESS_AUTO_MAX_ROWS
WORKERS = 2  # tables read and checked at once (memory grows with it: two files' bytes at a time)


class UsageError(Exception):
    """Bad usage or unreadable input: exit code 2."""


@dataclass
class Report:
    root: Path
    errors: list[ValidationError] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    layers: list[str] = field(default_factory=list)
    engine: str = ""  # what ran the semantic rules: "pandera" or "vectorised"
    fatal: bool = False  # the package could not be read at all
    # With keep_tables: the typed Arrow tables that were checked (string, int64, float64, date32;
    # null for an empty cell; file order), for a caller such as the release build to reuse.
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return 2 if self.fatal else (0 if self.valid else 1)


def _cap(errors: list[ValidationError]) -> list[ValidationError]:
    """At most MAX_ERRORS_PER_RULE row errors per file, rule and column (in file order), plus one
    line counting the rest. The semantic layer caps its own and writes that line with the true
    total; the Frictionless layer does not (it stops at 100,000 errors), so its extra errors are
    dropped here and counted when no such line exists yet."""
    kept: dict[tuple, int] = {}
    dropped: dict[tuple, int] = {}
    summarised = {(e.path, e.rule, e.column) for e in errors if e.row is None}
    out = []
    for e in sorted(errors, key=lambda e: (e.row is None, e.row or 0)):
        key = (e.path, e.rule, e.column)
        if e.row is not None:
            kept[key] = kept.get(key, 0) + 1
            if kept[key] > MAX_ERRORS_PER_RULE:
                dropped[key] = dropped.get(key, 0) + 1
                continue
        out.append(e)
    for (path, rule, column), n in dropped.items():
        if (path, rule, column) not in summarised:
            out.append(ValidationError(path, None, column, rule,
                                       f"{n:,} more rows break this rule (only the first "
                                       f"{MAX_ERRORS_PER_RULE:,} are listed)", "table-schema"))
    return out


# The whole report, whatever the number of files, columns and rules: a bound on what is printed.
MAX_REPORTED_ERRORS = 10_000


def _cap_total(errors: list[ValidationError]) -> list[ValidationError]:
    """The first MAX_REPORTED_ERRORS errors (in report order), then one line counting the rest."""
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    rest = len(errors) - MAX_REPORTED_ERRORS
    return [*errors[:MAX_REPORTED_ERRORS],
            ValidationError(errors[MAX_REPORTED_ERRORS].path, None, None, "too-many-errors",
                            f"{rest:,} more errors are not listed ({len(errors):,} in all)", "file")]


def _dedupe(errors: list[ValidationError]) -> list[ValidationError]:
    seen: set[tuple] = set()
    out = []
    for e in errors:
        key = (e.path, e.row, e.column, e.rule)
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out


def validate_package(
    root: Path | str,
    *,
    decl: Declaration | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    frictionless: str = "auto",
    pandera: str = "auto",
    keep_tables: bool = False,
) -> Report:
    """Validate the package at ``root`` (a directory with datapackage.json and data/).

    Reads only; never writes. ``frictionless`` and ``pandera`` are "auto", "always" or "never"
    ("never" for pandera: the same semantic rules run vectorised).
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    decl = decl or package_declaration(root)
    report = Report(root)
    errors: list[ValidationError] = []

    def read_and_type(table: Table) -> tuple[pa.Table | None, list[ValidationError]]:
        raw, file_errors = read_raw_table(root, table, max_bytes=max_bytes)
        if raw is None:
            return None, file_errors
        from .semantic import typed_table

        data, type_errors = typed_table(table, raw.arrow)
        return data, file_errors + type_errors

    def size(table: Table) -> int:
        try:
            return (root / table.path).lstat().st_size
        except OSError:
            return 0

    # The file layer, started first: two tables at a time (Arrow's kernels and file reads release
    # the GIL, so the second core works too), largest first so that the two workers finish
    # together; results are taken in declared order, so the report does not depend on timing.
    # The tables' paths come from the declaration, never from the (untrusted) descriptor.
    # A descriptor that cannot be read makes the whole report fatal: the reads are then dropped.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {t.name: pool.submit(read_and_type, t) for t in sorted(decl.tables.values(), key=size, reverse=True)}
        from .json_layer import check_descriptor, check_json_tables, load_json
        from .semantic import Context, run_pandera, vectorised_tasks

        descriptor, problem = load_json(root / "datapackage.json", "datapackage.json", root=root)
        if problem:
            for future in futures.values():
                future.cancel()
            report.errors = [ValidationError("datapackage.json", None, None, "descriptor-unreadable", problem)]
            report.fatal = True
            return report
        report.layers.append("json-schema")
        generated = descriptor == package_descriptor(decl)
        errors += check_descriptor(descriptor, decl, generated=generated)
        if not generated:
            errors.append(ValidationError("datapackage.json", None, None, "descriptor-drift",
                                          "datapackage.json is not the one generated from schemas/"))

        report.layers.append("file")
        ctx = Context(decl)
        sound: set[str] = set()  # tables that passed the file layer (their raw text is not kept: memory)
        for table in decl.tables.values():
            data, table_errors = futures[table.name].result()
            errors += table_errors
            if data is not None:
                sound.add(table.name)
                report.rows[table.name] = data.num_rows
                ctx.tables[table.name] = data

    total = sum(report.rows.values())
    if frictionless == "always" or (frictionless == "auto" and total <= FRICTIONLESS_AUTO_MAX_ROWS):
        from .frictionless_layer import run_frictionless  # imported only when the layer runs

        report.layers.append("table-schema")
        table_schema_errors = run_frictionless(root, decl, sound)
        # Frictionless reports type errors too; keep its wording and drop our duplicates.
        errors = [e for e in errors if e.rule != "type"] + table_schema_errors + \
            [e for e in errors if e.rule == "type"]

    # The semantic rules run through pandera itself on packages of ordinary size; above the same
    # threshold, the identical checks run vectorised without pandera's per-check overhead.
    use_pandera = pandera == "always" or (pandera == "auto" and total <= PANDERA_AUTO_MAX_ROWS)
    report.layers.append("semantic")
    report.engine = "pandera" if use_pandera else "vectorised"
    names = list(ctx.tables)
    if use_pandera:  # pandera's schemas are not shared across threads
        for name in names:
            errors += run_pandera(decl, decl.tables[name], ctx.frame(name), ctx)
    else:
        tasks = vectorised_tasks(decl, ctx)
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            # The shared lookups first, then the costliest first, so that the two workers finish
            # together; the results are taken in task order, so the report does not depend on it.
            start = sorted(range(len(tasks)), key=lambda i: (not tasks[i].first, -tasks[i].cost))
            futures = {i: pool.submit(tasks[i].run) for i in start}
            for i in range(len(tasks)):
                errors += futures[i].result()
    errors += check_json_tables(root, decl)

    # A cell that is not of its type is missing to the later checks: do not also call it empty.
    bad_cells = {(e.path, e.row, e.column) for e in errors if e.rule == "type"}
    errors = [e for e in errors if not (e.rule == "required" and (e.path, e.row, e.column) in bad_cells)]
    order = {t.path: i for i, t in enumerate(decl.tables.values())}
    errors = _cap(_dedupe(errors))
    errors.sort(key=lambda e: (order.get(e.path, -1), e.path, e.row or 0))
    report.errors = with_suggestions(_cap_total(errors), root, decl, max_bytes)
    if keep_tables:
        report.tables = dict(ctx.tables)
    return report
