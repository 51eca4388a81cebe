"""Characters a cell must not hold, as regular expressions that mean the same to Arrow's RE2 (the
validator) and Python's re (the importers), so both use this one declaration."""

from __future__ import annotations

import unicodedata

# Control characters (NUL, tab, line breaks, DEL, ...) and the bidirectional embedding, override
# and isolate controls (U+202A-U+202E, U+2066-U+2069): invisible, they make a reviewed diff show
# text in another order than the file stores it. The ASCII range is escaped; the bidirectional
# ones are the characters themselves (RE2 writes \x{202A}, Python \u202a).
CONTROL = r"[\x00-\x1f\x7f" + "\u202a-\u202e\u2066-\u2069" + "]"
# A leading character a spreadsheet would run as a formula.
FORMULA_START = r"^[=+\-@]"

# Code points with no business in data (written as the characters themselves, like CONTROL): C1
# controls (U+0085 is a line break to some readers), the line and paragraph separators, a
# byte-order mark inside text, private-use characters (their meaning is a private agreement) and
# the noncharacters (U+FDD0-U+FDEF and the last two of every plane). ZWNJ/ZWJ (U+200C/U+200D),
# needed in Arabic and Persian, are not among them.
_FORBIDDEN_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x80, 0x9F, "a C1 control character"),
    (0x2028, 0x2029, "a line or paragraph separator"),
    (0xFEFF, 0xFEFF, "a byte-order mark"),
    (0xE000, 0xF8FF, "a private-use character"),
    (0xFDD0, 0xFDEF, "a noncharacter"),
    *((plane + 0xFFFE, plane + 0xFFFF, "a noncharacter") for plane in range(0, 0x110000, 0x10000)),
    (0xF0000, 0xFFFFD, "a private-use character"),
    (0x100000, 0x10FFFD, "a private-use character"),
)
FORBIDDEN = "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b, _ in _FORBIDDEN_RANGES) + "]"
# The smallest UTF-8 lead byte of a forbidden character (U+0080 is C2 80): text whose bytes all
# lie below it holds none.
FORBIDDEN_LEAD = 0xC2
# Text whose characters all lie below U+0300 (bytes below 0xCC) is already NFC: no combining mark,
# no character NFC would change.
NFC_SAFE_BELOW = 0xCC


def forbidden_character(text: str) -> str | None:
    """'U+XXXX (what it is) at character N' for the first forbidden character, or None."""
    for i, ch in enumerate(text, 1):
        cp = ord(ch)
        if cp < 0x80:
            continue
        for low, high, what in _FORBIDDEN_RANGES:
            if low <= cp <= high:
                return f"U+{cp:04X} ({what}) at character {i}"
    return None


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
