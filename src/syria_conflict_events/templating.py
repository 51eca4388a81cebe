"""The one definition of the Jinja2 environment behind every generated document: the release's
Markdown (``release/templates/``), the site's pages (``site/templates/``) and the contributor
docs. Each room keeps its templates beside its code and asks here for an environment over them,
with its own extra filters; the settings and the escaping filters are written once.

Escaping is chosen by the template's name: HTML templates (``*.html.j2``) escape every value
unless it is marked safe; Markdown templates (``*.md.j2``) do not autoescape (Markdown is not
HTML), so every data text goes through the ``plain`` filter (``markdown_text.plain``: it renders
as that very text), ``literal`` or ``code``. In an HTML template ``plain`` gives the same
characters, marked safe (its references already encode ``& < >``), and ``plain_attr`` also
encodes the quote, for attribute values. ``StrictUndefined``: a misspelt name fails the build
instead of printing nothing; a missing template raises ``jinja2.TemplateNotFound``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .markdown_text import code, fenced, literal, plain, prose, ticked


@jinja2.pass_eval_context
def _plain(context: jinja2.nodes.EvalContext, text: object) -> str:
    return Markup(plain(text)) if context.autoescape else plain(text)


def _plain_attr(text: object) -> Markup:
    return Markup(plain(text).replace('"', "&#34;"))


FILTERS: dict[str, Callable[..., Any]] = {
    "plain": _plain, "plain_attr": _plain_attr, "literal": literal, "code": code,
    "fenced": lambda body, info="": fenced(info, body),  # {{ text | fenced("bibtex") }}
    "prose": prose, "ticked": ticked, "thousands": lambda n: f"{n:,}", "g": lambda v: f"{v:g}",
}


def environment(directory: Path, filters: Mapping[str, Callable[..., Any]] | None = None,
                globals: Mapping[str, Any] | None = None) -> jinja2.Environment:
    """An environment over the templates in ``directory`` with :data:`FILTERS` and ``filters``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=False),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update({**FILTERS, **(filters or {})})
    env.globals.update(globals or {})
    return env


def renderer(directory: Path, filters: Mapping[str, Callable[..., Any]] | None = None,
             globals: Mapping[str, Any] | None = None) -> Callable[..., str]:
    """``render(name, **context)`` for the templates in ``directory``; the environment is made on
    first use. A template that does not exist raises ``jinja2.TemplateNotFound``."""

    @cache
    def _environment() -> jinja2.Environment:
        return environment(directory, filters, globals)

    def render(name: str, /, **context: Any) -> str:
        return _environment().get_template(name).render(**context)

    return render
