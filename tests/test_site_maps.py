"""The site's maps built from the repository's data: the control map of every day of the window
holds exactly the periods that ``sce.control_on(day)`` returns, and the event map places every
event once, with every data text escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import syria_conflict_events as sce
from syria_conflict_events.release.build import declaration_for
from syria_conflict_events.site.control_map import day_page, days
from syria_conflict_events.site.event_map import map_html
from syria_conflict_events.site.event_text import index
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
