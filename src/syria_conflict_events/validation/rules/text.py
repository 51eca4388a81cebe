"""The text rules every text cell obeys (no formula start, no forbidden or decomposed
characters, no stray spaces). Their kernels are column kernels, built per field by
``validation.vectorised.arrow_rules``; a control character is the file layer's (``files``)."""

from __future__ import annotations

from .rule import rule

RULES = [
    rule("formula-cell", "semantic", "a text cell starts with =, +, - or @ (a spreadsheet would run it as a formula)",
        "Reword the cell so that it starts with a letter, digit or quotation mark."),
    rule("forbidden-character", "semantic", "a cell holds a private-use character, a noncharacter, a byte-order "
                              "mark, a C1 control (such as U+0085) or a line/paragraph separator (U+2028/U+2029)",
        "Delete the character (the message gives its code point and position); it is invisible or means "
        "nothing outside one program. Retype the text if it was pasted from a PDF or a word processor."),
    rule("not-nfc", "semantic", "a cell's text is not in Unicode normal form C (NFC)",
        "Run `sce fmt`: it composes the characters (e + combining accent becomes é) without changing the text "
        "a reader sees, so searches and comparisons match."),
    rule("whitespace", "semantic", "a cell has leading or trailing spaces or doubled spaces",
        "Trim the cell; `sce fmt` does not change values, so fix it by hand."),
]
