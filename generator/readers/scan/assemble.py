"""The pages of a batch's scans grouped into applications: one result per paper application.

A personalised form's pages carry its roster key, so they group exactly,
wherever and in whatever order they were scanned.  The pages of a blank form
group in reading order: files in the order given, pages in file order, each
page 1 opening an application and each next page joining the open
application of its rubric that waits for it.  A missing page, a page seen
twice and a page without a readable code are problems naming file and page.
Blank forms of one rubric scanned interleaved (A1, B1, A2, B2) cannot be told
apart: when the blank applications of a rubric in a file come out incomplete
or out of order, every blank application of that rubric in that file says its
pages may be mixed up.  A file whose content is the same as an earlier one's
(the same scan copied into two folders) is a repeat, not more applications.

Nothing is read from handwriting: a paper application's result has its
rubric, roster key, seal call and the crops to key; its scores and header
come from the keying workbook (:mod:`generator.readers.keyed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import Crop, FormResult, ScanEvidence, SealState, unreadable
from generator.readers.scan.pages import PageReading, ScannedFile

TO_KEY = "纸质表格：表头和评分需人工录入：在网页版的“录入”页，或在 录入表.xlsx 中按截图录入后与扫描件一起读取。"
NO_SEAL = "未盖章，不得申报：扫描件的盖章处未见印章。"
UNCLEAR_SEAL = "印章无法判断：请查看报告中的盖章处截图，并在 录入表.xlsx 的“印章”一栏确认。"
GREY_SEAL = "印章无法判断：扫描件为黑白（灰度），看不出印章颜色；请查看盖章处截图并在 录入表.xlsx 中确认。"
SEAL_PROBLEMS = frozenset({NO_SEAL, UNCLEAR_SEAL, GREY_SEAL})
MISSING_PAGES = "纸质表格缺少第"
INTERLEAVED = (
    "本文件中同一评分表的空白表格不止一份，且页序不连续（缺页或顺序打乱），无法确定各页属于哪一份，"
    "页的归属和盖章判断可能有误；请核对扫描件，并把每位申报人的表格按页序分开扫描。"
)


def same_file(repeat: str, first: str) -> str:
    return f"扫描件重复：{repeat} 与 {first} 内容完全相同，只按 {first} 计入一次；请删除重复的文件。"


@dataclass(frozen=True, slots=True)
class FoundPage:
    """A page with a code, and where it was found."""

    file: ScannedFile
    reading: PageReading

    @property
    def where(self) -> str:
        return page_place(self.file.source, self.reading.number)


@dataclass
class Application:
    """The pages found for one paper application, by page number, and the repeats."""

    rubric_id: str
    fingerprint: str
    roster_key: str
    pages: dict[int, FoundPage] = field(default_factory=dict)
    repeats: list[FoundPage] = field(default_factory=list)
    interleaved: bool = False

    def add(self, page: FoundPage) -> None:
        assert page.reading.code is not None
        number = page.reading.code.page
        if number in self.pages:
            self.repeats.append(page)
        else:
            self.pages[number] = page

    def waits_for(self, number: int) -> bool:
        return number not in self.pages and all(n in self.pages for n in range(1, number))

    @property
    def in_order(self) -> bool:
        """Every page found once, none missing (pages joined in order, none skipped)."""
        first = next(iter(self.pages.values()), None)
        count = first.reading.code.pages if first is not None and first.reading.code is not None else 0
        return not self.repeats and set(self.pages) == set(range(1, count + 1))

    @property
    def sources(self) -> set[str]:
        return {page.file.source for page in (*self.pages.values(), *self.repeats)}


def page_place(source: str, number: int) -> str:
    return f"{source} 第 {number} 页"


def group_pages(files: Sequence[ScannedFile]) -> list[Application]:
    """Every page with a code, grouped into applications (in the order their first pages were found)."""
    keyed: dict[tuple[str, str], Application] = {}
    applications: list[Application] = []
    open_blank: dict[str, Application] = {}
    for file in files:
        for reading in file.pages:
            code = reading.code
            if code is None or reading.problem:
                continue
            page = FoundPage(file, reading)
            if code.roster_key:
                key = (code.rubric_id, code.roster_key)
                if key not in keyed:
                    keyed[key] = Application(code.rubric_id, code.fingerprint, code.roster_key)
                    applications.append(keyed[key])
                keyed[key].add(page)
                continue
            current = open_blank.get(code.rubric_id)
            if current is None or not current.waits_for(code.page):
                current = Application(code.rubric_id, code.fingerprint, "")
                open_blank[code.rubric_id] = current
                applications.append(current)
            current.add(page)
    _mark_interleaved([a for a in applications if not a.roster_key])
    return applications


def _mark_interleaved(blank: Sequence[Application]) -> None:
    """Mark every blank application of a rubric in a file where that rubric's blank applications (more than
    one) came out incomplete or out of order: their pages may belong to one another."""
    by_place: dict[tuple[str, str], list[Application]] = {}
    for application in blank:
        for source in application.sources:
            by_place.setdefault((application.rubric_id, source), []).append(application)
    for group in by_place.values():
        if len(group) > 1 and not all(a.in_order for a in group):
            for application in group:
                application.interleaved = True


def distinct_files(files: Sequence[ScannedFile]) -> tuple[list[ScannedFile], list[FormResult]]:
    """The files, each content once, and a problem for each later file with an earlier one's content."""
    first: dict[str, ScannedFile] = {}
    kept, repeats = [], []
    for file in files:
        if file.digest in first:
            repeats.append(unreadable(file.source, same_file(file.source, first[file.digest].source), "scan"))
        else:
            first[file.digest] = file
            kept.append(file)
    return kept, repeats


