"""Jinja2 rendering of the text outputs (summaries, reports, e-mail bodies) from ``templates/``."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from generator.resources import TEMPLATES_DIR


@cache
def environment() -> Environment:
    """One environment for all templates; HTML and XML templates (``*.html.j2`` too) are autoescaped."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
