"""The score and total scripts, run by real viewer engines.

pdf.js: the form opened in pdf.js's own viewer components in headless
Chromium (tests/viewer_support.py), typed into like a user, saved with
``saveDocument()`` as Firefox saves.  PDFium: the PyPI build of pypdfium2
has no JavaScript (no V8; checked below), so the same script sources, read
from the PDF, run under Node in ``tests/pdfjs/pdfium_events.mjs``, a model of
the order and the rules by which PDFium's form filler calls them (see its
header for the PDFium source it follows).

Invariant after every step, in both: the total shows the sum of the score
boxes as shown (empty while every box is empty), and every alert is Chinese.
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator.layout.form import build_layout
from generator.model.fields import score_fields, total_field
from generator.model.rubric import Rubric, RubricSet
from generator.readers.returns import read_return
from generator.writers.pdf.writer import write_pdf
from tests.pdf_support import widgets
from tests.viewer_support import loopback_server, open_form, pdfjs_browser, viewer_available

PDFJS_DIR = Path(__file__).resolve().parent / "pdfjs"
CJK = re.compile(r"[\u4e00-\u9fff]")

# (sub-item id, typed text, accepted?) -- valid entries, out of range, a gap value, letters, then valid again.
STEPS: dict[str, list[tuple[str, str, bool]]] = {
    "star": [
        ("moral_character", "9", True),
        ("moral_character", "99", False),  # 10-point box
        ("professionalism", "12", True),
        ("moral_character", "8", True),
        ("service_standards", "16", False),
        ("innovation_ability", "a", False),
        ("innovation_ability", "九", False),
        ("innovation_ability", "7", True),
        ("innovation_ability", "7a", False),
        ("satisfaction_program", "10", True),
        ("customer_praise", "20", True),
        ("service_model", "19", True),
        ("service_standards", "15", True),
    ],
    "manager": [
        ("political_stance", "9", True),
        ("political_stance", "99", False),
        ("pragmatic_style", "5", True),
        ("satisfaction_program", "3", False),  # only 0 or 5-15
        ("learning_organization", "14", True),
        ("satisfaction_program", "a", False),
        ("satisfaction_program", "九", False),
        ("satisfaction_program", "12", True),
        ("satisfaction_program", "1", False),
        ("organization_performance", "2", False),  # only 0 or 3-10
        ("organization_performance", "8", True),
        ("political_stance", "10", True),
        ("organization_recognition", "25", True),
        ("personal_recognition", "15", True),
        ("satisfaction_program", "12", True),
    ],
}


@pytest.fixture(scope="module")
def forms(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("viewer_forms")
    paths = {}
    for rubric_id in STEPS:
        rubric = rubric_set.get(rubric_id)
        assert rubric is not None
        paths[rubric_id] = out / f"{rubric_id}.pdf"
        write_pdf(build_layout(rubric), paths[rubric_id])
    return paths


def shown_total_is_sum(rubric: Rubric, shown: dict[str, str]) -> None:
    scores = [shown[f.name].strip() for f in score_fields(rubric)]
    filled = [int(s) for s in scores if s]
    expected = str(sum(filled)) if filled else ""
    assert shown[total_field(rubric).name] == expected, f"total {shown[total_field(rubric).name]!r}, boxes {scores}"


def chinese(alert: str) -> bool:
    return bool(CJK.search(alert)) and "评分须为整数" in alert and not re.search(r"[A-Za-z]", alert)


def check_step(
    rubric: Rubric, name: str, text: str, accepted: bool, before: str, after: dict[str, str], alerts: list[str]
) -> None:
    shown_total_is_sum(rubric, after)
    assert all(chinese(a) for a in alerts), alerts
    if accepted:
        assert after[name] == text and alerts == []
    else:
        assert after[name] in (before, ""), f"{text!r} rejected, box shows {after[name]!r}"
        assert re.fullmatch(r"\d*", after[name])


# --- pdf.js ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfjs() -> Iterator[tuple[Any, str, dict[str, bytes]]]:
    if not viewer_available():
        pytest.skip("Playwright, /usr/bin/chromium or tests/pdfjs/node_modules/pdfjs-dist missing")
    with loopback_server() as (base_url, served), pdfjs_browser() as browser:
        yield browser, base_url, served


@pytest.mark.parametrize("rubric_id", list(STEPS))
def test_pdfjs_total_is_always_the_sum_of_the_boxes(
    rubric_id: str,
    rubric_set: RubricSet,
    forms: dict[str, Path],
    pdfjs: tuple[Any, str, dict[str, bytes]],
    tmp_path: Path,
) -> None:
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None
    browser, base_url, served = pdfjs
    with open_form(browser, base_url, served, forms[rubric_id]) as form:
        for subitem, text, accepted in STEPS[rubric_id]:
            name = f"{rubric_id}-score-{subitem}"
            before, seen = form.values()[name], len(form.alerts())
            form.type_into(name, text)
            after, alerts = form.values(), form.alerts()[seen:]
            check_step(rubric, name, text, accepted, before, after, alerts)
            if not accepted and re.fullmatch(r"\d+", text):
                assert len(alerts) == 1, f"{text!r}: the range alert, once"
        shown = form.values()
        saved = tmp_path / f"{rubric_id}-pdfjs.pdf"
        saved.write_bytes(form.save())

    result = read_return(saved, rubric_set)
    assert result.read and result.rubric_id == rubric_id
    for field in score_fields(rubric):
        assert field.subitem is not None
        check = result.scores[field.subitem.id]
        assert check.raw.strip() == shown[field.name] and check.value == (
            int(shown[field.name]) if shown[field.name] else None
        )
    assert result.self_reported == shown[total_field(rubric).name]
    assert result.self_reported_value == result.total
    blank = ("表头未填写", "缺少审核意见", "缺少所在组织名称")
    assert [p for p in result.problems if not p.startswith(blank)] == [], "only the scores were typed"


# --- PDFium -----------------------------------------------------------------------------------


def pdfium_runs_javascript(pdf: Path) -> bool:
    """Whether pypdfium2's PDFium runs a form's scripts: type letters into a score box, count alerts."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    alerts: list[str] = []
    alert_type = ctypes.CFUNCTYPE(
        ctypes.c_int,
        ctypes.POINTER(raw.IPDF_JSPLATFORM),
        raw.FPDF_WIDESTRING,
        raw.FPDF_WIDESTRING,
        ctypes.c_int,
        ctypes.c_int,
    )

    def on_alert(_this: Any, message: Any, _title: Any, _buttons: int, _icon: int) -> int:
        alerts.append(str(message))
        return 1

    callback = alert_type(on_alert)
    platform = raw.IPDF_JSPLATFORM(version=3, app_alert=callback)
    info = raw.FPDF_FORMFILLINFO(version=2, m_pJsPlatform=ctypes.pointer(platform))
    document = pdfium.PdfDocument(pdf)
    env = raw.FPDFDOC_InitFormFillEnvironment(document.raw, ctypes.byref(info))
    page = document[0]
    raw.FORM_OnAfterLoadPage(page.raw, env)
    try:
        for index in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annot = raw.FPDFPage_GetAnnot(page.raw, index)
            if (
                raw.FPDFAnnot_GetFormFieldType(env, annot) == raw.FPDF_FORMFIELD_TEXTFIELD
                and raw.FPDFAnnot_GetFormFieldFlags(env, annot) == 1 << 22
            ):
                raw.FORM_SetFocusedAnnot(env, annot)
                for char in "9a9":
                    raw.FORM_OnChar(env, page.raw, ord(char), 0)
                raw.FORM_ForceToKillFocus(env)
                raw.FPDFPage_CloseAnnot(annot)
                break
            raw.FPDFPage_CloseAnnot(annot)
    finally:
        raw.FORM_OnBeforeClosePage(page.raw, env)
        raw.FPDFDOC_ExitFormFillEnvironment(env)
    return bool(alerts)


