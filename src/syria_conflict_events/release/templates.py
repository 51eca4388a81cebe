"""The release's Markdown documents (README.md, DATA-DICTIONARY.md) from the Jinja2 templates in
``release/templates/`` (shipped in the wheel), through the one environment of ``templating.py``:
Markdown templates, so every text from the data or the schemas goes through ``plain``, ``literal``
or ``code``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..templating import environment

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    return environment(TEMPLATES)


def render(name: str, /, **context: Any) -> str:
    """Render ``templates/<name>``."""
    return _environment().get_template(name).render(**context)
