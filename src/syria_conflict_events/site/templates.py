"""The site's generated pages from Jinja2 templates (``site/templates/``, shipped in the wheel).

The environment and its escaping filters (``plain``, ``plain_attr``, ``literal``, ``code``) are
defined once in ``templating.py``; the site adds its own filters. ``render(name, **context)`` is
HTML-escaped when ``name`` ends in ``.html.j2``. A macro of an HTML template (``_map.html.j2``)
escapes its values wherever it is called from."""

from __future__ import annotations

from pathlib import Path

from ..release.dictionary import cell
from ..templating import renderer
from .event_text import dates
from .geo import safe_url

TEMPLATES = Path(__file__).parent / "templates"


def _events(n: int) -> str:
    """'1 event', '2 events': a count of events as a reader would write it."""
    return f"{n:,} event" if n == 1 else f"{n:,} events"


render = renderer(TEMPLATES, filters={"cell": cell, "events": _events, "safe_url": safe_url},
                  globals={"dates": dates})