def run_pdfium_model(pdf: Path, steps: list[tuple[str, str]]) -> dict[str, Any]:
    found = widgets(PdfReader(pdf))
    fields, co = {}, []
    for name, (_page, annot) in found.items():
        actions = annot.get("/AA")
        if actions is None:
            continue
        scripts = {key[1:]: str(actions[key].get_object()["/JS"]) for key in actions}
        if "-score-" in name:
            fields[name] = {**scripts, "maxLen": int(annot.get("/MaxLen", 0))}
        elif name.endswith("-total"):
            co.append({"name": name, **scripts})
    data = json.dumps({"fields": fields, "co": co, "steps": steps}, ensure_ascii=False)
    done = subprocess.run(
        ["node", str(PDFJS_DIR / "pdfium_events.mjs")],
        input=data,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def test_pypdfium2_has_no_javascript(forms: dict[str, Path]) -> None:
    """Why PDFium's side is a model: this PDFium ignores the scripts (letters stay, no alert)."""
    assert not pdfium_runs_javascript(forms["star"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("rubric_id", list(STEPS))
def test_pdfium_model_total_is_always_the_sum_of_the_boxes(
    rubric_id: str, rubric_set: RubricSet, forms: dict[str, Path]
) -> None:
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None
    steps = [(f"{rubric_id}-score-{subitem}", text) for subitem, text, _ in STEPS[rubric_id]]
    result = run_pdfium_model(forms[rubric_id], steps)
    before = {name: "" for name, _ in steps}
    for (name, text), (_, _, accepted), step in zip(steps, STEPS[rubric_id], result["steps"], strict=True):
        check_step(rubric, name, text, accepted, before[name], step["shown"], step["alerts"])
        assert step["stored"] == step["shown"]
        if not accepted:
            assert step["shown"][name] == before[name], "PDFium restores the previous value"
            assert len(step["alerts"]) == 1, f"{text!r}: the Chinese alert, once (letters included)"
        before = step["shown"]
    assert result["errors"] == []
