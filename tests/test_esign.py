"""The electronic seal: real filled forms signed with pyHanko by a test CA, then changed as users and forgers do."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.model.fields import (
    form_fields,
    header_field,
    organization_field,
    review_field,
    score_fields,
    seal_field,
    total_field,
)
from generator.model.rubric import Rubric, RubricSet
from generator.readers.pdf.esign import (
    GM_SEAL,
    NOT_CHECKED,
    OTHER_SIGNATURES,
    UNKNOWN_ALGORITHM,
    UNREADABLE,
    e_seal_problems,
    read_e_seal,
    same_organization,
    seal_diff_policy,
)
from generator.readers.pdf.reader import read_pdf_form
from generator.readers.results import ESeal
from tests import esign_support as es
from tests.read_fillers import ORGANIZATION, fill_pymupdf, fill_pypdf, form_values, write_form

ROOT = Path(__file__).resolve().parent.parent
SCORES = [10, 15, 15, 10, 10, 20, 20]
PERSON = ["张三", "中国移动通信集团北京有限公司", "客户经理"]
TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


@pytest.fixture(scope="module")
def star(rubric_set: RubricSet) -> Rubric:
    rubric = rubric_set.get("star")
    assert rubric is not None
    return rubric


@pytest.fixture(scope="module")
def pki() -> es.SealPki:
    return es.make_pki(ORGANIZATION)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("esign")


@pytest.fixture(scope="module")
def filled(star: Rubric, folder: Path) -> bytes:
    blank = write_form(star, folder / "blank.pdf")
    values = form_values(star, PERSON, SCORES, sum(SCORES))
    return fill_pypdf(blank, folder / "filled.pdf", values).read_bytes()


@pytest.fixture(scope="module")
def signed(filled: bytes, star: Rubric, pki: es.SealPki, folder: Path) -> bytes:
    appearance = es.seal_image(folder, ORGANIZATION)
    data = es.sign_form(filled, seal_field(star).name, pki.seal, appearance=appearance)
    (folder / "signed.pdf").write_bytes(data)
    return data


def seal(data: bytes, rubric: Rubric, roots: tuple[bytes, ...] = (), typed: str = ORGANIZATION) -> ESeal:
    return read_e_seal(data, rubric, typed, roots)


def score_name(rubric: Rubric, index: int = 0) -> str:
    return score_fields(rubric)[index].name


# --- unsigned ------------------------------------------------------------------------------------------


def test_unsigned_forms_are_unsigned_and_cost_nothing(filled: bytes, star: Rubric, folder: Path) -> None:
    assert seal(filled, star) == ESeal("unsigned")
    assert seal((folder / "blank.pdf").read_bytes(), star) == ESeal("unsigned")
    assert e_seal_problems(ESeal("unsigned"), star) == []
    script = (
        "import sys; from pathlib import Path; from generator.model.loader import load; "
        "from generator.readers.pdf.esign import read_e_seal; "
        f"r = load(Path('rubrics.toml')).get('star'); data = Path({str(folder / 'filled.pdf')!r}).read_bytes(); "
        "print(read_e_seal(data, r, '').state, 'pyhanko' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["unsigned", "False"], "an unsigned form must not even import pyHanko"


# --- a signed form -----------------------------------------------------------------------------------------


def test_a_signed_form_names_its_signer_and_time(signed: bytes, star: Rubric, pki: es.SealPki) -> None:
    found = seal(signed, star)
    assert found.state == "signed" and found.text == "已签章"
    assert found.signer == f"{ORGANIZATION}电子印章" and found.organization == ORGANIZATION
    assert TIME_TEXT.fullmatch(found.signed_at)
    beijing = datetime.now(UTC) + timedelta(hours=8)
    assert abs(datetime.strptime(found.signed_at, "%Y-%m-%d %H:%M") - beijing.replace(tzinfo=None)) < timedelta(
        minutes=30
    ), "the signing time is shown in Beijing time"
    assert (found.intact, found.whole_file, found.trusted, found.changes) == (True, True, None, ())
    assert found.notes == (NOT_CHECKED,)
    assert e_seal_problems(found, star) == [], "an unchecked chain is a note, not a problem"


def test_the_tabulation_still_reads_a_signed_form(signed: bytes, rubric_set: RubricSet) -> None:
    result = read_pdf_form(signed, "signed.pdf", rubric_set).result
    assert result.clean, result.problems
    assert result.organization == ORGANIZATION and result.total == sum(SCORES)


def test_trust_roots_check_the_chain(signed: bytes, star: Rubric, pki: es.SealPki) -> None:
    trusted = seal(signed, star, pki.root_ders())
    assert trusted.trusted is True and trusted.notes == ()
    assert e_seal_problems(trusted, star) == []
    assert seal(signed, star, (pki.root.pem,)).trusted is True, "PEM roots work too"
    assert seal(signed, star, (pki.other_root.der, pki.root.der)).trusted is True
    other = seal(signed, star, (pki.other_root.der,))
    assert other.trusted is False and other.intact is True
    assert e_seal_problems(other, star) == ["签章证书不受信任：证书不是由指定的根证书签发的。"]
    assert seal(signed, star, (b"not a certificate",)).trusted is False, "an unusable root trusts nothing"


# --- changed after signing -----------------------------------------------------------------------------------


def test_a_score_edited_after_signing_is_a_problem_of_the_form(
    signed: bytes, star: Rubric, rubric_set: RubricSet
) -> None:
    edited = es.edit_field_incrementally(signed, score_name(star), "5")
    found = seal(edited, star)
    assert (found.state, found.intact, found.whole_file) == ("signed", True, False)
    name = star.subitems[0].name
    assert found.changes == (f"评分“{name}”（签章时为“10”，现为“5”）",)
    assert e_seal_problems(found, star) == [f"签章后评分被修改：评分“{name}”（签章时为“10”，现为“5”）。"]
    result = read_pdf_form(edited, "edited.pdf", rubric_set).result
    assert result.scores[star.subitems[0].id].value == 5, "the results show the value as it is now"


def test_header_and_total_edited_after_signing_are_named_by_their_labels(signed: bytes, star: Rubric) -> None:
    edited = es.edit_field_incrementally(signed, total_field(star).name, "99")
    edited = es.edit_field_incrementally(edited, header_field(star, star.header[0]).name, "李四")
    problems = e_seal_problems(seal(edited, star), star)
    assert problems == [
        f"签章后评分被修改：姓名（签章时为“{PERSON[0]}”，现为“李四”）、自评总分（签章时为“100”，现为“99”）。"
    ]


def test_a_score_shown_differently_after_signing(signed: bytes, star: Rubric, rubric_set: RubricSet) -> None:
    """A new appearance for a score, its value untouched: viewers and paper show 20, the tabulation reads 10."""
    forged = es.replace_appearance(signed, score_name(star), "20")
    found = seal(forged, star)
    assert (found.intact, found.whole_file) == (True, False)
    name = star.subitems[0].name
    assert e_seal_problems(found, star) == [f"签章后评分被修改：评分“{name}”（显示的内容被改动，填写的值未变）。"]
    assert read_pdf_form(forged, "forged.pdf", rubric_set).result.scores[star.subitems[0].id].value == 10


def test_other_fields_edited_after_signing_are_other_changes(signed: bytes, star: Rubric) -> None:
    edited = es.edit_field_incrementally(signed, review_field(star).name, "不同意推荐")
    found = seal(edited, star)
    assert found.changes == ("所在组织（或推荐机构）审核意见（签章时为“情况属实，同意推荐。”，现为“不同意推荐”）",)
    problems = e_seal_problems(found, star)
    assert len(problems) == 1 and problems[0].startswith("签章后文件被改动：所在组织（或推荐机构）审核意见")


def test_an_annotation_added_after_signing(signed: bytes, star: Rubric) -> None:
    found = seal(es.add_comment(signed, page=1), star)
    assert (found.intact, found.whole_file, found.changes) == (True, False, ("第 2 页新增注释",))
    assert e_seal_problems(found, star) == ["签章后文件被改动：第 2 页新增注释。"]


def test_bytes_changed_inside_the_signed_range(signed: bytes, star: Rubric, rubric_set: RubricSet) -> None:
    old = f"/V ({SCORES[1]})".encode()
    forged = es.flip_signed_byte(signed, old, b"/V (13)")
    found = seal(forged, star)
    assert (found.state, found.intact, found.whole_file) == ("signed", False, True)
    assert e_seal_problems(found, star) == ["签章无效：签章覆盖的内容已被改动。"]
    assert read_pdf_form(forged, "forged.pdf", rubric_set).result.scores[star.subitems[1].id].value == 13


def test_a_second_signature_after_the_seal(signed: bytes, star: Rubric, pki: es.SealPki) -> None:
    found = seal(es.sign_new_field(signed, "reviewer", pki.seal), star)
    assert found.state == "signed" and found.whole_file is False
    assert OTHER_SIGNATURES in found.notes
    assert found.changes == ("新增表单字段“reviewer”",)


# --- the certificate ------------------------------------------------------------------------------------------


def test_an_expired_certificate(filled: bytes, star: Rubric, pki: es.SealPki) -> None:
    data = es.sign_form(filled, seal_field(star).name, pki.expired)
    until = (pki.expired.cert.not_valid_after_utc + timedelta(hours=8)).strftime("%Y-%m-%d")
    expected = [f"签章证书在签章时已过期（有效期至 {until}）。"]
    unchecked = seal(data, star)
    assert unchecked.intact is True and unchecked.trusted is None
    assert e_seal_problems(unchecked, star) == expected
    checked = seal(data, star, pki.root_ders())
    assert checked.trusted is False
    assert e_seal_problems(checked, star) == expected, "one problem for one cause"


def test_a_seal_of_another_organisation(filled: bytes, star: Rubric, pki: es.SealPki) -> None:
    data = es.sign_form(filled, seal_field(star).name, pki.other_org)
    found = seal(data, star, pki.root_ders())
    assert found.trusted is True and found.organization == "中国联合网络通信有限公司北京市分公司"
    assert e_seal_problems(found, star) == [
        f"签章单位与表上所填组织名称不一致：签章单位为“中国联合网络通信有限公司北京市分公司”，表上为“{ORGANIZATION}”。"
    ]


def test_the_organisation_typed_is_compared_sensibly(signed: bytes, star: Rubric) -> None:
    for typed in (
        "中国移动通信集团 北京有限公司",
        " 中国移动通信集团北京有限公司\n",
        "中国移动通信集团北京有限公司电子印章",
    ):
        assert e_seal_problems(seal(signed, star, typed=typed), star) == [], typed
    assert seal(signed, star, typed="").notes == (NOT_CHECKED, "表上未填写所在组织名称，无法核对签章单位")
    assert same_organization("中国移动（北京）有限公司", "中国移动(北京)有限公司")
    assert same_organization("ＡＢＣ 公司", "abc公司")
    assert not same_organization("中国移动", "中国移动通信集团北京有限公司")
    assert not same_organization("", "")


# --- seals pyHanko cannot check ----------------------------------------------------------------------------------


def test_an_sm2_seal_is_present_but_not_checked(signed: bytes, star: Rubric) -> None:
    found = seal(es.with_algorithm(signed), star)
    assert (found.state, found.text) == ("unverifiable", "已签章（国密，无法校验）")
    assert found.signer == f"{ORGANIZATION}电子印章" and TIME_TEXT.fullmatch(found.signed_at)
    assert (found.intact, found.trusted, found.whole_file) == (None, None, True)
    assert found.notes == (GM_SEAL,)
    assert e_seal_problems(found, star) == [], "a seal this tool cannot check is not a failure"


@pytest.mark.parametrize("kind", ["cms", "gm-content-type", "ses"])
def test_sm2_seals_as_chinese_software_writes_them(signed: bytes, star: Rubric, kind: str) -> None:
    cert = es.sm2_certificate(f"{ORGANIZATION}电子公章", ORGANIZATION)
    der = {
        "cms": lambda: es.sm2_cms(cert),
        "gm-content-type": lambda: es.sm2_cms(cert, gm_content_types=True),
        "ses": lambda: es.ses_signature(cert),
    }[kind]()
    found = seal(es.replace_contents(signed, der), star)
    assert found.state == "unverifiable" and found.notes == (GM_SEAL,)
    assert (found.signer, found.organization) == (f"{ORGANIZATION}电子公章", ORGANIZATION)
    assert found.whole_file is True
    assert e_seal_problems(found, star) == []


def test_an_sm2_seal_still_shows_a_score_changed_after_it(signed: bytes, star: Rubric) -> None:
    sm2 = es.replace_contents(signed, es.sm2_cms(es.sm2_certificate("某单位电子公章", ORGANIZATION)))
    found = seal(es.edit_field_incrementally(sm2, score_name(star, 2), "8"), star)
    assert found.state == "unverifiable" and found.whole_file is False
    assert e_seal_problems(found, star) == [
        f"签章后评分被修改：评分“{star.subitems[2].name}”（签章时为“15”，现为“8”）。"
    ]


def test_an_unknown_algorithm(signed: bytes, star: Rubric) -> None:
    found = seal(es.with_algorithm(signed, es.UNKNOWN_ALGORITHM, None), star)
    assert found.state == "unverifiable" and found.notes == (UNKNOWN_ALGORITHM,)
    assert found.signer == f"{ORGANIZATION}电子印章"


# --- hostile signature data --------------------------------------------------------------------------------------


def test_garbage_in_the_signature_is_a_note_never_an_error(signed: bytes, star: Rubric) -> None:
    found = seal(es.garbage_contents(signed), star)
    assert found.state == "signed" and found.notes == (UNREADABLE,)
    assert e_seal_problems(found, star) == [UNREADABLE + "。"]


def test_hostile_signature_data_never_raises(signed: bytes, star: Rubric) -> None:
    _, length, start, _ = es.signed_range(signed)
    contents = (length + 1, start - 1)
    variants = [
        es.replace_contents(signed, b""),
        signed[: contents[0]] + b"[" * (contents[1] - contents[0]) + signed[contents[1] :],  # absurd nesting
        signed.replace(b"/ByteRange [0 ", b"/ByteRange [9 ", 1),
        re.sub(rb"/ByteRange \[[^\]]*\]", lambda m: b"/ByteRange [0 -1 99999999999 5]".ljust(len(m[0])), signed),
        signed[: len(signed) - 300],
        signed + b"garbage after the end",
    ]
    rng = random.Random(3)
    dictionary = signed.rfind(b"/ByteRange")
    for _ in range(40):
        at = rng.randrange(dictionary - 200, len(signed))
        variants.append(signed[:at] + bytes([rng.randrange(256)]) + signed[at + 1 :])
    for data in variants:
        found = seal(data, star)  # must not raise
        assert found.state in ("unsigned", "signed", "unverifiable")
        e_seal_problems(found, star)


# --- the field lock -----------------------------------------------------------------------------------------------


def locked_names(rubric: Rubric) -> list[str]:
    return [f.name for f in form_fields(rubric) if f.kind in ("applicant", "total", "score")]


def test_pyhanko_honours_the_field_lock_when_signing(signed: bytes, star: Rubric, pki: es.SealPki) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
    from pyhanko.sign.fields import FieldMDPAction
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.field_name == seal_field(star).name
    reference = embedded.sig_object["/Reference"][0]
    assert reference["/TransformMethod"] == "/FieldMDP", "pyHanko records the lock in the signature"
    assert embedded.fieldmdp is not None and embedded.fieldmdp.action == FieldMDPAction.INCLUDE
    assert list(embedded.fieldmdp.fields or ()) == locked_names(star)

    from asn1crypto import x509

    context = ValidationContext(trust_roots=[x509.Certificate.load(pki.root.der)], allow_fetching=False)
    edited = es.set_value_incrementally(signed, score_name(star, 1), "3")
    embedded = PdfFileReader(io.BytesIO(edited)).embedded_signatures[0]
    status = validate_pdf_signature(embedded, context, diff_policy=seal_diff_policy())
    assert isinstance(status.diff_result, SuspiciousModification) and not status.docmdp_ok
    assert f"the form field {score_name(star, 1)} is locked" in str(status.diff_result)

    unlocked = es.set_value_incrementally(signed, organization_field(star).name, "另一家公司")
    embedded = PdfFileReader(io.BytesIO(unlocked)).embedded_signatures[0]
    status = validate_pdf_signature(embedded, context, diff_policy=seal_diff_policy())
    assert not isinstance(status.diff_result, SuspiciousModification), "an unlocked field may still change"
    assert status.modification_level == ModificationLevel.FORM_FILLING and status.docmdp_ok
    assert e_seal_problems(seal(edited, star), star) == [
        f"签章后评分被修改：评分“{star.subitems[1].name}”（签章时为“15”，现为“3”）。"
    ]


@pytest.mark.parametrize("rubric_id", ["star", "team", "manager"])
def test_every_rubric_can_be_sealed(rubric_set: RubricSet, rubric_id: str, pki: es.SealPki, tmp_path: Path) -> None:
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None
    scores = [sub.bands[-1].max for sub in rubric.subitems]
    applicant = PERSON[: len(rubric.applicant_fields)]
    path = fill_pypdf(
        write_form(rubric, tmp_path / "blank.pdf"), tmp_path / "f.pdf", form_values(rubric, applicant, scores)
    )
    data = es.sign_form(path.read_bytes(), seal_field(rubric).name, pki.seal)
    found = seal(data, rubric, pki.root_ders())
    assert (found.state, found.trusted, found.intact, found.whole_file) == ("signed", True, True, True)
    assert e_seal_problems(found, rubric) == []


def test_a_personalised_copy_filled_in_a_viewer_can_be_sealed(
    rubric_set: RubricSet, pki: es.SealPki, tmp_path: Path
) -> None:
    from generator.distribute.personalize import Personalizer
    from generator.distribute.roster import Applicant

    rubric = rubric_set.get("star")
    assert rubric is not None
    person = Applicant(2, rubric, tuple(zip(("name", "unit", "post"), PERSON, strict=True)), "a@example.com")
    [(_, copy)] = Personalizer([person]).write_all([person], tmp_path)
    values = {f.name: str(s) for f, s in zip(score_fields(rubric), SCORES, strict=True)}
    values[organization_field(rubric).name] = ORGANIZATION
    filled = fill_pymupdf(copy, tmp_path / "filled.pdf", values)
    data = es.sign_form(filled.read_bytes(), seal_field(rubric).name, pki.seal)
    found = seal(data, rubric, pki.root_ders())
    assert (found.state, found.trusted, found.intact, found.whole_file) == ("signed", True, True, True)
    assert e_seal_problems(found, rubric) == []
    result = read_pdf_form(data, "copy.pdf", rubric_set).result
    assert result.applicant["name"] == PERSON[0] and result.total == sum(SCORES)


# --- problems -------------------------------------------------------------------------------------------------------


def test_problems_come_in_order_of_importance(star: Rubric) -> None:
    name = star.subitems[0].name
    e_seal = ESeal(
        "signed",
        intact=True,
        whole_file=False,
        changes=("第 1 页新增注释", f"评分“{name}”（签章时为“10”，现为“5”）"),
        notes=("证书未验证信任链", "签章单位与表上所填组织名称不一致：签章单位为“甲”，表上为“乙”"),
    )
    assert e_seal_problems(e_seal, star) == [
        f"签章后评分被修改：评分“{name}”（签章时为“10”，现为“5”）。",
        "签章后文件被改动：第 1 页新增注释。",
        "签章单位与表上所填组织名称不一致：签章单位为“甲”，表上为“乙”。",
    ]
    assert e_seal_problems(ESeal("unverifiable", notes=(GM_SEAL,)), star) == []


# --- what the user sees -----------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_seal_appearance_shows_in_the_seal_box(signed: bytes, star: Rubric, folder: Path) -> None:
    from pypdf import PdfReader

    from tests.pdf_support import widgets

    page, widget = widgets(PdfReader(io.BytesIO(signed)))[seal_field(star).name]
    path = folder / "signed.pdf"
    dpi = 80
    out = folder / "seal-page"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), "-singlefile", str(path), str(out)],
        check=True,
        capture_output=True,
    )
    raw = out.with_suffix(".ppm").read_bytes()
    match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", raw)
    assert match
    width, height, pixels = int(match[1]), int(match[2]), raw[match.end() :]
    x0, y0, x1, y1 = (float(v) * dpi / 72 for v in widget["/Rect"])
    red = 0
    for row in range(int(height - y1), int(height - y0)):
        for col in range(int(x0), int(x1)):
            r, g, b = pixels[(row * width + col) * 3 : (row * width + col) * 3 + 3]
            red += r > 160 and g < 110 and b < 110
    assert red > 100, "the red seal is drawn inside the seal box"


def test_reading_a_seal_from_async_code(signed: bytes, star: Rubric) -> None:
    import asyncio

    async def read() -> ESeal:
        return seal(signed, star)

    assert asyncio.run(read()).state == "signed"


# --- every output, through the command --------------------------------------------------------------


def test_every_output_shows_the_seal_states_and_a_score_changed_after_signing(
    filled: bytes, signed: bytes, star: Rubric, pki: es.SealPki, tmp_path: Path
) -> None:
    """`read --trust-roots` over an unsigned, a signed and a signed-then-edited form: the workbook, the CSV
    and the HTML report carry the seal columns, and the edit is a problem shown first."""
    import csv
    import io
    import sys

    from openpyxl import load_workbook

    from generator.cli import main
    from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME, csv_name

    returns, roots = tmp_path / "交回 表格", tmp_path / "根证书"
    returns.mkdir()
    roots.mkdir()
    (roots / "root.pem").write_bytes(pki.root.pem)
    (returns / "unsigned.pdf").write_bytes(filled)
    (returns / "signed.pdf").write_bytes(signed)
    (returns / "edited.pdf").write_bytes(es.edit_field_incrementally(signed, score_name(star), "5"))
    out = tmp_path / "out"
    saved, sys.stdout = sys.stdout, io.StringIO()
    try:
        code = main(["read", str(returns), "--out", str(out), "--trust-roots", str(roots), "--jobs", "2"])
        summary = sys.stdout.getvalue()
    finally:
        sys.stdout = saved
    assert code == 1 and "电子签章：2 份已签章，其中 1 份签章后被改动或签章无效" in summary
    changed = f"签章后评分被修改：评分“{star.subitems[0].name}”（签章时为“10”，现为“5”）。"
    sheet = load_workbook(out / WORKBOOK_NAME)[star.name]
    header = [cell.value for cell in sheet[1]]
    rows = {Path(row[1]).name: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)}
    assert rows["unsigned.pdf"]["电子签章"] == "未签章"
    for name in ("signed.pdf", "edited.pdf"):
        assert rows[name]["电子签章"] == "已签章" and ORGANIZATION in rows[name]["签章人"]
        assert TIME_TEXT.fullmatch(rows[name]["签章时间"])
    assert rows["signed.pdf"]["签章核验"] == "完好，覆盖整个文件；证书可信"
    assert rows["edited.pdf"]["签章核验"].startswith("签章后有改动：评分")
    assert rows["edited.pdf"]["问题"].startswith(changed)
    with (out / csv_name(star.name)).open(encoding="utf-8-sig") as stream:
        table = list(csv.DictReader(stream))
    assert {Path(r["来源文件"]).name: r["签章核验"] for r in table}["edited.pdf"].startswith("签章后有改动")
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "seal-broken" in html and changed in html and "证书可信" in html
