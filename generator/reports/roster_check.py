"""Who has returned: each roster row against the returns read.

A return is matched to its roster row by, in this order:

1. the roster key a personalised form carries (hidden field and document
   metadata; see :attr:`generator.distribute.roster.Applicant.roster_key`) —
   exact, even when the applicant retyped the header;
2. the rubric, name and unit typed on the form, compared as
   :func:`~generator.reports.duplicates.applicant_key` compares them;
3. the sender's address of the e-mail it came in (the ``collect`` ledger),
   when that address is on the roster for one row of the same rubric (or
   for one row at all, for a file that could not be read).

Each row is then 已交 (one return), 多次提交 (several) or 未交; every return
that matches no row is listed too.  A roster row is anything with the
attributes of :class:`RosterRow` — the roster's
:class:`~generator.distribute.roster.Applicant` has them — so reports need
not know where the roster came from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from generator.errors import UserError
from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import FormResult
from generator.reports.duplicates import applicant_key, normal

Status = Literal["已交", "多次提交", "未交"]
Match = Literal["名单编号", "姓名和单位", "发件人邮箱"]


class RosterRow(Protocol):
    """One roster row as the check sees it."""

    @property
    def where(self) -> str: ...
    @property
    def rubric(self) -> Rubric: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def roster_key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RosterLine:
    """A roster row and the returns matched to it, with how each was matched."""

    entry: RosterRow
    returns: tuple[FormResult, ...] = ()
    matches: tuple[Match, ...] = ()

    @property
    def status(self) -> Status:
        return "未交" if not self.returns else "已交" if len(self.returns) == 1 else "多次提交"

    @property
    def files(self) -> str:
        return "\n".join(result.source for result in self.returns)

    @property
    def formats(self) -> str:
        return "、".join(dict.fromkeys(result.format_text for result in self.returns if result.format))

    @property
    def note(self) -> str:
        """How the returns were matched, and any that could not be read."""
        parts = [f"按{how}核对" for how in dict.fromkeys(self.matches) if how != "名单编号"]
        unreadable = sum(not result.read for result in self.returns)
        if unreadable:
            parts.append(f"{unreadable} 份无法读取")
        return "；".join(parts)


@dataclass(frozen=True, slots=True)
class RosterCheck:
    """Every roster row with its returns, and the returns no row claims."""

    lines: tuple[RosterLine, ...]
    unmatched: tuple[FormResult, ...]

    def count(self, status: Status) -> int:
        return sum(line.status == status for line in self.lines)


class _Index:
    """The roster by roster key, by (rubric, name, unit) and by address."""

    def __init__(self, entries: Sequence[RosterRow]) -> None:
        self.by_key = {entry.roster_key: index for index, entry in enumerate(entries) if entry.roster_key}
        self.by_person: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.by_email: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(entries):
            self.by_person[(entry.rubric.id, normal(entry.name), normal(entry.unit))].append(index)
            if entry.email:
                self.by_email[entry.email.lower()].append(index)
        self.entries = entries

    def match(self, result: FormResult, rubrics: RubricSet, sender: str) -> tuple[int, Match] | None:
        if result.roster_key in self.by_key:
            return self.by_key[result.roster_key], "名单编号"
        rubric = rubrics.get(result.rubric_id or "")
        person = applicant_key(result, rubric) if result.read and rubric else None
        if person is not None and len(self.by_person.get(person, ())) == 1:
            return self.by_person[person][0], "姓名和单位"
        rows = self.by_email.get(sender.lower(), []) if sender else []
        if result.read:
            rows = [i for i in rows if self.entries[i].rubric.id == result.rubric_id]
        return (rows[0], "发件人邮箱") if len(rows) == 1 else None


def check_roster(
    entries: Sequence[RosterRow],
    results: Sequence[FormResult],
    rubrics: RubricSet,
    senders: Mapping[str, str] | None = None,
) -> RosterCheck:
    """Match each return to a roster row; ``senders`` maps a return's source to the address it came from."""
    index = _Index(entries)
    found: dict[int, list[tuple[FormResult, Match]]] = defaultdict(list)
    unmatched: list[FormResult] = []
    for result in results:
        hit = index.match(result, rubrics, (senders or {}).get(result.source, ""))
        if hit is None:
            if result.read:  # a file that is no form at all is in the problem list, not here
                unmatched.append(result)
        else:
            found[hit[0]].append((result, hit[1]))
    lines = tuple(
        RosterLine(entry, tuple(r for r, _ in found[i]), tuple(how for _, how in found[i]))
        for i, entry in enumerate(entries)
    )
    return RosterCheck(lines, tuple(unmatched))


ROSTER_JSON = "名单核对.json"
"""The roster check, machine-readable, beside the workbook: what ``mail --remind-from`` reads."""


def roster_json(check: RosterCheck) -> bytes:
    """Each roster row's key, place, name and status, and its files, as UTF-8 JSON."""
    rows = [
        {
            "roster_key": line.entry.roster_key,
            "where": line.entry.where,
            "rubric": line.entry.rubric.id,
            "name": line.entry.name,
            "email": line.entry.email,
            "status": line.status,
            "files": [result.source for result in line.returns],
        }
        for line in check.lines
    ]
    return json.dumps({"roster": rows}, ensure_ascii=False, indent=1).encode("utf-8")


class RosterStatusError(UserError):
    """A results folder's roster check cannot be used."""


def returned_keys(folder: Path) -> set[str]:
    """The roster keys a previous ``read --roster`` found returned (已交 or 多次提交), from its folder."""
    path = folder / ROSTER_JSON
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        rows = data["roster"]
        return {str(row["roster_key"]) for row in rows if row["status"] != "未交"}
    except FileNotFoundError:
        raise RosterStatusError(
            f"{path} 不存在：请先用 rubric-forms read … --roster 花名册 --out {folder} 核对名单"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RosterStatusError(f"{path} 无法读取或内容不对（{exc}），请重新运行 read --roster 生成") from None
