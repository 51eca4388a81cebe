"""The loader at the prompt: the tables and what each holds, each frame's description and release
version in ``attrs``, the type marker, a citation, and the filters users of the ACLED and UCDP
clients expect on ``load`` (date range, event type, place with the places within it)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import REPO

import syria_conflict_events as sce
from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release.citation import bibtex, citation_text

DECL = load_declaration()


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return sce.load("events")


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return sce.load("places")


def test_tables_lists_every_table_with_its_description():
    found = sce.tables()
    assert list(found.index) == list(DECL.tables)
    for name, table in DECL.tables.items():
        assert found.loc[name, "description"] == table.description
        assert found.loc[name, "path"] == table.path
    assert found.attrs["version"] == DECL.version


def test_tables_of_another_package(valid_package):
    assert "events" in sce.tables(root=valid_package).index


def test_each_frame_carries_its_description_and_version(events):
    assert events.attrs["table"] == "events"
    assert events.attrs["description"] == DECL.tables["events"].description
    assert events.attrs["version"] == DECL.version
    ds = sce.load_all()
    assert ds["claims"].attrs["description"] == DECL.tables["claims"].description


def test_the_package_is_typed():
    assert (REPO / "src" / "syria_conflict_events" / "py.typed").is_file()


def test_cite_is_the_release_citation():
    assert sce.cite() == citation_text(DECL)
    assert sce.cite("bibtex") == bibtex(DECL)
    assert f"version = {{{DECL.version}}}" in sce.cite(style="bibtex")
    with pytest.raises(ValueError, match="style"):
        sce.cite("apa")  # type: ignore[arg-type]


def test_date_range_keeps_events_that_overlap_it(events):
    got = sce.load("events", start="2024-11-28", end="2024-11-29")
    lo, hi = pd.Timestamp("2024-11-28"), pd.Timestamp("2024-11-29")
    last = events["date_end"].fillna(events["date_start"])
    expected = events[(last >= lo) & (events["date_start"] <= hi)]
    assert 0 < len(got) < len(events)
    assert got["event_id"].tolist() == expected["event_id"].tolist()
    assert got.attrs["description"] == DECL.tables["events"].description
    only_start = sce.load("events", start="2024-12-08")
    assert (only_start["date_end"].fillna(only_start["date_start"]) >= pd.Timestamp("2024-12-08")).all()
    until = sce.load("events", end=pd.Timestamp("2024-11-27"))
    assert len(until) == int((events["date_start"] <= pd.Timestamp("2024-11-27")).sum())


def test_event_type_one_or_several(events):
    battles = sce.load("events", event_type="battles")
    assert len(battles) == int((events["event_type"] == "battles").sum()) > 0
    both = sce.load("events", event_type=["battles", "protests"])
    assert len(both) == int(events["event_type"].isin(["battles", "protests"]).sum())


def test_place_includes_its_child_places(events, places):
    got = sce.load("events", place="aleppo-governorate")
    assert "aleppo-city" in set(got["place_id"])  # a city two levels below the governorate
    parents = dict(zip(places["place_id"], places["parent_place_id"], strict=True))

    def within(place: str) -> bool:
        seen = set()
        while isinstance(place, str) and place not in seen:
            if place == "aleppo-governorate":
                return True
            seen.add(place)
            place = parents.get(place)
        return False

    assert got["event_id"].tolist() == events[events["place_id"].map(within)]["event_id"].tolist()
    city = sce.load("events", place="aleppo-city")
    assert set(city["place_id"]) <= {"aleppo-city"} | {p for p, parent in parents.items() if parent == "aleppo-city"}


def test_filters_combine_and_reach_tables_that_refer_to_events(events):
    chosen = sce.load("events", start="2024-11-27", end="2024-11-30", event_type="battles",
                      place="aleppo-governorate")
    claims = sce.load("claims", start="2024-11-27", end="2024-11-30", event_type="battles",
                      place="aleppo-governorate")
    assert set(claims["event_id"]) == set(chosen["event_id"])
    assert claims.attrs["table"] == "claims"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start": "29/11/2024"}, "not a date"),
    ({"start": "2024-02-30"}, "not a date"),
    ({"end": 20241129}, "not a date"),
    ({"start": "2024-12-01", "end": "2024-11-01"}, "after end"),
    ({"event_type": "battle"}, "did you mean battles"),
    ({"event_type": 3}, "string"),
    ({"place": "aleppo-cty"}, "did you mean aleppo-city"),
    ({"place": []}, "string"),
])
def test_bad_filters_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sce.load("events", **kwargs)


def test_filters_refuse_tables_without_events():
    with pytest.raises(ValueError, match="apply to events"):
        sce.load("actors", event_type="battles")


def test_filters_on_another_package(valid_package):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = sce.load("events", root=valid_package, start="2024-11-28")
    assert (got["date_end"].fillna(got["date_start"]) >= pd.Timestamp("2024-11-28")).all()


def test_load_all_filters_events_and_keeps_what_they_point_to():
    """load_all takes load's filters: the event tables hold what load(table, ...) gives, the tables
    events point to stay whole, so the joins find every place, actor and source."""
    filters = {"start": "2024-11-27", "end": "2024-11-30", "event_type": "battles", "place": "aleppo-governorate"}
    ds = sce.load_all(**filters)
    whole = sce.load_all()
    for name in ("events", "claims", "event_actors", "event_agreements", "control"):
        expected = sce.load(name, **filters)
        assert ds[name]["event_id"].tolist() == expected["event_id"].tolist()
    assert 0 < len(ds["events"]) < len(whole["events"])
    for name in ("places", "actors", "sources", "agreements", "external_ids", "retired_ids"):
        assert len(ds[name]) == len(whole[name]), name
    joined = ds.events_with_places()
    assert len(joined) == len(ds["events"]) and joined["place_name"].notna().all()
    assert set(ds.claims_with_sources()["event_id"]) == set(ds["events"]["event_id"])
    with pytest.raises(ValueError, match="did you mean battles"):
        sce.load_all(event_type="battle")
