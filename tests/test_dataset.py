"""Dataset: every table as a mapping, and the joins along the declared foreign keys."""

from __future__ import annotations

import pandas as pd
import pytest

import syria_conflict_events as sce
from syria_conflict_events.declaration import load_declaration

DECL = load_declaration()


@pytest.fixture
def ds(valid_package):
    return sce.load_all(root=valid_package)


def test_mapping_of_every_table(ds):
    assert list(ds) == list(DECL.tables)
    assert len(ds) == len(DECL.tables)
    for name in DECL.tables:  # no method shadows a table
        assert getattr(ds, name) is ds[name]
    assert ds.version == DECL.version
    assert "events=2" in repr(ds)
    with pytest.raises(KeyError, match="unknown table"):
        ds["event"]
    with pytest.raises(AttributeError):
        ds.event  # noqa: B018


def test_events_with_places(ds):
    joined = ds.events_with_places()
    assert len(joined) == len(ds.events)
    assert joined["event_id"].tolist() == ds.events["event_id"].tolist()
    assert joined["place_name"].tolist() == ["Aleppo University", "Aleppo"]
    assert joined["place_latitude"].tolist()[1] == pytest.approx(36.2)
    assert joined["place_type"].dtype == ds.places["place_type"].dtype  # categoricals survive the join
    assert joined.columns.is_unique


def test_unknown_place_keeps_the_event(make_package):
    ds = sce.load_all(root=make_package(lambda r: r["events"][0].update(place_id="nowhere")))
    joined = ds.events_with_places()
    assert len(joined) == 2
    assert pd.isna(joined.loc[0, "place_name"])


def test_duplicate_target_key_does_not_repeat_rows(make_package):
    ds = sce.load_all(root=make_package(lambda r: r["places"].append(dict(r["places"][0]))))
    assert len(ds.events_with_places()) == len(ds.events)


def test_actors_by_role_long(ds):
    links = ds.actors_by_role()
    assert len(links) == len(ds.event_actors)
    row = links[(links["event_id"] == "SCE-000002") & (links["role"] == "side_b")].iloc[0]
    assert row["actor_name"] == "Syrian Arab Army"
    assert row["actor_type"] == "state_armed_force"
    side_a = ds.actors_by_role("side_a")
    assert side_a["actor_id"].tolist() == ["hayat-tahrir-al-sham"]
    with pytest.raises(ValueError, match="unknown role 'attacker'; roles: side_a"):
        ds.actors_by_role("attacker")


def test_actors_by_role_wide(ds):
    wide = ds.actors_by_role(wide=True).set_index("event_id")
    roles = list(ds.event_actors["role"].cat.categories)
    assert list(wide.columns) == roles  # every declared role, used or not
    assert wide.loc["SCE-000002", "side_a"] == "hayat-tahrir-al-sham"
    assert wide.loc["SCE-000002", "side_b"] == "syrian-arab-army"
    assert wide.loc["SCE-000001", "perpetrator"] == "hayat-tahrir-al-sham"
    assert pd.isna(wide.loc["SCE-000001", "side_a"])


def test_claims_with_source_and_claimant(ds):
    claims = ds.claims_with_sources()
    assert len(claims) == len(ds.claims)
    first = claims.set_index("claim_id").loc["CLM-000001"]
    assert first["source_title"] == "An English-language news report"
    assert first["claimant_actor_name"] == "Syrian state media"
    assert first["claimant_actor_type"] == "media"
    assert first["fatalities_claimed"] == 4
    assert claims.columns.is_unique


def test_expand_needs_a_foreign_key(ds):
    with pytest.raises(ValueError, match="no foreign key"):
        ds.expand("events", "actors")
