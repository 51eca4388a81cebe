"""The release's Markdown documents (README.md, DATA-DICTIONARY.md) from the Jinja2 templates in
``release/templates/`` (shipped in the wheel), through the one environment of ``templating.py``:
Markdown templates, so every text from the data or the schemas goes through ``plain``, ``literal``
or ``code``."""

from __future__ import annotations

from pathlib import Path

from ..templating import renderer

TEMPLATES = Path(__file__).parent / "templates"

render = renderer(TEMPLATES)
