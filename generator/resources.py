"""Where the bundled files are — ``rubrics.toml`` and ``templates/`` — and an office's own copies of them.

In a source checkout they are the project's top-level files, the one editable
source.  An installed wheel carries copies in ``generator/bundled/`` (the
build copies them in, see ``pyproject.toml``).  An office that wants its own
wording runs ``rubric-forms init``: the copies land in a folder of its own,
where every command finds them — the ``rubrics.toml`` of the current folder
is used when no ``--rubrics`` is given, and templates beside the rubric file
come before the bundled ones.
"""

from __future__ import annotations

from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.errors import UserError

PACKAGE_DIR = Path(__file__).resolve().parent
RUBRICS_NAME = "rubrics.toml"
TEMPLATES_NAME = "templates"
DEFAULT_OUTPUT = Path("output")


def bundled_dir() -> Path:
    """The folder holding the bundled ``rubrics.toml`` and ``templates/``."""
    installed = PACKAGE_DIR / "bundled"
    return installed if (installed / RUBRICS_NAME).is_file() else PACKAGE_DIR.parent


def bundled_rubrics() -> Path:
    return bundled_dir() / RUBRICS_NAME


def bundled_templates() -> Path:
    return bundled_dir() / TEMPLATES_NAME


def default_rubrics() -> Path:
    """``rubrics.toml`` in the current folder when there is one, else the bundled file."""
    local = Path(RUBRICS_NAME)
    return local if local.is_file() else bundled_rubrics()


def template_dirs(rubrics_file: Path | None = None) -> tuple[Path, ...]:
    """Where templates are looked for, in order: beside the rubric file, then the bundled ones."""
    bundled = bundled_templates().resolve()
    if rubrics_file is None:
        return (bundled,)
    beside = (rubrics_file.parent / TEMPLATES_NAME).resolve()
    return (beside, bundled) if beside.is_dir() and beside != bundled else (bundled,)


def init_folder(folder: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the bundled ``rubrics.toml`` and templates into ``folder``; return the files written.

    Refuses to replace a file that is already there unless ``overwrite``.
    """
    sources = [bundled_rubrics(), *sorted(bundled_templates().glob("*.j2"))]
    targets = [folder / RUBRICS_NAME, *(folder / TEMPLATES_NAME / s.name for s in sources[1:])]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise UserError(f"以下文件已存在，未做任何改动（如需覆盖请加 --force）：{'、'.join(existing)}")
    for source, target in zip(sources, targets, strict=True):
        write_bytes_atomic(target, source.read_bytes())
    return targets
