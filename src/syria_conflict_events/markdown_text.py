"""Contributor text (data cells, and labels, descriptions and metadata from schemas/*.yaml) as
Markdown that renders as that very text: never as HTML, a link, emphasis, a heading or a table
cell break, on GitHub, in MkDocs and in the release's Markdown files. The characters that carry
meaning are written as numeric character references, which both renderers show as the character."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# HTML (< > &), table cells (|), links and images ([ ] !), emphasis and code (* _ ` ~), headings
# (#), escapes (\), and $ (maths, if an extension ever reads it). An underscore between two word
# characters (date_start) is no emphasis in either renderer, so it stays readable.
_SPECIAL = re.compile(r"[&<>|\[\]!*`~#\\$]|(?<!\w)_|_(?!\w)")


def plain(text: object) -> str:
    """``text`` on one line (runs of whitespace become one space), safe anywhere inline."""
    return _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", " ".join(str(text).split()))


def fenced(info: str, body: str) -> str:
    """A fenced code block that ``body`` cannot close: its fence is longer than any run of
    backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body.rstrip(chr(10))}\n{fence}"


def literal(text: object) -> str:
    """``text`` as inline code: a code span when nothing in it can end the span or a table cell,
    else every character that is not a letter or digit as a character reference."""
    value = " ".join(str(text).split())
    if value and "`" not in value and "|" not in value:
        return f"`{value}`"
    return "<code>" + "".join(c if c.isalnum() or c in " -" else f"&#{ord(c)};" for c in value) + "</code>"


def code(value: object) -> str:
    """Inline code that renders the same on GitHub and in MkDocs, whatever the characters
    (patterns hold pipes, stars and backslashes that Markdown tables would eat)."""
    text = str(value)
    return "<code>" + "".join(c if c.isalnum() or c in " -" else f"&#{ord(c)};" for c in text) + "</code>"


def prose(text: str) -> str:
    """Contributor prose (rule titles and hints) as Markdown: code spans (`...`) kept, elsewhere
    <, > and * cannot become HTML tags or emphasis (hints mention data/<table>.csv and schemas/*.yaml)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = html.escape(parts[i], quote=False).replace("*", "\\*")
    return "`".join(parts)


def ticked(names: Iterable[object]) -> str:
    """Identifiers (table, field and key names) as code spans, comma-separated."""
    return ", ".join(f"`{n}`" for n in names)
