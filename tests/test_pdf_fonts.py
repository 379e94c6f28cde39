"""The font module: TrueType subsets of the bundled CJK fonts, cached; a user's own font file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from generator.cli import main
from generator.layout.form import build_layout
from generator.model.rubric import RubricSet
from generator.writers.pdf.fonts import FontError, FontSettings, bundled_font, subset_font_bytes, subset_font_file
from generator.writers.pdf.writer import body_text, write_pdf

NAMES = "欧阳娜娜 司马懿 喆 堃 Zhang San 2025"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fresh font cache for this module's tests (converting a CJK font takes a second or two)."""
    folder = tmp_path_factory.mktemp("font-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUBRIC_FORMS_CACHE", str(folder))
        yield folder


def test_the_bundled_font_is_the_cff_serif_for_both_roles() -> None:
    serif = bundled_font()
    assert serif.name == "NotoSerifSC-Regular.otf" and "CFF " in TTFont(serif, lazy=True)
    assert FontSettings().path_for("body") == FontSettings().path_for("title") == serif


def test_subset_is_truetype_with_every_character_and_little_else(cache: Path) -> None:
    font = TTFont(subset_font_file(NAMES))
    assert "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in NAMES)
    assert len(font.getGlyphOrder()) < len(set(NAMES)) + 5
    glyf = font["glyf"]
    assert glyf[cmap[ord("堃")]].numberOfContours > 0, "outlines were converted, not dropped"


def test_subset_is_cached_by_content_and_reused(cache: Path) -> None:
    first = subset_font_file(NAMES)
    assert first.parent == cache
    stamp = first.stat().st_mtime_ns
    assert subset_font_file(NAMES[::-1]) == first, "same characters, same cache entry"
    assert first.stat().st_mtime_ns == stamp, "not rewritten"
    assert subset_font_bytes(NAMES) == first.read_bytes()
    assert subset_font_file(NAMES + "新") != first
    assert subset_font_file(NAMES, "title") == first, "the title is set in the same face"
    assert not list(cache.glob(".*.tmp")), "written atomically"


def renamed_copy(source: Path, target: Path, family: str) -> Path:
    """A 'user font': a TrueType file with its own name (made from a bundled subset)."""
    font = TTFont(source)
    for record in font["name"].names:
        if record.nameID in (1, 4, 6):
            record.string = family
    font.save(target)
    return target


def test_a_user_font_replaces_the_bundled_body_font(rubric_set: RubricSet, cache: Path, tmp_path: Path) -> None:
    layout = build_layout(rubric_set.get("team"))
    user_font = renamed_copy(subset_font_file(body_text(layout)), tmp_path / "mysong.ttf", "MyUserSong")
    out = tmp_path / "team.pdf"
    write_pdf(layout, out, FontSettings(body=user_font))
    reader = PdfReader(out)
    names = {str(f.get_object()["/BaseFont"]).split("+")[1] for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert {name.rsplit("-", 1)[0] for name in names} == {"MyUserSong", "NotoSerifSC-Regular"}


def test_a_font_collection_uses_its_first_face(rubric_set: RubricSet, cache: Path, tmp_path: Path) -> None:
    layout = build_layout(rubric_set.get("manager"))
    first = TTFont(renamed_copy(subset_font_file(body_text(layout)), tmp_path / "a.ttf", "FirstFace"))
    second = TTFont(renamed_copy(subset_font_file(body_text(layout)), tmp_path / "b.ttf", "SecondFace"))
    collection = TTCollection()
    collection.fonts = [first, second]
    collection.save(tmp_path / "song.ttc")
    out = tmp_path / "manager.pdf"
    write_pdf(layout, out, FontSettings(body=tmp_path / "song.ttc"))
    fonts = {str(f.get_object()["/BaseFont"]) for f in PdfReader(out).pages[0]["/Resources"]["/Font"].values()}
    assert any("+FirstFace-" in name for name in fonts) and not any("SecondFace" in name for name in fonts)


def test_a_font_lacking_characters_is_refused_in_chinese(rubric_set: RubricSet, cache: Path, tmp_path: Path) -> None:
    small = renamed_copy(subset_font_file("姓名单位"), tmp_path / "small.ttf", "Small")
    with pytest.raises(FontError, match=r"字体文件 .*small\.ttf 缺少这些字符"):
        write_pdf(build_layout(rubric_set.get("star")), tmp_path / "x.pdf", FontSettings(body=small))
    assert not (tmp_path / "x.pdf").exists()


def test_missing_or_broken_font_files_are_user_errors(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(FontError, match=r"找不到字体文件 .*nope\.ttf"):
        subset_font_file("评分", settings=FontSettings(body=tmp_path / "nope.ttf"))
    broken = tmp_path / "broken.ttf"
    broken.write_text("not a font", encoding="utf-8")
    with pytest.raises(FontError, match=r"无法读取字体文件 .*broken\.ttf"):
        subset_font_file("评分", settings=FontSettings(body=broken))


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUBRIC_FORMS_FONT", str(tmp_path / "a.ttf"))
    monkeypatch.delenv("RUBRIC_FORMS_TITLE_FONT", raising=False)
    settings = FontSettings.from_env()
    assert settings.path_for("body") == tmp_path / "a.ttf"
    assert settings.path_for("title") == bundled_font()


def test_build_command_takes_the_font_option(rubric_set: RubricSet, cache: Path, tmp_path: Path, capsys) -> None:
    layout = build_layout(rubric_set.get("star"))
    all_text = "".join(body_text(build_layout(r)) for r in rubric_set)
    user_font = renamed_copy(subset_font_file(all_text), tmp_path / "mysong.ttf", "MyUserSong")
    out = tmp_path / "out"
    assert main(["build", str(rubric_set.source), "--out", str(out), "--font", str(user_font)]) == 0
    reader = PdfReader(out / f"{layout.title}.pdf")
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("+MyUserSong-" in name for name in fonts)
    assert "已生成" in capsys.readouterr().out


def test_build_command_reports_a_missing_font_in_chinese(rubric_set: RubricSet, tmp_path: Path, capsys) -> None:
    code = main(["build", str(rubric_set.source), "--out", str(tmp_path), "--title-font", str(tmp_path / "无.ttf")])
    assert code == 1
    err = capsys.readouterr().err
    assert "找不到字体文件" in err and "无.ttf" in err and "Traceback" not in err
