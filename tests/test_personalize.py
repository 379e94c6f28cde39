"""Personalised PDFs: pre-filled, still editable, drawn in an embedded font, read back exactly."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from generator.cli import main
from generator.distribute.personalize import Personalizer
from generator.distribute.roster import Applicant
from generator.model.fields import applicant_field, roster_key_field, score_fields
from generator.model.identity import ROSTER_KEY
from generator.model.rubric import RubricSet
from generator.readers.returns import read_return
from generator.writers.pdf.fonts import subset_font_file
from generator.writers.pdf.prefill import prepare_template
from tests.read_fillers import fill_pdfjs, fill_pdftk, fill_pymupdf, pdfjs_available
from tests.roster_support import ink_in_field, pdf_values, write_xlsx

READ_ONLY = 1


def applicant(rubric_set: RubricSet, rubric_id: str, *values: str, row: int = 2) -> Applicant:
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None
    fields = tuple((h.id, v) for h, v in zip(rubric.applicant_fields, values, strict=True))
    return Applicant(row, rubric, fields, f"user{row}@example.com")


@pytest.fixture(scope="module")
def people(rubric_set: RubricSet) -> list[Applicant]:
    return [
        applicant(rubric_set, "star", "张伟", "中国电信股份有限公司北京分公司客户服务中心", "客服代表", row=2),
        applicant(rubric_set, "team", "“巾帼文明岗”班组", "国网上海市电力公司", row=3),
        applicant(rubric_set, "manager", "欧阳娜娜", "招商银行深圳分行", "行长", row=4),
        applicant(rubric_set, "star", "Zhang Wei 张伟", "", "", row=5),
    ]


@pytest.fixture(scope="module")
def written(people: list[Applicant], tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = tmp_path_factory.mktemp("personal")
    return {a.row: path for a, path in Personalizer(people).write_all(people, out)}


def test_header_fields_hold_the_values_and_the_reader_reads_them_exactly(
    people: list[Applicant], written: dict[int, Path], rubric_set: RubricSet
) -> None:
    for person in people:
        path = written[person.row]
        expected = {applicant_field(person.rubric, h).name: v for h, (_, v) in zip(
            person.rubric.applicant_fields, person.values, strict=True) if v}  # fmt: skip
        expected[roster_key_field(person.rubric).name] = person.roster_key
        assert pdf_values(path) == expected
        assert (PdfReader(path).metadata or {})[ROSTER_KEY.info] == person.roster_key
        result = read_return(path, rubric_set)
        assert result.read and result.rubric_id == person.rubric.id
        assert result.fingerprint == person.rubric.fingerprint
        assert result.applicant == {k: v for k, v in person.values}
        assert result.roster_key == person.roster_key and len(person.roster_key) == 16


def _appearance(path: Path, name: str):  # type: ignore[no-untyped-def]
    reader = PdfReader(path)
    for page in reader.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/T") == name:
                return annot, annot["/AP"]["/N"].get_object()
    raise KeyError(name)


def test_appearances_draw_the_values_in_an_embedded_subset_of_the_body_font(
    people: list[Applicant], written: dict[int, Path]
) -> None:
    person = people[0]
    path = written[person.row]
    all_gids: set[int] = {0}
    for header, (_, value) in zip(person.rubric.applicant_fields, person.values, strict=True):
        annot, stream = _appearance(path, applicant_field(person.rubric, header).name)
        assert int(annot.get("/Ff", 0)) & READ_ONLY == 0  # still editable
        font = stream["/Resources"]["/Font"]["/FV"].get_object()
        assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
        cid_font = font["/DescendantFonts"][0].get_object()
        assert cid_font["/Subtype"] == "/CIDFontType2"
        embedded = TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].get_data()))
        content = stream.get_data().decode("ascii")
        gids = [int(h, 16) for h in _shown_hex(content)]
        cmap = _to_unicode(font["/ToUnicode"].get_data().decode("ascii"))
        assert "".join(cmap[g] for g in gids) == value
        reference = TTFont(subset_font_file(value, "body"))
        order = embedded.getGlyphOrder()
        for gid, char in zip(gids, value, strict=True):
            ours = embedded["glyf"][order[gid]]
            theirs = reference["glyf"][reference.getBestCmap()[ord(char)]]
            assert ours.numberOfContours > 0
            assert list(ours.coordinates) == list(theirs.coordinates)
        all_gids |= set(gids)
        drawn = {g for g in range(len(order)) if embedded["glyf"][order[g]].numberOfContours}
    all_gids |= {g for g in _code_caption_gids(path) if embedded["glyf"][order[g]].numberOfContours}  # not spaces
    assert drawn == all_gids  # exactly the values' and page codes' glyphs (and .notdef) carry outlines


def _code_caption_gids(path: Path) -> set[int]:
    """The glyphs the page codes' captions draw in the value font (they carry the roster key)."""
    gids: set[int] = set()
    for page in PdfReader(path).pages:
        for xobject in page["/Resources"]["/XObject"].values():
            content = xobject.get_object().get_data().decode("ascii")
            for line in content.splitlines():
                if line.startswith("<") and line.endswith("> Tj"):
                    hexed = line[1 : -len("> Tj")]
                    gids |= {int(hexed[i : i + 4], 16) for i in range(0, len(hexed), 4)}
    return gids