def page_problems(files: Sequence[ScannedFile]) -> list[FormResult]:
    """One result for each file that could not be opened and each page that could not be placed."""
    results = []
    for file in files:
        if file.problem:
            results.append(unreadable(file.source, file.problem, "scan"))
        for reading in file.pages:
            if reading.problem:
                place = page_place(file.source, reading.number)
                thumbs = (reading.thumbnail,) if reading.thumbnail else ()
                evidence = ScanEvidence("", (place,), crops=thumbs)
                results.append(FormResult(source=place, problems=(reading.problem,), format="scan", scan=evidence))
    return results


def application_id(application: Application, rubric: Rubric | None) -> str:
    """The application's name in the keying workbook: its roster key, else where its first page was found."""
    if application.roster_key:
        return f"{application.rubric_id}-{application.roster_key}"
    first = min(application.pages.items())[1]
    return f"{application.rubric_id}-{first.file.digest}-{first.reading.number}"


def seal_call(application: Application) -> tuple[SealState, Crop | None, bool]:
    """The seal state from the application's last page, its crop, and whether that scan had colour."""
    if not application.pages:
        return "unclear", None, True
    last = application.pages.get(max(application.pages))
    assert last is not None
    reading = last.reading
    assert reading.code is not None
    if reading.code.page != reading.code.pages or reading.seal is None:
        return "unclear", None, True
    return reading.seal, reading.seal_crop, reading.colour


def _page_notes(application: Application, rubric: Rubric) -> list[str]:
    problems = []
    count = next(iter(application.pages.values())).reading.code
    assert count is not None
    missing = [n for n in range(1, count.pages + 1) if n not in application.pages]
    if missing:
        found = "、".join(page.where for _, page in sorted(application.pages.items()))
        numbers = "、".join(str(n) for n in missing)
        problems.append(f"{MISSING_PAGES} {numbers} 页（共 {count.pages} 页；找到的是：{found}）。")
    for repeat in application.repeats:
        assert repeat.reading.code is not None
        first = application.pages[repeat.reading.code.page]
        problems.append(f"第 {repeat.reading.code.page} 页出现两次：{first.where} 与 {repeat.where}；只采用了前者。")
    if application.interleaved:
        problems.append(INTERLEAVED)
    if application.fingerprint != rubric.fingerprint:
        problems.append(
            f"这份纸质表格按另一版本的“{rubric.name}”评分标准印制（版本指纹 {application.fingerprint}，"
            f"当前为 {rubric.fingerprint}）；请核对截图位置与评分项。"
        )
    return problems


def seal_problem(state: SealState, colour: bool) -> str | None:
    if state == "absent":
        return NO_SEAL
    if state == "unclear":
        return UNCLEAR_SEAL if colour else GREY_SEAL
    return None


def application_result(application: Application, rubrics: RubricSet) -> FormResult:
    """The result of one paper application before keying: where it was found, its seal, its crops."""
    rubric = rubrics.get(application.rubric_id)
    assert rubric is not None  # pages of unknown rubrics are page problems
    places = tuple(page.where for _, page in sorted(application.pages.items()))
    seal, seal_crop, colour = seal_call(application)
    crops = tuple(crop for _, page in sorted(application.pages.items()) for crop in page.reading.crops)
    notes = tuple(_page_notes(application, rubric))
    refs = tuple((page.file.source, page.reading.number) for _, page in sorted(application.pages.items()))
    evidence = ScanEvidence(
        application_id(application, rubric), places, crops, seal, seal_crop, notes=notes, page_refs=refs
    )
    problems = [TO_KEY, *notes]
    if (problem := seal_problem(seal, colour)) is not None:
        problems.append(problem)
    return FormResult(
        source="；".join(places),
        problems=tuple(problems),
        read=True,
        format="scan",
        rubric_id=rubric.id,
        fingerprint=application.fingerprint,
        eligibility="ineligible" if seal == "absent" else "unknown",
        roster_key=application.roster_key,
        seal=seal,
        scan=evidence,
    )


def assemble(files: Sequence[ScannedFile], rubrics: RubricSet) -> list[FormResult]:
    """One result per paper application found in ``files``, then one per file or page that failed, then one
    per file repeating an earlier file's content."""
    distinct, repeats = distinct_files(files)
    applications = [application_result(a, rubrics) for a in group_pages(distinct)]
    return [*applications, *page_problems(distinct), *repeats]
