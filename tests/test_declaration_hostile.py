"""The declaration and the error output as hostile input (issue 18): `sce validate` and `sce build`
read the same declaration (the package's own schemas/ when it has one); its YAML is bounded and
may not use anchors or aliases; the whole error report is bounded (a header of 200,000 columns
gives a few lines and a count)."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from conftest import REPO

from syria_conflict_events.cli import main
from syria_conflict_events.declaration import (
    MAX_YAML_BYTES,
    DeclarationError,
    load_declaration,
    package_declaration,
)
from syria_conflict_events.release.build import declaration_for
from syria_conflict_events.validation import render, validate_package
from syria_conflict_events.validation.errors import ValidationError
from syria_conflict_events.validation.runner import MAX_REPORTED_ERRORS, _cap_total

BOMB = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def _schemas(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", schemas)
    return schemas


def test_alias_bomb_is_refused_at_once(tmp_path):
    schemas = _schemas(tmp_path)
    (schemas / "package.yaml").write_text(BOMB + (schemas / "package.yaml").read_text(encoding="utf-8"))
    start = time.perf_counter()
    with pytest.raises(DeclarationError, match="anchors and aliases"):
        load_declaration(schemas)
    assert time.perf_counter() - start < 5


def test_a_single_alias_is_refused_with_its_position(tmp_path):
    schemas = _schemas(tmp_path)
    text = (schemas / "package.yaml").read_text(encoding="utf-8")
    (schemas / "package.yaml").write_text(text + "extra: &x 1\nagain: *x\n", encoding="utf-8")
    with pytest.raises(DeclarationError, match=r"package\.yaml:\d+:\d+: YAML anchors"):
        load_declaration(schemas)


def test_oversized_declaration_file_is_refused(tmp_path):
    schemas = _schemas(tmp_path)
    with (schemas / "vocabularies.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# " + "x" * MAX_YAML_BYTES + "\n")
    with pytest.raises(DeclarationError, match="more than"):
        load_declaration(schemas)


def test_validate_of_a_package_with_an_alias_bomb_exits_2(tmp_path, valid_package, capsys):
    schemas = shutil.copytree(REPO / "schemas", valid_package / "schemas")
    (schemas / "tables.yaml").write_text(BOMB, encoding="utf-8")
    assert main(["validate", str(valid_package)]) == 2
    assert "anchors and aliases" in capsys.readouterr().err


def test_validate_and_build_read_the_same_declaration(tmp_path, valid_package):
    shutil.copytree(REPO / "schemas", valid_package / "schemas")
    package_yaml = valid_package / "schemas" / "package.yaml"
    package_yaml.write_text(re.sub(r'(?m)^version: "[^"]*"', 'version: "9.9.9"',
                                   package_yaml.read_text(encoding="utf-8")), encoding="utf-8")
    assert package_declaration(valid_package).version == "9.9.9"
    assert declaration_for(valid_package).version == "9.9.9"
    # validate reads the package's declaration: its datapackage.json was generated from the
    # installed one, so the version differs and the drift is reported (it was not before).
    report = validate_package(valid_package)
    assert "descriptor-drift" in {e.rule for e in report.errors}, render(report)


def test_validate_schemas_option_names_the_governing_declaration(valid_package):
    shutil.copytree(REPO / "schemas", valid_package / "schemas")
    (valid_package / "schemas" / "tables.yaml").write_text(BOMB, encoding="utf-8")
    assert main(["validate", str(valid_package), "--schemas", str(REPO / "schemas")]) == 0


def test_header_of_200000_columns_gives_a_few_lines(valid_package, capsys):
    events = valid_package / "data" / "events.csv"
    lines = events.read_text(encoding="utf-8").split("\n", 1)
    extra = ",".join(f"c{i}" for i in range(200_000))
    events.write_text(f"{lines[0]},{extra}\n{lines[1]}", encoding="utf-8")
    assert main(["validate", str(valid_package)]) == 1
    err = capsys.readouterr().err
    assert len(err) < 20_000, len(err)
    assert "199,990 more columns" in err


def test_report_is_bounded_as_a_whole():
    errors = [ValidationError("data/events.csv", i, f"c{i}", "type", "x") for i in range(MAX_REPORTED_ERRORS + 5)]
    capped = _cap_total(errors)
    assert len(capped) == MAX_REPORTED_ERRORS + 1
    assert capped[-1].rule == "too-many-errors" and "5 more errors" in capped[-1].message
