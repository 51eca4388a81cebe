"""UCDP GED claims and sources: a claim by UCDP (the compiler) carrying the fatality figures and
deaths by side, and one claim per source UCDP lists, by that source's publisher, without figures
(UCDP gives figures per event, not per source)."""

from __future__ import annotations

import csv

from ..common import ClaimSpec, SourceSpec, clean, parse_date
from .actors import UCDP_ACTOR, UCDP_NAME, publisher_actor

# Fatality figures: (name, the columns that may hold it, first one found with a value wins).
FIGURES = (("low", ("low", "low_est")), ("best", ("best", "best_est")), ("high", ("high", "high_est")),
           ("deaths_a", ("deaths_a",)), ("deaths_b", ("deaths_b",)), ("deaths_civilians", ("deaths_civilians",)),
           ("deaths_unknown", ("deaths_unknown",)))
# The columns of a row's listed sources.
SOURCE_COLUMNS = ("source_office", "source_date", "source_headline", "source_article")


def dataset_source(version: str) -> SourceSpec:
    title = "UCDP Georeferenced Event Dataset" + (f" version {version}" if version else "")
    return SourceSpec(UCDP_NAME, title, "", "en", "compilation",
                      "The compiled dataset itself: its event row gives the fatality figures.")


def _split_sources(office_cell: str, date_cell: str, headline: str, article: str) -> list[tuple[str, str, str]]:
    """(publisher, date, headline) of each source UCDP lists (cells source_office, source_date,
    source_headline, source_article); several are joined with ';'.

    Headlines may contain ';' themselves: then source_article (quoted "office,date,headline"
    items separated by ';') separates them; failing that the title stays unknown."""
    offices = [clean(o) for o in office_cell.split(";")]
    dates = [d.strip() for d in date_cell.split(";")]
    if len(dates) != len(offices):
        dates = [""] * len(offices)
    heads = headline.split(";")
    if len(heads) != len(offices):
        heads = _headlines_from_article(article, offices, dates)
    out = []
    for office, date, head in zip(offices, dates, heads, strict=True):
        if office or clean(head):
            out.append((office, date, clean(head)))
    return out


def _headlines_from_article(article: str, offices: list[str], dates: list[str]) -> list[str]:
    items = next(csv.reader([article.strip()], delimiter=";", quotechar='"'), []) if article.strip() else []
    if len(items) == len(offices):
        heads = []
        for item, office, date in zip(items, offices, dates, strict=True):
            prefix = f"{office},{date},"
            if not item.startswith(prefix):
                break
            heads.append(item[len(prefix):])
        else:
            return heads
    return [""] * len(offices)


def listed_source_claims(office_cell: str, date_cell: str, headline_cell: str, article_cell: str) -> list[ClaimSpec]:
    """One claim per source UCDP lists, by its publisher, without figures."""
    claims = []
    for office, date, headline in _split_sources(office_cell, date_cell, headline_cell, article_cell):
        published = parse_date(date) or ""
        title = headline or f"Report by {office or 'an unnamed publisher'} listed by UCDP GED (no title given)"
        source = SourceSpec(office, title, published, "en", "unspecified",
                            "Listed as a source by UCDP GED. Language assumed: UCDP codes from English-language "
                            "reports and translations." + ("" if published or not date else
                                                          f" UCDP gives the date as {clean(date)!r}."))
        claimant = publisher_actor(office) if office else UCDP_ACTOR
        claims.append(ClaimSpec(source, claimant, f"Reported by {office or 'an unnamed publisher'}; UCDP GED lists "
                                "this report as a source of the event."))
    return claims


def count_text(value: int | None) -> str:
    return "" if value is None else str(value)


def figures_claim(f: dict[str, int | None]) -> str:
    parts = [f"{label} {f[k]}" for k, label in (("low", "low"), ("high", "high")) if f.get(k) is not None]
    sides = [f"{f[k]} {label}" for k, label in (("deaths_a", "on side A"), ("deaths_b", "on side B"),
                                                   ("deaths_civilians", "civilians"), ("deaths_unknown", "unknown"))
             if f.get(k) is not None]
    text = "UCDP GED codes the event"
    if f.get("best") is not None:
        text += f" with {f['best']} deaths (best estimate" + (f"; {', '.join(parts)}" if parts else "") + ")"
    if sides:
        text += ": " + ", ".join(sides)
    return text + "."
