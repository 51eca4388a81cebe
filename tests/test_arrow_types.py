"""The fast typed parse (Arrow's casts) against the careful one that defines SCE's types: where
the fast path answers, it must give the same values and find no bad cell; hexadecimal integers,
a leading "+", "inf" and "nan" (which Arrow's casts read) must send a column to the careful path."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syria_conflict_events.arrow_types import careful_parse, fast_parse, parse_text
from syria_conflict_events.declaration import load_declaration

DECL = load_declaration()
FIELDS = {kind: next(f for f in DECL.fields.values() if f.type == kind) for kind in ("integer", "number", "date")}
CELLS = st.one_of(
    st.text(alphabet="0123456789+-.eExXinfatyINFA_ ", min_size=1, max_size=8),
    st.from_regex(r"\A-?[0-9]{1,20}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.none(),
)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(sorted(FIELDS)), cells=st.lists(CELLS, min_size=1, max_size=6))
def test_fast_parse_agrees_with_careful_parse(kind, cells):
    f = FIELDS[kind]
    text = pa.array(cells, type=pa.string())
    careful, bad = careful_parse(text, f)
    fast = fast_parse(text, f)
    if fast is not None:
        assert not any(bad.to_pylist()), (cells, bad)
        # Compared as stored numbers: year 0000 is an Arrow date but not a Python one.
        as_numbers = {"date": pa.int32()}.get(kind)
        assert (fast.cast(as_numbers) if as_numbers else fast).to_pylist() == \
            (careful.cast(as_numbers) if as_numbers else careful).to_pylist()
    # The same cells in two chunks, the first a slice of a longer array: the same answer.
    padded = pa.array(["0x1F", *cells], type=pa.string()).slice(1)
    chunked = pa.chunked_array([padded.slice(0, len(cells) // 2), padded.slice(len(cells) // 2)])
    again = fast_parse(chunked, f)
    assert (again is None) == (fast is None)
    if fast is not None:
        assert again.to_pylist() == fast.to_pylist()


@pytest.mark.parametrize(("kind", "cell"), [
    ("integer", "0x1F"), ("integer", "-0X1"), ("integer", "9007199254740996"),
    ("number", "+1"), ("number", "inf"), ("number", "nan"), ("number", "-Infinity"), ("number", "1e400"),
    ("date", "2024-02-30"), ("date", "2024-1-01"), ("date", "0000-01-01"),
])
def test_lenient_forms_take_the_careful_path(kind, cell):
    f = FIELDS[kind]
    text = pa.array(["1" if kind != "date" else "2024-01-01", cell])
    assert fast_parse(text, f) is None
    values, bad = parse_text(text, f)
    if cell == "1e400":  # the careful parse reads it (it has the number's form) as infinity
        assert bad.to_pylist() == [False, False]
    else:
        assert bad.to_pylist() == [False, True]
        assert values.to_pylist()[1] is None
