"""The vectorised column rules against their plain-Python definitions, including the shortcuts
(byte scans that skip the regular expressions, adjacent-row duplicate and order tests)."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.validation.arrays import duplicated, index_of, key_order
from syria_conflict_events.validation.semantic import Context, lookup_together
from syria_conflict_events.validation.vectorised import arrow_rules, column_rules

ODD = ["plain", "a\u00a0", "\u3000a", "a\x7f", "tab\there", "a  b", " lead", "trail ", "x\u2003y", "عربي",
       "é", "ok-id", "\u200bzero-width", "line\u2028sep", "\x85next", "a\u202eb", "\u2066isolated\u2069"]


def _rule(name: str):
    decl = load_declaration()
    return dict(column_rules(decl, decl.fields["summary"]))[name]


@pytest.mark.parametrize("values", [ODD, ["plain"] * 50 + ["a\x01"], ["plain ascii"] * 50, ["clean"] * 10])
def test_text_rules_match_python(values):
    s = pd.Series(values, dtype="str")
    control = _rule("control-character")(s).tolist()
    assert control == [not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", v) for v in values]
    whitespace = _rule("whitespace")(s).tolist()
    assert whitespace == [v == v.strip() and "  " not in v for v in values]


@pytest.mark.parametrize("rows", [
    [("a", "1"), ("a", "2"), ("b", "1")],            # sorted, unique
    [("a", "1"), ("a", "1"), ("b", "1")],            # sorted, a neighbour repeats
    [("b", "1"), ("a", "1"), ("b", "1")],            # unsorted, a distant repeat
    [("a", None), ("a", None), ("a", "")],           # missing keys sort and compare as ""
    [("é", "1"), ("z", "1")],                        # code point order, not locale order
])
def test_duplicates_and_order_match_pandas(rows):
    frame = pd.DataFrame(rows, columns=["k1", "k2"], dtype="str")
    expected = frame.fillna("").duplicated(keep="first").tolist()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    assert duplicated(table, ["k1", "k2"]).tolist() == expected
    text = frame.fillna("")
    assert key_order(table, ["k1", "k2"])[0] == (list(text.itertuples(index=False)) ==
                                                sorted(text.itertuples(index=False)))


@pytest.mark.parametrize("n_keys", [5, 1000])  # 1000 keys for 3 values: the keys-side lookup
def test_isin_and_index_of_match_python(n_keys):
    from syria_conflict_events.validation.arrays import index_of, isin

    keys = [f"k{i}" for i in range(n_keys)] + [None, "k3"]  # a missing key, a repeated key
    values = ["k3", "nope", None]
    key_arr = pa.chunked_array([pa.array(keys[: n_keys // 2]), pa.array(keys[n_keys // 2:])])
    value_arr = pa.array(values)
    assert isin(value_arr, key_arr).to_pylist() == [True, False, None]
    assert index_of(value_arr, key_arr).tolist() == [3, -1, -1]  # the first occurrence; missing finds nothing


_TEXT = st.text(alphabet=st.sampled_from([*"ab =+-@ \t", "\u00a0", "\u3000", "\x85", "\u2028", "é", "ع", "\x1f"]),
                max_size=6)


@given(values=st.lists(st.one_of(st.none(), _TEXT.filter(bool)), max_size=40),
       cuts=st.lists(st.integers(0, 40), max_size=4), start=st.integers(0, 5))
@example(values=["ab", "a\u3000"], cuts=[], start=0)  # U+3000 ends in byte 0x80
@example(values=["ab", "\u00a0b"], cuts=[1], start=1)
@example(values=["a b", "=1", None], cuts=[1, 2], start=0)
def test_text_rules_on_chunked_and_sliced_columns(values, cuts, start):
    """The byte shortcuts (first/last bytes from the offsets, one search of a chunk's whole text
    buffer) give the plain-Python answer on chunked and sliced columns; missing values pass."""
    decl = load_declaration()
    rules = dict(arrow_rules(decl, decl.fields["summary"]))
    whole = pa.array(values, pa.string())
    bounds = sorted({0, len(values), *(c for c in cuts if c <= len(values))})
    column = pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(bounds)] or [whole],
                              pa.string()).slice(min(start, len(values)))
    shown = values[min(start, len(values)):]
    for name, expected in [
        ("whitespace", lambda v: v == v.strip() and "  " not in v),
        ("formula-cell", lambda v: not re.match(r"[=+\-@]", v)),
        ("control-character", lambda v: not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", v)),
    ]:
        got = pc.fill_null(rules[name](column), True).to_pylist()
        assert got == [v is None or expected(v) for v in shown], name


def test_columns_referencing_one_key_are_looked_up_together():
    """lookup_together gives each column the answer of its own index_of, and remembers it: the
    rules that ask later for one column's lookup get it without a second hash table."""
    decl = load_declaration()
    ctx = Context(decl)
    ctx.tables["events"] = pa.table({"event_id": pa.chunked_array([["e1", "e2"], ["e3"]])})
    ctx.tables["claims"] = pa.table({"event_id": pa.chunked_array([["e3", None], ["zz", "e1"]])})
    ctx.tables["event_actors"] = pa.table({"event_id": pa.array(["e2", "e2", "e9"])})
    sources = [("claims", "event_id"), ("event_actors", "event_id")]
    found = lookup_together(ctx, sources, "events", "event_id")
    keys = ctx.tables["events"]["event_id"]
    assert [f.tolist() for f in found] == [[2, -1, -1, 0], [1, 1, -1]]
    for (name, column), f in zip(sources, found, strict=True):
        assert f.tolist() == index_of(ctx.tables[name][column], keys).tolist()
        remembered = ctx.memo.get(("index_of", name, column, "events", "event_id"), lambda: pytest.fail("recomputed"))
        assert remembered is f
