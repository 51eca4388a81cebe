"""Characters a cell must not hold, as regular expressions that mean the same to Arrow's RE2 (the
validator) and Python's re (the importers), so both use this one declaration; and the two text
rules `sce import` and `sce new` share: the formula characters and the slug of a name."""

from __future__ import annotations

import re
import unicodedata

# Control characters (NUL, tab, line breaks, DEL, ...) and the bidirectional embedding, override
# and isolate controls (U+202A-U+202E, U+2066-U+2069): invisible, they make a reviewed diff show
# text in another order than the file stores it. The ASCII range is escaped; the bidirectional
# ones are the characters themselves (RE2 writes \x{202A}, Python \u202a).
CONTROL = r"[\x00-\x1f\x7f" + "\u202a-\u202e\u2066-\u2069" + "]"
# A leading character a spreadsheet would run as a formula: `sce validate` and `sce new` refuse a
# text cell that starts with one, `sce import` drops it (and reports it), the Excel writer quotes it.
FORMULA_CHARACTERS = "=+-@"
FORMULA_START = "^[" + re.escape(FORMULA_CHARACTERS) + "]"

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


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula: its first character is one of
    FORMULA_CHARACTERS (text is checked as stored: no leading spaces are skipped)."""
    return text[:1] != "" and text[:1] in FORMULA_CHARACTERS


def drop_formula_lead(text: str) -> str:
    """``text`` without the formula characters (and then the spaces) it starts with."""
    return text.lstrip(FORMULA_CHARACTERS).strip()


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, max_length: int = 60) -> str:
    """The identifier `sce new` and `sce import` make from a name: lowercase ASCII (accents dropped
    by NFKD; a character with no ASCII form dropped), every other run (spaces, apostrophes,
    punctuation) one '-', no '-' at either end, at most ``max_length`` characters. "" when nothing
    is left (an Arabic-only name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-")
