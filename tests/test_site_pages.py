"""Generated pages without a site build: the changelog (data first, tooling last, this release
never headed "Unreleased"), the citation's year and DOI, the build date, the home page's figures."""

from __future__ import annotations

import dataclasses

from syria_conflict_events.declaration import load_declaration
from syria_conflict_events.release.citation import bibtex, citation_text
from syria_conflict_events.site.build_date import build_date
from syria_conflict_events.site.changelog import changelog_page
from syria_conflict_events.site.event_text import index
from syria_conflict_events.site.home import glance

DECL = load_declaration()

CHANGELOG = """# Changelog

Intro text.

## [Unreleased] — 2.0.0

Why major.

### Tooling
- tool change

### Model
- model change

### Data
- data change

## [1.0.0] — first release

### Tooling
- old tool
### Data
- old data
"""


def test_changelog_heads_this_release_with_its_version_and_puts_data_first():
    page = changelog_page(CHANGELOG, "2.0.0", "2025-01-31")
    assert "Unreleased" not in page
    assert "## 2.0.0 — this release, built 2025-01-31" in page
    assert "## 1.0.0 — first release" in page
    assert page.index("data change") < page.index("model change") < page.index("tool change")
    assert page.index("old data") < page.index("old tool") < len(page)
    assert page.index("Why major.") < page.index("data change")
    assert page.count("# Changelog") == 1 and "Intro text." in page


def test_a_future_version_stays_unreleased():
    page = changelog_page(CHANGELOG, "1.0.0", None)
    assert "## 1.0.0 — this release\n" in page
    assert "## Unreleased — 2.0.0" in page


def test_citation_carries_year_and_a_minted_doi():
    assert "(2025)" in citation_text(DECL, year=2025) and "year = {2025}" in bibtex(DECL, year=2025)
    assert "doi.org" not in citation_text(DECL) and "doi =" not in bibtex(DECL)
    minted = dataclasses.replace(DECL, package={**DECL.package, "doi": "10.5281/zenodo.1"})
    assert "https://doi.org/10.5281/zenodo.1." in citation_text(minted)
    assert "doi = {10.5281/zenodo.1}" in bibtex(minted)


def test_build_date_follows_source_date_epoch(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    assert build_date(tmp_path).isoformat() == "2025-01-01"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert build_date(tmp_path) is None  # not a git checkout


def test_home_figures_are_computed_and_escaped():
    events = [
        {"event_id": "SCE-1", "date_start": "2024-11-27", "date_end": "2024-11-29", "verification": "contested",
         "fatalities_low": None, "fatalities_best": 3, "fatalities_high": None},
        {"event_id": "SCE-2", "date_start": "2016-01-01", "date_end": "2016-01-01", "verification": "corroborated",
         "fatalities_low": None, "fatalities_best": None, "fatalities_high": None},
    ]
    rows = {"events": events, "claims": [{"claim_id": "C", "event_id": "SCE-1", "fatalities_claimed": 3}],
            "actors": [{"actor_id": "a", "name": "<b>Army</b> | x"}], "places": [{"place_id": "p", "name": "P"}],
            "control": [{"control_id": "k", "place_id": "p", "actor_id": "a", "control_state": "held",
                         "date_from": None, "date_to": None}]}
    text = glance(DECL, rows, index(rows))
    assert "**2 events**" in text and "**1 claims**" in text
    assert "2016-01-01 to 2024-11-29" in text
    assert "| 1 | 50 %" in text  # one contested event of two
    assert "1 of the 2 events (50 %)" in text
    assert "<b>" not in text and "&#60;b&#62;Army" in text
