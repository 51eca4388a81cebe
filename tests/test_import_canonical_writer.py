"""The canonical writer the importer uses (canonical.to_bytes): its bulk proof for plain rows
gives exactly the lines, the order and the refusals of encoding and re-parsing every row with the
csv module, which is what it did before the shortcut."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syria_conflict_events import canonical
from syria_conflict_events.canonical import FormatError, canonical_positions, format_bytes, sorted_positions, to_bytes
from syria_conflict_events.declaration import load_declaration

ACTORS = load_declaration().tables["actors"]
WIDTH = len(ACTORS.field_names)
# Characters the csv module treats specially, and a few that it does not.
ODD = [",", '"', "\r", "\n", "\r\n", "\x00", "\t", ";", " ", "\u2028", "\x85", "\ufeff", "é", "\U0001f600"]
cell = st.one_of(st.text(max_size=6), st.lists(st.sampled_from([*ODD, "a", "b", ""]), max_size=4).map("".join))
row = st.lists(cell, min_size=WIDTH, max_size=WIDTH)


def reference(rows: list[list[str]]) -> bytes | tuple[str, str]:
    """The writer before the shortcut: csv.writer per row, each line parsed back and compared."""
    lines = []
    for i, cells in enumerate(rows, start=1):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        try:
            again = next(csv.reader([buf.getvalue()], strict=True))
        except (csv.Error, StopIteration):
            again = None
        if again != cells:
            return ("fmt-lossy", f"row {i} ")
        lines.append(buf.getvalue())
    order = canonical_positions(pd.DataFrame({"k": [r[0] for r in rows]}, dtype="str"))
    header = ",".join(ACTORS.field_names) + "\n"
    return (header + "".join(lines[i] for i in order)).encode("utf-8")


def actual(rows: list[list[str]]) -> bytes | tuple[str, str]:
    try:
        return to_bytes(ACTORS, rows)
    except FormatError as exc:
        return (exc.code, exc.detail[:len("row ") + len(exc.detail.split()[1]) + 1])


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row, max_size=12))
def test_to_bytes_matches_the_row_by_row_writer(rows):
    assert actual(rows) == reference(rows)


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_same_result_across_chunk_boundaries(monkeypatch, chunk):
    plain = [[f"k{i}", *["x"] * (WIDTH - 1)] for i in range(7)]
    quoted = [[f"q{i}", 'say "hi", then', *["y"] * (WIDTH - 2)] for i in range(3)]
    rows = plain[:3] + quoted + plain[3:]
    expected = reference(rows)
    monkeypatch.setattr(canonical, "CHUNK_ROWS", chunk)
    assert to_bytes(ACTORS, rows) == expected
    rows[5] = [rows[5][0], "carriage\rreturn", *rows[5][2:]]
    with pytest.raises(FormatError) as exc:
        to_bytes(ACTORS, rows)
    assert exc.value.code == "fmt-lossy" and "row 6 " in exc.value.detail


def test_simple_rows_and_the_others():
    def simple(rows: list[list[str]]) -> list[str] | None:
        return canonical._simple_lines(rows, canonical._joined(rows))

    assert simple([["a", "b"], ["c", "d"]]) == ["a,b\n", "c,d\n"]
    assert simple([["a", "b,c"], ["d", ""]]) == ['a,"b,c"\n', "d,\n"]
    assert simple([[""]]) is None and simple([["a", "b"], [""]]) is None  # one empty cell is written ""
    assert simple([["a", None]]) is None  # type: ignore[list-item]
    for odd in ('say "x"', "a\nb", "a\rb", "a\x00b"):
        assert simple([["a", odd]]) is None and canonical._simple_line(["a", odd], f"a,{odd}\n") is None
    with_none = [["a", *["x"] * (WIDTH - 1)], ["b", None, *["y"] * (WIDTH - 2)]]
    assert actual(with_none) == reference(with_none) == ("fmt-lossy", "row 2 ")  # type: ignore[arg-type]


def test_the_first_bad_row_is_reported_even_when_a_later_row_is_malformed():
    good = ",".join(["k1", *["x"] * (WIDTH - 1)])
    lossy = ",".join(["k2", '"carriage\rreturn"', *["x"] * (WIDTH - 2)])
    short = "k3,too,few"
    data = "\n".join([",".join(ACTORS.field_names), good, lossy, short, ""]).encode("utf-8")
    with pytest.raises(FormatError) as exc:
        format_bytes(data, ACTORS, "data/actors.csv")
    assert exc.value.code == "fmt-lossy" and "row 2 " in exc.value.detail
    data = "\n".join([",".join(ACTORS.field_names), good, short, lossy, ""]).encode("utf-8")
    with pytest.raises(FormatError) as exc:
        format_bytes(data, ACTORS, "data/actors.csv")
    assert exc.value.code == "fmt-row" and "line 3 " in exc.value.detail


key = st.text(st.characters(exclude_categories=("Cs",)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.tuples(key, key), max_size=25))
def test_sorted_positions_is_the_validators_order(keys):
    frame = pd.DataFrame(keys, columns=["a", "b"], dtype="str")
    assert sorted_positions([[a for a, _ in keys], [b for _, b in keys]]) == list(canonical_positions(frame))
    single = pd.DataFrame({"a": [a for a, _ in keys]}, dtype="str")
    assert sorted_positions([[a for a, _ in keys]]) == list(canonical_positions(single))


def test_a_long_cell_that_needs_quotes_is_kept():
    """Longer than the csv module's default cell limit (128 KiB), in the last chunk of a file."""
    long = "x," * 100_000
    rows = [["k1", long, *["y"] * (WIDTH - 2)], ["k0", "a,b", *["z"] * (WIDTH - 2)]]
    written = to_bytes(ACTORS, rows)  # before the bulk proof this was refused as "lossy"
    assert written.count(b"\n") == 3 and f'"{long}"'.encode() in written
    shuffled = written.split(b"\n", 1)[0] + b"\n" + b"\n".join(reversed(written.split(b"\n")[1:-1])) + b"\n"
    assert format_bytes(shuffled, ACTORS, "data/actors.csv") == written
