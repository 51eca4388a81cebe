"""One validation error: where (file, row, column), which rule, what is wrong, how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .rules import RULES

# At most this many errors per file, column and rule are listed, then one line counts the rest:
# a hostile file with a million bad rows must not need gigabytes to report them.
MAX_ERRORS_PER_RULE = 1000


@dataclass(frozen=True, order=True)
class ValidationError:
    path: str  # relative to the package root, e.g. data/events.csv
    row: int | None  # line number in the file (header = 1); None when not about one row
    column: str | None  # field name; None when not about one column
    rule: str  # an id from rules.RULES
    message: str
    layer: str = "file"  # file | table-schema | semantic | json-schema

    @property
    def hint(self) -> str:
        return RULES[self.rule].hint

    def location(self) -> str:
        row = "-" if self.row is None else str(self.row)
        return f"{self.path}:{row}:{self.column or '-'}"

    def to_text(self) -> str:
        return f"{self.location()}: {self.rule}: {self.message}\n    hint: {self.hint}"

    def to_dict(self) -> dict:
        out = asdict(self)
        out["hint"] = self.hint
        return out
