"""Property-based robustness of the commands that write: `sce fmt` and `sce new`. Whatever the
file holds or the contributor types, they end with exit 0 (and a canonical file that reads as
the same values), or a clear refusal (exit 1 or 2) that leaves every file as it was; never a
traceback."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from syria_conflict_events.canonical import DELIMITERS
from syria_conflict_events.cli import main
from syria_conflict_events.declaration import load_declaration

DECL = load_declaration()
ACTORS = DECL.tables["actors"]
ODD = ["\u200f", "\u202e", "\u0301", "\u200b", "\ufeff", "\x00", "\x1b", "\r", "\n", "\r\n", "\t", '"', ",",
       ";", "|", "=", "-", " ", "حلب", "😀", "\U0010fffd"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=6)), max_size=10).map("".join)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _values(data: bytes) -> Counter:
    """Rows as {column: value}, for whichever delimiter makes the header the declared fields. Text
    compared in NFC: `sce fmt` composes decomposed text (e + accent -> é), which changes bytes, not
    values."""
    text = unicodedata.normalize("NFC", data.decode("utf-8-sig"))
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
        if rows and sorted(rows[0]) == sorted(ACTORS.field_names):
            return Counter(tuple(sorted(zip(rows[0], r, strict=False))) for r in rows[1:])
    raise AssertionError("fmt accepted a file whose header is not the declared one")


noise = st.lists(st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r\n", b"\r", b"\x00", b"\xff", b"\xc3",
                                  codecs.BOM_UTF8, b"a", b" ", "ب".encode(), b"\xe2\x80\xae"]),
                 max_size=40).map(b"".join)


@given(cells=st.lists(st.lists(odd_text, min_size=len(ACTORS.fields), max_size=len(ACTORS.fields)), max_size=6),
       delimiter=st.sampled_from(DELIMITERS), terminator=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans(), shuffle=st.randoms(use_true_random=False), tail=st.just(b"") | noise)
def test_fmt_keeps_values_or_refuses(fresh, capsys, cells, delimiter, terminator, bom, shuffle, tail):
    root = fresh()
    header = list(ACTORS.field_names)
    shuffle.shuffle(header)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerows([header, *cells])
    data = (codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode("utf-8") + tail
    path = root / ACTORS.path
    path.write_bytes(data)
    before = _snapshot(root)

    code = main(["fmt", str(root), "--check"])
    assert code in (0, 1, 2)
    assert _snapshot(root) == before
    code = main(["fmt", str(root)])
    event(f"exit {code}")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 2:
        assert "file left unchanged" in err
        assert _snapshot(root) == before
        return
    assert code == 0
    out = path.read_bytes()
    assert _values(out) == _values(data)  # same rows, same values, whatever the form
    assert main(["fmt", str(root), "--check"]) == 0  # idempotent


set_value = st.one_of(odd_text, st.sampled_from(["", "SCE-000001", "aleppo", "syria", "2024-11-29", "2024-02-30",
                                                 "battles", "armed_clash", "-1", "1e9", "verified"]))


def _rarely(draw: st.DrawFn) -> bool:
    return draw(st.integers(0, 9)) == 0


@st.composite
def new_command(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], str | None]:
    """Mostly plausible commands (the table's own fields, usually every required one with its
    declared example), with hostile kinds, names, values and IDs mixed in."""
    table = DECL.tables[draw(st.sampled_from(sorted(DECL.tables)))]
    forms = [table.name, table.name.rstrip("s"), table.name.replace("_", "-")]
    kind = draw(odd_text) if _rarely(draw) else draw(st.sampled_from(forms))
    sets = [(f.name, str(f.example)) for f in table.fields
            if f.required and f.example is not None and not _rarely(draw)]
    unset = [n for n in table.field_names if n not in dict(sets)] or table.field_names
    for name in draw(st.lists(st.sampled_from(unset), max_size=3, unique=True)):
        sets.append((draw(odd_text) if _rarely(draw) else name, draw(set_value)))
    return kind, sets, draw(odd_text) if _rarely(draw) else None


@given(command=new_command())
def test_new_writes_one_checked_row_or_nothing(fresh, capsys, command):
    kind, sets, given_id = command
    root = fresh()
    before = _snapshot(root)
    args = ["new", "--path", str(root), *(f"--set={name}={value}" for name, value in sets)]
    if given_id is not None:
        args.append(f"--id={given_id}")
    code = main([*args, "--", kind])  # `--`: a kind such as "-h" is still a kind
    event(f"exit {code}")
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    after = _snapshot(root)
    if code != 0:
        assert after == before
        return
    changed = [rel for rel in after if after[rel] != before.get(rel)]
    assert len(changed) == 1
    assert len(after[changed[0]].splitlines()) == len(before[changed[0]].splitlines()) + 1
