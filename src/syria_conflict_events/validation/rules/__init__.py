"""Every rule a contributor can break, one module per family: each rule's id, the layer that
reports it, its title and hint, and, where it has a kernel of its own, the kernel and the columns
that kernel reads, side by side in one :class:`Rule`.

The docs' error reference is generated from :data:`RULES`, so a rule cannot exist without its
explanation; both engines (the pandera models and the vectorised run) take the row kernels from
:func:`row_rules` and the key kernels from :mod:`.columns`, so a kernel is written once and cannot
exist without its catalogue entry (``tests/test_rule_catalogue.py``). The kernels of field
constraints and text rules (enum, pattern, minimum, ..., whitespace) are built per field from the
declaration by ``validation.vectorised.arrow_rules``; their entries here carry no kernel."""

from __future__ import annotations

from . import agreements, columns, control, events, files, places, records, sourcing, text
from .rule import ROW_LEVEL, RowCheck, Rule, Runs

# Families in report order: the rules of one table run (and their errors on one row are listed)
# in this order, the row order last.
FAMILIES = (files, columns, text, events, places, agreements, sourcing, control, records)

RULES: dict[str, Rule] = {rule.id: rule for family in FAMILIES for rule in family.RULES}


def row_rules(table: str) -> list[tuple[Rule, Runs]]:
    """The row-level rules that run on ``table`` (with their kernel and the column they name), in
    report order; the row order's runs on every table."""
    return [(rule, runs) for rule in RULES.values() for runs in rule.runs if runs.table in (table, ROW_LEVEL)]


__all__ = ["FAMILIES", "ROW_LEVEL", "RULES", "RowCheck", "Rule", "Runs", "row_rules"]
