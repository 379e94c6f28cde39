"""How a written form says which rubric, and which version of it, it was made from.

Every writer stores the same facts — the rubric id, its fingerprint and the
tool's version — each under its name in the format's metadata: the PDF's
document information dictionary (``/RubricId``) and XMP packet (the same
names in :data:`XMP_NAMESPACE`), the Word file's custom properties
(``rubric_id``).  Readers look them up by the same keys and get an
:class:`Identity` back, so a renamed file is still recognised.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.rubric import Rubric

XMP_NAMESPACE = "urn:rubric-forms:ns:1.0/"
XMP_PREFIX = "rubricforms"


@dataclass(frozen=True, slots=True)
class MetadataKey:
    """One fact a form states about itself: its PDF and XMP name, and its Word custom-property name."""

    name: str
    docx: str

    @property
    def info(self) -> str:
        """The key in the PDF's document information dictionary."""
        return f"/{self.name}"


RUBRIC_ID = MetadataKey("RubricId", "rubric_id")
FINGERPRINT = MetadataKey("RubricFingerprint", "rubric_fingerprint")
TOOL_VERSION = MetadataKey("RubricFormsVersion", "rubric_forms_version")
ROSTER_KEY = MetadataKey("RubricRosterKey", "rubric_roster_key")
"""A personalised copy's roster key (also in its hidden field, :func:`~generator.model.fields.roster_key_field`)."""


def identity_values(rubric: Rubric, tool_version: str) -> dict[MetadataKey, str]:
    """What a form made from ``rubric`` records about itself, in writing order."""
    return {RUBRIC_ID: rubric.id, FINGERPRINT: rubric.fingerprint, TOOL_VERSION: tool_version}


@dataclass(frozen=True, slots=True)
class Identity:
    """What a returned document says it is: the rubric id and fingerprint, when present."""

    rubric_id: str | None = None
    fingerprint: str | None = None
    roster_key: str | None = None
