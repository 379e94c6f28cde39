"""A batch's paper returns put together with what was keyed for them and with their electronic twins.

After the files of a batch are read, the scans' pages are grouped into
applications (:mod:`generator.readers.scan.assemble`); each application
takes the values keyed for it in the keying workbook, by its id; and when
the same application also came back as a PDF or Word file, the two become
one result: the data from the file, the seal from the scan, and any keyed
value that differs from the file is a problem of that form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Union

from generator.model.rubric import RubricSet
from generator.readers.results import Eligibility, FormResult, ScanEvidence, SealState, unreadable
from generator.readers.scan.assemble import MISSING_PAGES, SEAL_PROBLEMS, assemble, seal_problem
from generator.readers.scan.pages import ScannedFile

if TYPE_CHECKING:
    from generator.readers.keyed import KeyedEntry, KeyedWorkbook

Outcome = Union[FormResult, ScannedFile, "KeyedWorkbook"]  # a forward reference: keyed imports openpyxl
"""What reading one file of a batch gives: a form's result, a scan's pages, or a keying workbook."""

NO_SCAN = "录入表中的这一行没有对应的扫描件（这次没有一并读取扫描件）；已按录入的内容计分，盖章情况以录入为准。"
TWICE_KEYED = "编号 {id} 在录入表中出现了不止一次（{places}）；采用了最后一处，请删除多余的一行。"


def seal_eligibility(eligibility: Eligibility, seal: SealState) -> Eligibility:
    """No seal makes a form ineligible; a seal nobody could make out leaves an eligible form to be checked."""
    if seal == "absent":
        return "ineligible"
    if seal == "unclear" and eligibility == "eligible":
        return "unknown"
    return eligibility


def keyed_result(scan: FormResult, entry: KeyedEntry) -> FormResult:
    """A paper application's result once keyed: the keyed values' checks and totals, the scan's evidence
    (its seal the scan's own call; the result's the keyer's, when one was chosen)."""
    assert scan.scan is not None
    seal = entry.seal or scan.seal
    page_notes = scan.scan.notes
    problem = seal_problem(seal, colour=True) if seal == entry.seal else _scan_seal_problem(scan)
    keyed = entry.result
    evidence = replace(scan.scan, keyed_values=entry.keyed_values)
    return replace(
        keyed,
        source=scan.source,
        format="keyed",
        fingerprint=scan.fingerprint,
        roster_key=scan.roster_key or keyed.roster_key,
        seal=seal,
        scan=evidence,
        problems=(*keyed.problems, *page_notes, *([problem] if problem else [])),
        eligibility=seal_eligibility(keyed.eligibility, seal),
    )


def with_keying(scan: FormResult, entry: KeyedEntry | None) -> FormResult:
    """A paper application with what was keyed for it: its values, or only the keyer's seal call."""
    if entry is None:
        return scan
    if entry.values:
        return keyed_result(scan, entry)
    return scan if entry.seal is None else confirmed_seal(scan, entry)


def confirmed_seal(scan: FormResult, entry: KeyedEntry) -> FormResult:
    """A paper application not keyed yet whose seal the keyer decided (say 无法判断 → 已盖章).

    The decision is carried in the evidence's ``keyed_values`` (the entry's: the seal under its field), so
    the next keying workbook keeps it; the evidence's own seal stays the scan's call.
    """
    assert scan.scan is not None and entry.seal is not None
    seal = entry.seal
    evidence = replace(scan.scan, keyed_values=entry.keyed_values)
    if seal == scan.seal:  # the keyer agrees with the scan: nothing else changes
        return replace(scan, scan=evidence)
    problem = seal_problem(seal, colour=True)
    kept = [p for p in scan.problems if p not in SEAL_PROBLEMS]
    return replace(
        scan,
        seal=seal,
        scan=evidence,
        problems=(*kept, *([problem] if problem else [])),
        eligibility="ineligible" if seal == "absent" else "unknown",
    )


def _scan_seal_problem(result: FormResult) -> str | None:
    """The seal problem the scan itself gave (it words a greyscale scan differently)."""
    return next((p for p in result.problems if p in SEAL_PROBLEMS), None)


def orphan_result(entry: KeyedEntry) -> FormResult:
    """A keyed row whose scan was not read with it: its values still count, and that is said."""
    seal: SealState = entry.seal or "unclear"
    evidence = ScanEvidence(entry.application_id, (entry.result.source,), keyed_values=entry.keyed_values)
    problem = seal_problem(seal, colour=True)
    return replace(
        entry.result,
        format="keyed",
        seal=seal,
        scan=evidence,
        problems=(*entry.result.problems, NO_SCAN, *([problem] if problem else [])),
        eligibility=seal_eligibility(entry.result.eligibility, seal),
    )


def _entries(books: Sequence[KeyedWorkbook]) -> tuple[dict[str, KeyedEntry], list[FormResult]]:
    """Every keyed row by application id, and the workbooks' own problems.

    The one place a repeated 编号 is dealt with, within a workbook or across several: the last row is taken,
    and the repeat is a problem naming every row (unless the rows keyed the same).
    """
    found: dict[str, list[tuple[str, KeyedEntry]]] = {}
    problems: list[FormResult] = []
    for book in books:
        problems += [unreadable(book.source, problem, "keyed") for problem in book.problems]
        for entry in book.entries:
            found.setdefault(entry.application_id, []).append((book.source, entry))
    for key, repeats in found.items():
        if len({entry.keyed_values for _, entry in repeats}) > 1:
            places = "、".join(entry.result.source for _, entry in repeats)
            problems.append(unreadable(repeats[-1][0], TWICE_KEYED.format(id=key, places=places), "keyed"))
    return {key: repeats[-1][1] for key, repeats in found.items()}, problems


def _paper(scans: Sequence[ScannedFile], books: Sequence[KeyedWorkbook], rubrics: RubricSet) -> list[FormResult]:
    entries, problems = _entries(books)
    results = []
    for result in assemble(scans, rubrics):
        entry = entries.pop(result.scan.application_id, None) if result.scan and result.read else None
        results.append(with_keying(result, entry))
    orphans = [orphan_result(entry) for entry in entries.values() if entry.values]
    return [*results, *orphans, *problems]


def combine(outcomes: Sequence[Outcome], rubrics: RubricSet) -> list[FormResult]:
    """Every result of a batch: forms read from files, then paper applications (keyed or not), joined in pairs."""
    from generator.readers.keyed import KeyedWorkbook

    scans = [o for o in outcomes if isinstance(o, ScannedFile)]
    forms = [o for o in outcomes if isinstance(o, FormResult)] + [s.form for s in scans if s.form is not None]
    books = [o for o in outcomes if isinstance(o, KeyedWorkbook)]
    if not scans and not books:
        return forms
    return join_pairs(forms, _paper(scans, books, rubrics), rubrics)


def join_pairs(forms: list[FormResult], paper: list[FormResult], rubrics: RubricSet) -> list[FormResult]:
    """Each paper application that also came back as a file joined with it; the rest as they are."""
    joined = list(forms)
    alone = []
    for result in paper:
        twin = _twin(result, joined, rubrics) if result.read and result.scan is not None else None
        if twin is None:
            alone.append(result)
        else:
            joined[twin] = join(joined[twin], result, rubrics)
    return [*joined, *alone]


def _twin(paper: FormResult, forms: Sequence[FormResult], rubrics: RubricSet) -> int | None:
    """The electronic return of the same application: same roster key, same file, or (keyed) same person."""
    assert paper.scan is not None
    for index, form in enumerate(forms):
        if not form.read or form.scan is not None or form.rubric_id != paper.rubric_id:
            continue
        if paper.roster_key and form.roster_key == paper.roster_key:
            return index
        if any(source == form.source for source, _ in paper.scan.page_refs):
            return index
        if paper.format == "keyed" and _same_person(form, paper, rubrics):
            return index
    return None


def _compact(text: str) -> str:
    return "".join(text.split())


def _same_person(a: FormResult, b: FormResult, rubrics: RubricSet) -> bool:
    rubric = rubrics.get(a.rubric_id or "")
    if rubric is None:
        return False
    ids = [h.id for h in rubric.applicant_fields if h.role in ("name", "unit")]
    values = [(_compact(a.applicant.get(i, "")), _compact(b.applicant.get(i, ""))) for i in ids]
    return bool(values) and all(x and x == y for x, y in values)


def differences(form: FormResult, keyed: FormResult, rubrics: RubricSet) -> list[str]:
    """Where the keyed paper values and the file's values disagree, each named."""
    rubric = rubrics.get(form.rubric_id or "")
    if rubric is None:
        return []
    found = []
    for header in rubric.applicant_fields:
        x, y = form.applicant.get(header.id, ""), keyed.applicant.get(header.id, "")
        if x and y and _compact(x) != _compact(y):
            found.append(f"“{header.label}”电子版为“{x}”，纸质为“{y}”")
    for sub in rubric.subitems:
        x_score, y_score = form.scores.get(sub.id), keyed.scores.get(sub.id)
        if x_score and y_score and None not in (x_score.value, y_score.value) and x_score.value != y_score.value:
            found.append(f"“{sub.name}”电子版 {x_score.value} 分，纸质 {y_score.value} 分")
    if not found:
        return []
    return [f"纸质表格与电子版不一致：{'；'.join(found)}。请核对以哪一份为准。"]


def join(form: FormResult, paper: FormResult, rubrics: RubricSet) -> FormResult:
    """One result for an application returned both ways: the file's data, the scan's seal and evidence."""
    assert paper.scan is not None
    seal_problems = [p for p in paper.problems if p in SEAL_PROBLEMS]
    found = differences(form, paper, rubrics) if paper.format == "keyed" else []
    notes = paper.scan.notes
    if paper.scan.seal_crop is not None:  # the stamped page is there; the file has the data of the others
        notes = tuple(note for note in notes if not note.startswith(MISSING_PAGES))
    return replace(
        form,
        seal=paper.seal,
        scan=paper.scan,
        problems=(*form.problems, *notes, *seal_problems, *found),
        eligibility=seal_eligibility(form.eligibility, paper.seal),
    )
