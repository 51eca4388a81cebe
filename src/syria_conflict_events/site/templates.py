"""The site's generated pages from Jinja2 templates (``site/templates/``, shipped in the wheel).

One environment, escaping chosen by the template's name: HTML templates (``*.html.j2``) escape every
value unless it is marked safe; Markdown templates (``*.md.j2``) do not autoescape (Markdown is not
HTML), so every data text goes through the ``plain`` filter (``markdown_text.plain``: it renders as
that very text), ``literal`` or ``code``. In an HTML template ``plain`` gives the same characters,
marked safe (its references already encode ``& < >``), and ``plain_attr`` also encodes the quote,
for attribute values. A macro of an HTML template (``_map.html.j2``) escapes its values wherever
it is called from. ``StrictUndefined``: a misspelt name fails the build instead of printing nothing."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..markdown_text import code, literal, plain
from ..release.dictionary import cell
from .event_text import dates
from .geo import safe_url

TEMPLATES = Path(__file__).parent / "templates"


@jinja2.pass_eval_context
def _plain(context: jinja2.nodes.EvalContext, text: object) -> str:
    return Markup(plain(text)) if context.autoescape else plain(text)


def _plain_attr(text: object) -> Markup:
    return Markup(plain(text).replace('"', "&#34;"))


def _events(n: int) -> str:
    """'1 event', '2 events': a count of events as a reader would write it."""
    return f"{n:,} event" if n == 1 else f"{n:,} events"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=False),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"plain": _plain, "plain_attr": _plain_attr, "literal": literal, "code": code, "cell": cell,
                        "thousands": lambda n: f"{n:,}", "events": _events, "g": lambda v: f"{v:g}", "safe_url": safe_url})
    env.globals.update({"dates": dates})
    return env


def render(name: str, **context: Any) -> str:
    """Render ``templates/<name>``: HTML-escaped when ``name`` ends in ``.html.j2``."""
    return _environment().get_template(name).render(**context)
