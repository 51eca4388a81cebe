"""`sce import` and `sce new` share one slug rule and one formula-character rule (issue 16): the
same name gets the same identifier from both, and the same leading characters are treated as
spreadsheet formulas by both (the import drops them and says so, `sce new` refuses the row)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.text_rules import FORMULA_CHARACTERS

FIXTURE = Path(__file__).parent / "fixtures" / "acled_small.csv"
# Apostrophes of every kind, accents, a letter with no ASCII form, punctuation runs, a long name.
NAMES = ["Ma'arrat al-Nu'mān Brigade", "Liwa’ al-Quds", "Jaysh ʿAbd Allah", "Straße Group",
         "  Dayr az-Zawr  (Military Council) ", "Ḥamā – Forces", "Fatah " * 14]
LEADS = [*FORMULA_CHARACTERS, "#", "!", "(", "~"]


def _acled_export(path: Path, actors: list[str]) -> Path:
    """The fixture's first row once per actor name (as actor1, with its own event id)."""
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, first = reader.fieldnames, next(reader)
    assert header is not None
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        for n, name in enumerate(actors):
            writer.writerow({**first, "event_id_cnty": f"SYR9{n:04d}", "actor1": name, "actor2": "",
                             "assoc_actor_1": "", "assoc_actor_2": ""})
    return path


def _imported_actors(tmp_path: Path, names: list[str], capsys) -> tuple[dict[str, str], str]:
    """(actor name -> actor_id, the import's messages) for an import naming ``names`` as actor1."""
    out = tmp_path / "imported"
    assert main(["import", "acled", str(_acled_export(tmp_path / "export.csv", names)), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    with (out / "data" / "actors.csv").open(encoding="utf-8", newline="") as fh:
        return {r["name"]: r["actor_id"] for r in csv.DictReader(fh)}, err


def _new_actor(root: Path, name: str, capsys) -> tuple[int, str, str]:
    code = main(["new", "actor", "--path", str(root), "--set", f"name={name}", "--set", "actor_type=rebel_group"])
    out, err = capsys.readouterr()
    return code, out.strip(), err


def test_the_same_name_gets_the_same_slug(tmp_path, valid_package, capsys):
    imported, _ = _imported_actors(tmp_path, NAMES, capsys)
    for name in NAMES:
        cleaned = " ".join(name.split())  # both store a name trimmed, its spaces collapsed
        code, made, err = _new_actor(valid_package, cleaned, capsys)
        assert code == 0, err
        assert made == imported[cleaned], name


@pytest.mark.parametrize("lead", LEADS)
def test_the_same_leading_characters_are_formulas(tmp_path, valid_package, capsys, lead):
    name = f"{lead}Example Cell Group"
    imported, err = _imported_actors(tmp_path, [name], capsys)
    formula_to_import = "Example Cell Group" in imported and name not in imported
    assert formula_to_import == (f"leading {lead!r} removed" in err)
    code, _, err = _new_actor(valid_package, name, capsys)
    formula_to_new = code != 0 and "formula" in err
    assert formula_to_import == formula_to_new == (lead in "=+-@"), err


def test_one_formula_character_set_behind_every_check():
    """The validator's pattern (which `sce new` runs), the importers' guard and the Excel writer's
    quote prefix all follow FORMULA_CHARACTERS."""
    import re

    from syria_conflict_events.formats.xlsx import FORMULA_START as EXCEL_LEADS
    from syria_conflict_events.importers.common import clean, needs_guard
    from syria_conflict_events.text_rules import FORMULA_START, starts_formula

    for code in range(0x21, 0x7F):  # printable, not the space (which clean() trims)
        text = f"{chr(code)}x"
        formula = chr(code) in FORMULA_CHARACTERS
        assert starts_formula(text) == formula == bool(re.match(FORMULA_START, text)) == text.startswith(EXCEL_LEADS)
        assert needs_guard(text) == formula and (clean(text) == "x") == formula
