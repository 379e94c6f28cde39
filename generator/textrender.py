"""Jinja2 rendering of the text outputs — summaries, reports, e-mail — from ``templates/``.

Templates beside the rubric file in use come first, then the bundled ones
(:func:`generator.resources.template_dirs`), so an office can reword any
output by editing its own copy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

from generator.errors import UserError
from generator.resources import template_dirs


@cache
def environment(search: tuple[Path, ...]) -> Environment:
    """One environment per search path; HTML and XML templates (``*.html.j2`` too) are autoescaped."""
    return Environment(
        loader=FileSystemLoader(search),
        autoescape=select_autoescape(["html", "htm", "xml", "html.j2", "xml.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, beside: Path | None = None, **context: Any) -> str:
    """Render ``template``, looking beside the rubric file ``beside`` first."""
    search = template_dirs(beside)
    try:
        return environment(search).get_template(template).render(**context)
    except TemplateNotFound:
        folders = "、".join(str(folder) for folder in search)
        raise UserError(f"找不到模板 {template}（查找位置：{folders}）") from None
