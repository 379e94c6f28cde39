"""Forms filled by real, independent programs — as applicants' viewers do — read back exactly.

PyMuPDF (MuPDF), pdftk-java's ``fill_form`` with a UTF-8 XFDF file, and
pdf.js's ``saveDocument`` (what Firefox does, an incremental update) each
fill the generated PDF of every rubric with Chinese names; the reader must
return every value as typed, the right totals, and no problem.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.model.rubric import RubricSet
from generator.readers.pdf.document import field_values, guarded_read, open_pdf
from generator.readers.returns import read_return
from tests.read_fillers import fill_pdfjs, fill_pdftk, fill_pymupdf, form_values, pdfjs_available, write_form

Filler = Callable[[Path, Path, Mapping[str, str]], Path]

PEOPLE = {
    "star": (["欧阳喆", "中国南方电网（广东）有限责任公司", "客户经理"], [9, 13, 14, 8, 7, 16, 12], 79),
    "team": (["“满意”服务班·一组", "国网浙江省电力有限公司杭州供电公司"], [10, 15, 15, 10, 10, 20, 20], 100),
    "manager": (["司马懿", "某某集团股份有限公司", "总经理兼党委书记"], [10, 8, 15, 5, 3, 19, 10], 70),
}

FILLERS: dict[str, tuple[Filler, bool]] = {
    "pymupdf": (fill_pymupdf, True),
    "pdftk": (fill_pdftk, shutil.which("pdftk") is not None),
    "pdfjs": (fill_pdfjs, pdfjs_available()),
}


def fast_scan(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    with guarded_read():
        return field_values(open_pdf(data, strict=True), data)


def pypdf_values(path: Path) -> dict[str, str]:
    """The same values through pypdf's own form API, the reference for the reader's fast scan."""
    return {name: str(field.get("/V") or "") for name, field in (PdfReader(path).get_fields() or {}).items()}


@pytest.fixture(scope="module")
def blank_forms(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("blank")
    return {rubric.id: write_form(rubric, folder / f"{rubric.id}.pdf") for rubric in rubric_set}


@pytest.mark.parametrize("filler", FILLERS)
@pytest.mark.parametrize("rubric_id", PEOPLE)
def test_real_fillers_round_trip(
    filler: str, rubric_id: str, rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    fill, available = FILLERS[filler]
    if not available:
        pytest.skip(f"{filler} is not installed on this machine")
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None
    applicant, scores, total = PEOPLE[rubric_id]
    values = form_values(rubric, applicant, scores, total)
    path = fill(blank_forms[rubric_id], tmp_path / f"{filler}-{rubric_id}.pdf", values)
    assert path.read_bytes() != blank_forms[rubric_id].read_bytes()

    result = read_return(path, rubric_set)

    assert fast_scan(path) == pypdf_values(path)
    assert result.problems == ()
    assert result.rubric_id == rubric_id and result.fingerprint == rubric.fingerprint
    assert list(result.applicant.values()) == applicant
    assert [result.scores[sub.id].value for sub in rubric.subitems] == scores
    assert result.total == total == sum(scores)
    assert result.eligibility_text == "可申报"
