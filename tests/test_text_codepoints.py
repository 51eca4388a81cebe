"""Text rules of issue 18: code points with no business in data are refused with file, row,
column and a hint (both engines); text must be NFC, which `sce validate` reports and `sce fmt`
composes; legitimate text (Arabic with ZWNJ and diacritics, accented Latin) keeps passing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.validation import render, validate_package
from syria_conflict_events.validation.rules import RULES

E, A = "data/events.csv", "data/actors.csv"
SUMMARY = "Fighting on the western edge of the city, reported by two monitors."


def _summary(text: str) -> Callable[[dict], None]:
    def edit(rows: dict) -> None:
        next(r for r in rows["events"] if r["event_id"] == "SCE-000002")["summary"] = text
    return edit


FORBIDDEN = [
    ("private-use", "\ue000"), ("private-use-plane-15", "\U000f0001"), ("noncharacter-fffe", "\ufffe"),
    ("noncharacter-ffff", "\uffff"), ("noncharacter-fdd0", "\ufdd0"), ("noncharacter-plane-1", "\U0001fffe"),
    ("bom-inside-cell", "\ufeff"), ("line-separator", "\u2028"), ("paragraph-separator", "\u2029"),
    ("next-line", "\u0085"),
]


@pytest.mark.parametrize("char", [c for _, c in FORBIDDEN], ids=[i for i, _ in FORBIDDEN])
@pytest.mark.parametrize("engine", ["vectorised", "pandera"])
def test_forbidden_code_point_is_refused_with_position(make_package, char, engine):
    root = make_package(_summary(SUMMARY.replace("western", f"wes{char}tern")))
    report = validate_package(root, frictionless="never", pandera="always" if engine == "pandera" else "never")
    hits = [e for e in report.errors if e.rule == "forbidden-character"]
    assert [(e.path, e.row, e.column) for e in hits] == [(E, 3, "summary")], render(report)
    if engine == "vectorised":
        assert f"U+{ord(char):04X}" in hits[0].message and "character 20" in hits[0].message
    assert report.exit_code == 1
    text = render(report, "text")
    assert "data/events.csv:3:summary: forbidden-character" in text and "hint:" in text


@pytest.mark.parametrize("engine", ["vectorised", "pandera"])
def test_decomposed_text_is_reported(make_package, engine):
    decomposed = unicodedata.normalize("NFD", "Fighting near the café of Saraqib, reported by two monitors.")
    report = validate_package(make_package(_summary(decomposed)), frictionless="never",
                              pandera="always" if engine == "pandera" else "never")
    assert {(e.path, e.row, e.column, e.rule) for e in report.errors} == {(E, 3, "summary", "not-nfc")}


LEGITIMATE = [
    "Fighting in حلب reported by two monitors, naming the town مَعَرَّة النُّعمان.",  # Arabic with diacritics
    "Clashes near می‌خواهم as one monitor spells it, with a zero-width non-joiner.",  # ZWNJ (U+200C)
    "Fighting near Kafr Nabl, Saraqib and Ma’arrat an-Nu‘man; the café was hit. Zürich, Ñ, Ø.",
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_text_passes(make_package, text):
    assert unicodedata.is_normalized("NFC", text)
    report = validate_package(make_package(_summary(text)))
    assert report.valid, render(report)


def test_fmt_composes_decomposed_text_and_check_reports_it(make_package, capsys):
    text = "Fighting near the café of Saraqib, reported by two monitors."
    root = make_package(_summary(unicodedata.normalize("NFD", text)))
    assert main(["fmt", str(root), "--check"]) == 1
    assert "Unicode normal form C" in capsys.readouterr().out
    assert main(["fmt", str(root)]) == 0
    assert text.encode() in (root / E).read_bytes()
    assert validate_package(root).valid
    assert main(["fmt", str(root), "--check"]) == 0


def test_rules_are_in_the_catalogue_and_error_reference():
    assert {"forbidden-character", "not-nfc"} <= set(RULES)
    assert RULES["forbidden-character"].hint and RULES["not-nfc"].hint


def test_repository_data_still_passes():
    repo = Path(__file__).resolve().parents[1]
    assert validate_package(repo).valid