def _shown_hex(content: str) -> list[str]:
    start = content.index("<") + 1
    text = content[start : content.index(">", start)]
    return [text[i : i + 4] for i in range(0, len(text), 4)]


def _to_unicode(cmap: str) -> dict[int, str]:
    pairs = {}
    for line in cmap.splitlines():
        if line.startswith("<") and line.count("<") == 2:
            src, dst = line.replace("<", "").replace(">", "").split()
            pairs[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    return pairs


def test_template_is_laid_out_once_per_rubric(people: list[Applicant], monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.writers.pdf.writer as pdf_writer

    calls: list[str] = []
    real = pdf_writer.render_pdf

    def counting(layout, fonts=None):  # type: ignore[no-untyped-def]
        calls.append(layout.rubric.id)
        return real(layout, fonts)

    monkeypatch.setattr(pdf_writer, "render_pdf", counting)
    personalizer = Personalizer(people)
    for person in people:
        data = personalizer.pdf(person)
        template = personalizer.templates[person.rubric.id].data
        assert data.startswith(template) and len(data) - len(template) < 30_000  # an update appended, nothing redone
    assert sorted(calls) == ["manager", "star", "team"]  # two star applicants, one star template
    assert personalizer.pdf(people[0]) == Personalizer(people).pdf(people[0])  # deterministic


FILLERS = {
    "pymupdf": (fill_pymupdf, True),
    "pdftk": (fill_pdftk, shutil.which("pdftk") is not None),
    "pdfjs": (fill_pdfjs, pdfjs_available()),
}


@pytest.mark.parametrize("filler", sorted(FILLERS))
def test_real_fillers_keep_the_prefilled_values_and_can_change_them(
    filler: str, people: list[Applicant], written: dict[int, Path], rubric_set: RubricSet, tmp_path: Path
) -> None:
    fill, available = FILLERS[filler]
    if not available:
        pytest.skip(f"{filler} is not installed")
    person = people[2]
    scores = {f.name: str(f.max_score) for f in score_fields(person.rubric)}
    kept = read_return(fill(written[person.row], tmp_path / "scored.pdf", scores), rubric_set)
    assert kept.applicant == {"name": "欧阳娜娜", "unit": "招商银行深圳分行", "post": "行长"}
    assert kept.total == person.rubric.total
    post = applicant_field(person.rubric, person.rubric.applicant_fields[2]).name
    changed = read_return(fill(written[person.row], tmp_path / "changed.pdf", {post: "副行长"}), rubric_set)
    assert changed.applicant == {"name": "欧阳娜娜", "unit": "招商银行深圳分行", "post": "副行长"}


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_values_show_when_rendered_without_system_chinese_fonts(
    people: list[Applicant], written: dict[int, Path], tmp_path: Path
) -> None:
    person = people[0]
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(prepare_template(person.rubric).data)
    for header in person.rubric.applicant_fields:
        name = applicant_field(person.rubric, header).name
        assert ink_in_field(blank, name, tmp_path) == 0
        assert ink_in_field(written[person.row], name, tmp_path) > 40
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(written[person.row]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张伟" in text and "客服代表" in text


@pytest.mark.skipif(shutil.which("qpdf") is None or shutil.which("pdffonts") is None, reason="qpdf/pdffonts missing")
def test_qpdf_accepts_the_update_and_every_font_is_embedded(written: dict[int, Path]) -> None:
    for path in written.values():
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert any("CID TrueType" in row and "Identity-H" in row for row in rows)
        assert all(row.split()[-5] == "yes" for row in rows), fonts  # emb column


def test_personalize_command_keeps_every_file_inside_and_distinct(
    tmp_path: Path, rubric_set: RubricSet, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["../../逃逸", "/etc/passwd", "C:\\Windows\\win", "CON", "张伟", "张伟", "张伟", "...", "王" * 90, "笑😀"]
    rows = [["服务明星", name, "", f"单位{i % 2}", "职员", ""] for i, name in enumerate(names)]
    rows += [["服务明星", "张伟", "", "单位1", "职员", ""], ["火星表", "李四", "", "", "", ""]]
    roster = write_xlsx(tmp_path / "名单.xlsx", rows)
    out = tmp_path / "输出"
    assert main(["personalize", str(roster), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "第 8 行：与第 6 行重复（表格、姓名、单位、岗位都相同），未重复生成" in captured.err
    assert "第 13 行：未知的表格“火星表”" in captured.err
    assert "第 11 行：字体中没有“😀”，PDF 中这些字显示为方框，请核对" in captured.err
    assert "第 12 行：与第 7 行重复" in captured.err
    assert "已生成 9 份个人表格" in captured.out
    files = sorted(out.iterdir())
    assert len(files) == 9 and all(f.parent == out and f.suffix == ".pdf" for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["名单.xlsx", "输出"]  # nothing escaped
    by_value = {pdf_values(f)["star-applicant-name"]: f.name for f in files if f.name != "服务明星-张伟-单位1.pdf"}
    assert by_value["../../逃逸"] == "服务明星-_.._逃逸.pdf"
    assert by_value["CON"] == "服务明星-_CON.pdf"
    assert by_value["..."] == "服务明星-未命名.pdf"
    assert by_value["/etc/passwd"] == "服务明星-_etc_passwd.pdf"
    assert by_value["张伟"] == "服务明星-张伟-单位0.pdf"
    assert pdf_values(out / "服务明星-张伟-单位1.pdf")["star-applicant-unit"] == "单位1"
