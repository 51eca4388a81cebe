"""How a rule's failures become ValidationErrors, for every layer that checks cells and rows (the
typing of cells, both engines of the semantic layer): the message of each failure and the cap,
at most MAX_ERRORS_PER_RULE errors per file, column and rule and then one line counting the rest,
written once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..constraints import BY_RULE
from ..declaration import Declaration, Table
from ..text_rules import forbidden_character
from .errors import MAX_ERRORS_PER_RULE, ValidationError
from .rules import RULES

# Makes the line that counts the failures past the cap: (column, rule, total) -> error.
More = Callable[[str | None, str, int], ValidationError]


def more_line(path: str, column: str | None, rule: str, total: int, limit: int = MAX_ERRORS_PER_RULE,
              ) -> ValidationError:
    """The line that stands for the errors past the first ``limit``."""
    return ValidationError(path, None, column, rule,
                           f"{total - limit:,} more rows break this rule (only the first "
                           f"{limit:,} of {total:,} are listed)", "semantic")


def capped(path: str, column: str | None, rule: str, failed: Sequence[int | None],
           messages: Callable[[Sequence[int | None]], list[str]], *, first_line: int = 0,
           total: int | None = None, limit: int = MAX_ERRORS_PER_RULE, more: More | None = None,
           ) -> list[ValidationError]:
    """The errors of one rule on one column: the first ``limit`` of ``failed`` (row positions,
    on line ``first_line + position``; None for no row), each with its message (``messages`` is
    given the positions shown), then, when ``total`` (default: all of ``failed``) is larger, one
    line counting the rest."""
    shown = failed[:limit]
    errors = [ValidationError(path, None if pos is None else first_line + int(pos), column, rule, text, "semantic")
              for pos, text in zip(shown, messages(shown), strict=True)]
    total = len(failed) if total is None else total
    if total > limit:
        errors.append((more or (lambda c, r, n: more_line(path, c, r, n, limit)))(column, rule, total))
    return errors


def message(rule: str, table: Table, column: str | None, value: object, decl: Declaration) -> str:
    """What is wrong with ``value`` (None for a rule about a whole row) in ``column``."""
    f = table.field(column) if column and column in table.field_names else None
    shown = "" if value is None or (isinstance(value, float) and value != value) else repr(value)  # NaN
    kind = BY_RULE.get(rule)
    if kind is not None and f is not None and kind.present(f):
        return kind.message(shown, f)
    if rule == "required":
        return f"{column} is required"
    if rule == "primary-key":
        return f"duplicate key {shown}"
    if rule == "foreign-key" and column:
        return f"{shown} is not a known {column}"
    if rule == "forbidden-character" and isinstance(value, str):
        return f"{shown} holds {forbidden_character(value) or 'a forbidden character'}"
    if rule == "not-nfc" and shown:
        return f"{shown} is not in Unicode normal form C (decomposed characters); `sce fmt` composes them"
    if rule == "row-order":
        return f"rows are not sorted by {', '.join(table.primary_key)}; this is the first row out of place"
    if rule == "parent-cycle":
        return f"the {column} chain starting here returns to this row"
    if shown:
        return f"{shown}: {RULES[rule].title}"
    return RULES[rule].title
