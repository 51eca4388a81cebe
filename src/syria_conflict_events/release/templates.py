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
    # Identifiers (table and field names, keys) as code spans, the way the dictionary lists them.
    return environment(TEMPLATES, filters={"ticked": lambda names: ", ".join(f"`{n}`" for n in names)})


def render(name: str, /, **context: Any) -> str:
    """Render ``templates/<name>``."""
    return _environment().get_template(name).render(**context)
