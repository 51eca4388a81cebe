"""Characters a cell must not hold, as regular expressions that mean the same to Arrow's RE2 (the
validator) and Python's re (the importers), so both use this one declaration."""

# Control characters (NUL, tab, line breaks, DEL, ...) and the bidirectional embedding, override
# and isolate controls (U+202A-U+202E, U+2066-U+2069): invisible, they make a reviewed diff show
# text in another order than the file stores it. The ASCII range is escaped; the bidirectional
# ones are the characters themselves (RE2 writes \x{202A}, Python \u202a).
CONTROL = r"[\x00-\x1f\x7f" + "\u202a-\u202e\u2066-\u2069" + "]"
# A leading character a spreadsheet would run as a formula.
FORMULA_START = r"^[=+\-@]"
