"""The site's generated pages from Jinja2 templates (``site/templates/``, shipped in the wheel).

Two environments: HTML templates (``*.html.j2``) escape every value unless it is marked safe;
Markdown templates (``*.md.j2``) do not autoescape (Markdown is not HTML), so every data text goes
through the ``plain`` filter (``markdown_text.plain``: it renders as that very text), ``literal``
or ``code``. ``StrictUndefined``: a misspelt name fails the build instead of printing nothing."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..markdown_text import code, literal, plain

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=html,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"plain": plain, "literal": literal, "code": code, "thousands": lambda n: f"{n:,}"})
    return env


def render(name: str, **context: Any) -> str:
    """Render ``templates/<name>``: HTML-escaped when ``name`` ends in ``.html.j2``."""
    return _environment(name.endswith(".html.j2")).get_template(name).render(**context)
