"""The tabulation of a batch: one table per rubric and the problem list, shared by every output.

The spreadsheet, the CSV files and the HTML report all render this one
model, so they agree on columns, order, ranking and statistics.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import ESeal, FormResult
from generator.readers.scores import ScoreCheck
from generator.reports.duplicates import DuplicateGroup, flag_duplicates
from generator.reports.roster_check import RosterCheck, RosterRow, check_roster

Cell = str | int | None


@dataclass(frozen=True, slots=True)
class Stats:
    """Count and spread of the totals of one rubric's forms."""

    count: int
    mean: float | None = None
    minimum: int | None = None
    maximum: int | None = None
    stdev: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One form's row; ``rank`` 0 for a paper application whose scores are not keyed yet."""

    rank: int
    result: FormResult
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class RubricTable:
    """One rubric's forms, best total first, with the column headers of every output."""

    rubric: Rubric
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    stats: Stats


@dataclass(frozen=True, slots=True)
class ProblemEntry:
    """One problem of one file, for the 问题 sheet and the report's problem list."""

    source: str
    rubric: str
    applicant: str
    message: str


@dataclass(frozen=True, slots=True)
class Tabulation:
    """A whole batch: its rubrics, every result (duplicates flagged), a table per rubric, the problems."""

    rubrics: RubricSet
    results: tuple[FormResult, ...]
    duplicates: tuple[DuplicateGroup, ...]
    tables: tuple[RubricTable, ...]
    problems: tuple[ProblemEntry, ...]
    roster: RosterCheck | None = None

    @property
    def unreadable(self) -> tuple[FormResult, ...]:
        return tuple(r for r in self.results if not r.read)

    @property
    def forms(self) -> tuple[FormResult, ...]:
        return tuple(r for r in self.results if r.read)

    @property
    def files_with_problems(self) -> int:
        return sum(1 for r in self.results if r.problems)

    @property
    def clean(self) -> bool:
        return all(r.clean for r in self.results)


PROBLEM_HEADERS = ("文件", "评分表", "申报人", "问题")
E_SEAL_HEADERS = ("电子签章", "签章人", "签章时间", "签章核验")


def e_seal_check(e_seal: ESeal) -> str:
    """What checking the signature found, in one line: intact or not, changes after it, trust, notes."""
    if e_seal.state == "unsigned":
        return ""
    if e_seal.intact is False:
        parts = ["签章无效：签章覆盖的内容已被改动"]
    elif e_seal.whole_file is False:
        parts = ["签章后有改动：" + ("；".join(e_seal.changes) if e_seal.changes else "追加了修订")]
    elif e_seal.state == "signed":
        parts = ["完好，覆盖整个文件"]
    else:
        parts = []
    if e_seal.trusted is not None:
        parts.append("证书可信" if e_seal.trusted else "证书不可信")
    return "；".join([*parts, *e_seal.notes])


def e_seal_cells(e_seal: ESeal | None) -> tuple[str, ...]:
    """The electronic seal's columns (empty for a return with no seal field: Word, paper)."""
    if e_seal is None:
        return ("", "", "", "")
    who = "，".join(part for part in (e_seal.signer, e_seal.organization) if part)
    return (e_seal.text, who, e_seal.signed_at, e_seal_check(e_seal))


def headers(rubric: Rubric) -> tuple[str, ...]:
    return (
        "名次",
        "来源文件",
        "格式",
        *(h.label for h in rubric.applicant_fields),
        *(f"{sub.name}（{sub.points}分）" for sub in rubric.subitems),
        *(f"{item.name}小计（{item.points}分）" for item in rubric.items),
        f"总分（{rubric.total}分）",
        f"表上填写的{rubric.total_field.label}",
        "申报资格",
        "所在组织",
        "审核意见",
        "审核日期",
        "印章",
        "纸质扫描件",
        *E_SEAL_HEADERS,
        "问题",
    )


def score_cell(check: ScoreCheck | None) -> Cell:
    """A valid score as a number; an invalid one as typed, so the panel sees it; none (paper, not yet keyed) blank."""
    if check is None:
        return ""
    return check.value if check.value is not None else check.raw


def row_cells(rank: int, result: FormResult, rubric: Rubric) -> tuple[Cell, ...]:
    """A form's cells: scores as :func:`score_cell` gives them, then totals, the review, the seal and the problems."""
    keyed = bool(result.scores)
    return (
        rank or "",
        result.source,
        result.format_text,
        *(result.applicant.get(h.id, "") for h in rubric.applicant_fields),
        *(score_cell(result.scores.get(sub.id)) for sub in rubric.subitems),
        *(result.subtotals.get(item.id, 0) if keyed else "" for item in rubric.items),
        result.total,
        result.self_reported_value if result.self_reported_value is not None else result.self_reported,
        result.eligibility_text,
        result.organization,
        result.review,
        result.review_date,
        result.seal_text,
        "\n".join(result.scan.pages) if result.scan else "",
        *e_seal_cells(result.e_seal),
        "\n".join(result.problems),
    )


def ranked(results: Sequence[FormResult]) -> list[tuple[int, FormResult]]:
    """Best total first; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-(r.total or 0), r.source))
    ranks: list[tuple[int, FormResult]] = []
    for position, result in enumerate(ordered, start=1):
        same = ranks and ranks[-1][1].total == result.total
        ranks.append((ranks[-1][0] if same else position, result))
    return ranks


def stats(totals: Sequence[int]) -> Stats:
    if not totals:
        return Stats(0)
    return Stats(
        count=len(totals),
        mean=statistics.fmean(totals),
        minimum=min(totals),
        maximum=max(totals),
        stdev=statistics.pstdev(totals),
    )


def rubric_table(rubric: Rubric, results: Sequence[FormResult]) -> RubricTable:
    """The rubric's forms ranked by total; paper applications not yet keyed follow, unranked (rank 0)."""
    mine = [r for r in results if r.read and r.rubric_id == rubric.id]
    scored = [r for r in mine if r.scores]
    order = [*ranked(scored), *((0, r) for r in mine if not r.scores)]
    rows = tuple(Row(rank, result, row_cells(rank, result, rubric)) for rank, result in order)
    return RubricTable(rubric, headers(rubric), rows, stats([r.total or 0 for r in scored]))


def applicant_text(result: FormResult, rubric: Rubric | None) -> str:
    if rubric is None or not result.read:
        return ""
    return "，".join(v for h in rubric.applicant_fields if (v := result.applicant.get(h.id, "")))


def problem_entries(results: Sequence[FormResult], rubrics: RubricSet) -> tuple[ProblemEntry, ...]:
    entries = []
    for result in results:
        rubric = rubrics.get(result.rubric_id or "") if result.read else None
        for message in result.problems:
            entries.append(
                ProblemEntry(result.source, rubric.name if rubric else "", applicant_text(result, rubric), message)
            )
    return tuple(entries)


def tabulate(
    results: Sequence[FormResult],
    rubrics: RubricSet,
    roster: Sequence[RosterRow] | None = None,
    senders: Mapping[str, str] | None = None,
) -> Tabulation:
    """The per-rubric tables and the problem list of a batch of results, duplicate returns flagged first;
    with a ``roster``, each row checked against the returns (``senders``: source → e-mail address)."""
    results, duplicates = flag_duplicates(results, rubrics)
    return Tabulation(
        rubrics=rubrics,
        results=tuple(results),
        duplicates=duplicates,
        tables=tuple(rubric_table(rubric, results) for rubric in rubrics),
        problems=problem_entries(results, rubrics),
        roster=check_roster(roster, results, rubrics, senders) if roster is not None else None,
    )
