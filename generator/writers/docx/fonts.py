"""The fonts a form names: a Song face, for the body and (bold) the title.

A .docx names its fonts and leaves finding them to the program that opens it,
as Word does; nothing is embedded.  Each face is named by the name every
program recognises (``SimSun``: Word on Windows knows it under its Chinese
name too, and fontconfig maps it to the system's serif Chinese face for
LibreOffice, whose Simplified Chinese glyph forms the document's zh-CN
language selects), and its font-table entry lists the East Asian fallbacks
to try in order (``w:altName`` is a comma-separated list): the Chinese name,
the macOS faces, the Noto / Source Han serif faces Linux and LibreOffice users
have; the PANOSE class and the GB2312 character set steer Word's own
substitution when none is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree

from generator.layout.form import FontRole
from generator.writers.docx.oxml import set_child, w

GB2312_CHARSET = "86"


@dataclass(frozen=True, slots=True)
class Face:
    """A Chinese face: its East Asian name, its alternates, and the Latin face beside it."""

    name: str
    alternates: tuple[str, ...]
    panose: str
    family: str
    pitch: str
    latin: str


SONG = Face(
    name="SimSun",
    alternates=("宋体", "Songti SC", "STSong", "Noto Serif CJK SC", "Noto Serif SC", "Source Han Serif SC"),
    panose="02010600030101010101",
    family="auto",
    pitch="variable",
    latin="Times New Roman",
)
FACES: dict[FontRole, Face] = {"title": SONG, "body": SONG}
"""The title is the Song face too, bold (Word emboldens SimSun, which has no bold, itself)."""
LATIN_FACES = {
    "Times New Roman": ("02020603050405020304", "roman"),
}


def set_faces(rpr: BaseOxmlElement, face: Face) -> None:
    """Name ``face`` in a run or style's ``w:rPr``: Chinese text in it, Latin text in its partner."""
    set_child(rpr, w("w:rFonts", ascii=face.latin, hAnsi=face.latin, eastAsia=face.name, cs=face.latin))


def set_chinese_language(rpr: BaseOxmlElement) -> None:
    """Mark East Asian text as Simplified Chinese (line breaking, glyph forms, fallbacks)."""
    set_child(rpr, w("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))


def _font_entry(
    name: str, alternates: tuple[str, ...], panose: str, charset: str, family: str, pitch: str
) -> etree._Element:
    children = [w("w:altName", val=",".join(alternates))] if alternates else []
    children += [w("w:panose1", val=panose), w("w:charset", val=charset), w("w:family", val=family)]
    children.append(w("w:pitch", val=pitch))
    return w("w:font", *children, name=name)


def font_table() -> etree._Element:
    """The ``w:fonts`` element of ``word/fontTable.xml``: every face the document names."""
    table = w("w:fonts")
    for face in dict.fromkeys(FACES.values()):
        table.append(_font_entry(face.name, face.alternates, face.panose, GB2312_CHARSET, face.family, face.pitch))
    for name, (panose, family) in LATIN_FACES.items():
        table.append(_font_entry(name, (), panose, "00", family, "variable"))
    return table
