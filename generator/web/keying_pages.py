"""The 录入 page: keying scanned paper applications in the browser, box by box, beside each box's crop.

The values typed are kept in the workspace's state database (table ``keying_values``: application, keyer,
field, text), one row per field and keyer.  :func:`keyed_outcome` turns them into a
:class:`~generator.readers.keyed.KeyedWorkbook`, which the reading pipeline adds to the outcomes it
combines, so values keyed here feed the same results as the keying workbook (纸质录入).

A second keyer (第二人录入) keys the same application blind.  Where the two differ, the field is flagged
(双人录入不一致) and its value is not used until they agree; keyer 1's values are used when both agree or
when there is no second keying.
"""

from __future__ import annotations

import pickle
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from generator.model.fields import FormField, header_field, score_fields, seal_field
from generator.readers.results import SEAL_TEXT, FormResult
from generator.readers.scores import allowed_scores, check_score
from generator.web.security import refusal

if TYPE_CHECKING:
    from generator.model.rubric import Rubric, RubricSet
    from generator.readers.keyed import KeyedEntry, KeyedWorkbook
    from generator.web.app import App
    from generator.web.workspace import Workspace

SCHEMA = """
CREATE TABLE IF NOT EXISTS keying_values (
    application_id TEXT NOT NULL, rubric_id TEXT NOT NULL, keyer INTEGER NOT NULL, field TEXT NOT NULL,
    text TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (application_id, keyer, field)
);
"""
SOURCE = "网页录入"
"""The keyed outcome's source, as results and problems name it."""
MISMATCH = "双人录入不一致"
KEYERS = (1, 2)
MAX_FIELD = 2000
"""Characters kept of one typed value."""


def ensure_table(workspace: Workspace) -> None:
    with workspace.connect() as db:
        db.executescript(SCHEMA)


def stored_values(workspace: Workspace) -> dict[str, tuple[str, dict[int, dict[str, str]]]]:
    """Every keyed application: its rubric id and, per keyer who saved it, field name → text."""
    ensure_table(workspace)
    with workspace.connect() as db:
        rows = db.execute(
            "SELECT application_id, rubric_id, keyer, field, text FROM keying_values ORDER BY application_id"
        ).fetchall()
    found: dict[str, tuple[str, dict[int, dict[str, str]]]] = {}
    for application_id, rubric_id, keyer, name, text in rows:
        _, keyers = found.setdefault(application_id, (rubric_id, {}))
        keyers.setdefault(int(keyer), {})[name] = text
    return found


def input_fields(rubric: Rubric) -> tuple[FormField, ...]:
    """The boxes keyed from a scan, in form order (as the keying workbook has them), then the seal."""
    from generator.readers.keyed import keyed_fields

    return (*keyed_fields(rubric), seal_field(rubric))


def mismatches(rubric: Rubric, keyers: dict[int, dict[str, str]]) -> list[str]:
    """The fields whose two keyings differ (none without a second keying)."""
    first, second = keyers.get(1), keyers.get(2)
    if first is None or second is None:
        return []
    return [f.name for f in input_fields(rubric) if _same(first.get(f.name, "")) != _same(second.get(f.name, ""))]


def _same(text: str) -> str:
    return "".join(text.split())


def complete(rubric: Rubric, values: dict[str, str]) -> bool:
    """Every applicant blank and every score keyed (as the keying workbook's rows count it)."""
    wanted = [*(header_field(rubric, h) for h in rubric.applicant_fields), *score_fields(rubric)]
    return all(values.get(f.name, "").strip() for f in wanted)


def keyed_entry(application_id: str, rubric: Rubric, keyers: dict[int, dict[str, str]]) -> KeyedEntry:
    """One application's entry from what was keyed: keyer 1's values, less the fields the keyers disagree on."""
    from generator.readers.evaluate import evaluate
    from generator.readers.keyed import KeyedEntry, keyed_fields, seal_state

    disputed = set(mismatches(rubric, keyers))
    first = keyers.get(1, {})
    fields = keyed_fields(rubric)
    values = {f.name: first[f.name] for f in fields if first.get(f.name, "").strip() and f.name not in disputed}
    seal_name = seal_field(rubric).name
    seal = seal_state(first.get(seal_name, "")) if seal_name not in disputed else None
    labels = {f.name: f.label for f in input_fields(rubric)}
    notes = tuple(
        f"“{labels[name]}”{MISMATCH}（第一人与第二人录入的不同），未采用；请核对后统一。" for name in sorted(disputed)
    )
    where = f"{SOURCE} {application_id}"
    blanks = {f.name: "" for f in fields}
    result = evaluate(rubric, blanks | values, source=where, notes=notes, format="keyed")
    result = replace(result, seal=seal or "")
    kept = sorted((values | ({seal_name: SEAL_TEXT[seal]} if seal else {})).items())
    return KeyedEntry(application_id, rubric.id, SOURCE, 0, values, seal, complete(rubric, values), result, tuple(kept))


def keyed_outcome(workspace: Workspace, rubrics: RubricSet) -> KeyedWorkbook | None:
    """What was keyed in the page, as a keying workbook the pipeline combines with the scans; ``None`` when
    nothing was."""
    from generator.readers.keyed import KeyedWorkbook

    entries = []
    for application_id, (rubric_id, keyers) in stored_values(workspace).items():
        rubric = rubrics.get(rubric_id)
        if rubric is None or 1 not in keyers:
            continue
        entry = keyed_entry(application_id, rubric, keyers)
        if entry.values or entry.seal is not None:  # nothing keyed: the scan stays as it is
            entries.append(entry)
    return KeyedWorkbook(SOURCE, tuple(entries)) if entries else None


@dataclass(frozen=True, slots=True)
class Scanned:
    """A scanned application of the current results: its id, rubric and result (with the crops)."""

    application_id: str
    rubric: Rubric
    result: FormResult


class KeyingPages:
    """The routes of 录入, over the App's workspace, rubrics, jobs and page renderer."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.workspace: Workspace = app.workspace
        self.rubrics: RubricSet = app.rubrics
        self.lock = threading.Lock()
        self.cache: tuple[tuple[str, str], list[Scanned]] | None = None
        ensure_table(self.workspace)

    def routes(self) -> list[Route]:
        return [
            Route("/keying", self.keying_page),
            Route("/keying/save", self.save, methods=["POST"]),
            Route("/keying/crop", self.crop),
        ]

    def scanned(self) -> list[Scanned]:
        """The scanned applications of the latest reading, in the results' order (cached per reading)."""
        from generator.web import pipelines

        job = self.workspace.latest_job(pipelines.READ)
        stamp = (job.id, job.state) if job is not None else ("", "")
        with self.lock:
            if self.cache is not None and self.cache[0] == stamp:
                return self.cache[1]
        with self.workspace.connect() as db:
            rows = db.execute("SELECT detail FROM results WHERE detail IS NOT NULL ORDER BY id").fetchall()
        found: dict[str, Scanned] = {}
        for (blob,) in rows:
            result: FormResult = pickle.loads(blob)
            scan = result.scan
            rubric = self.rubrics.get(result.rubric_id or "")
            if scan is None or not scan.application_id or rubric is None or result.format not in ("scan", "keyed"):
                continue
            if not scan.crops and scan.seal_crop is None:
                continue  # a keyed row whose scan was not uploaded: nothing to key from
            found.setdefault(scan.application_id, Scanned(scan.application_id, rubric, result))
        listed = sorted(found.values(), key=lambda s: (s.rubric.id, s.application_id))
        with self.lock:
            self.cache = (stamp, listed)
        return listed

    async def keying_page(self, request: Request) -> Response:
        query = request.query_params
        keyer = 2 if query.get("keyer") == "2" else 1
        scanned = self.scanned()
        stored = stored_values(self.workspace)
        rows = []
        for item in scanned:
            keyers = stored.get(item.application_id, ("", {}))[1]
            rows.append(
                {
                    "id": item.application_id,
                    "rubric": item.rubric.name,
                    "source": item.result.source,
                    "status": status_text(item.rubric, keyers),
                    "done": item.application_id in stored and complete(item.rubric, keyers.get(keyer, {})),
                }
            )
        chosen = self.choose(scanned, stored, keyer, query.get("app", ""), query.get("after", ""))
        return self.app.page(
            "keying.html.j2",
            "keying",
            keyer=keyer,
            rows=rows,
            current=self.form(chosen, stored, keyer) if chosen else None,
            read_job=self.workspace.latest_job("read"),
            error=query.get("error", ""),
        )

    def choose(
        self, scanned: list[Scanned], stored: dict[str, Any], keyer: int, wanted: str, after: str
    ) -> Scanned | None:
        """The application asked for; else the first not fully keyed by ``keyer`` (after ``after``, wrapping)."""
        by_id = {s.application_id: s for s in scanned}
        if wanted in by_id:
            return by_id[wanted]
        ids = [s.application_id for s in scanned]
        start = ids.index(after) + 1 if after in ids else 0
        for item in [*scanned[start:], *scanned[:start]]:
            keyers = stored.get(item.application_id, ("", {}))[1]
            if item.application_id == after:
                continue
            if not complete(item.rubric, keyers.get(keyer, {})) or mismatches(item.rubric, keyers):
                return item
        return None

    def form(self, item: Scanned, stored: dict[str, Any], keyer: int) -> dict[str, Any]:
        """What the page shows of one application: each box's crop beside its input, with what was keyed."""
        keyers: dict[int, dict[str, str]] = stored.get(item.application_id, ("", {}))[1]
        mine = keyers.get(keyer, {})
        other = keyers.get(1 if keyer == 2 else 2, {})
        disputed = set(mismatches(item.rubric, keyers))
        scan = item.result.scan
        assert scan is not None
        crops = {crop.name for crop in scan.crops if crop.kind == "field"}
        from generator.readers.keyed import keyed_fields

        boxes = []
        for form_field in keyed_fields(item.rubric):
            sub = form_field.subitem
            boxes.append(
                {
                    "name": form_field.name,
                    "label": form_field.label,
                    "score": sub is not None,
                    "bands": ";".join(f"{b.min}-{b.max}" for b in sub.bands) if sub else "",
                    "points": sub.points if sub else "",
                    "allowed": allowed_scores(sub) if sub else "",
                    "crop": form_field.name in crops,
                    "value": mine.get(form_field.name, ""),
                    "disputed": form_field.name in disputed,
                    "other": other.get(form_field.name, "") if keyer == 1 else None,
                }
            )
        seal_name = seal_field(item.rubric).name
        return {
            "id": item.application_id,
            "rubric": item.rubric,
            "source": item.result.source,
            "boxes": boxes,
            "seal_name": seal_name,
            "seal_choices": [text for text in SEAL_TEXT.values() if text],
            "seal_value": mine.get(seal_name, ""),
            "seal_scan": SEAL_TEXT[scan.seal] or "（未识别）",
            "seal_crop": scan.seal_crop is not None,
            "seal_disputed": seal_name in disputed,
            "seal_other": other.get(seal_name, "") if keyer == 1 else None,
        }

    async def crop(self, request: Request) -> Response:
        """A box's crop (``field`` is its field name, or ``seal``) of the scanned application ``app``."""
        query = request.query_params
        wanted, name = query.get("app", ""), query.get("field", "")
        item = next((s for s in self.scanned() if s.application_id == wanted), None)
        scan = item.result.scan if item else None
        crop = None
        if scan is not None:
            crop = scan.seal_crop if name == "seal" else next((c for c in scan.crops if c.name == name), None)
        if crop is None:
            return refusal(404, "找不到这张图片。")
        return Response(crop.jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    async def save(self, request: Request) -> Response:
        """Keep what was typed for one application by one keyer; re-tabulate; open the next application."""
        try:
            async with request.form(max_files=0, max_fields=400) as form:
                values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        except HTTPException:
            return refusal(400, "提交的内容无法解析，请刷新页面后重试。")
        keyer = 2 if values.get("keyer") == "2" else 1
        application_id = values.get("application_id", "")
        item = next((s for s in self.scanned() if s.application_id == application_id), None)
        if item is None:
            return refusal(404, "找不到这份扫描件（可能已重新读取），请刷新页面。")
        rubric = item.rubric
        typed: dict[str, str] = {}
        errors = []
        for form_field in input_fields(rubric):
            text = values.get(form_field.name, "")[:MAX_FIELD].strip()
            if form_field.kind == "seal" and text not in SEAL_TEXT.values():
                text = ""
            if form_field.subitem is not None and text:
                check = check_score(form_field.subitem, text)
                if check.value is None and check.problem:
                    errors.append(check.problem)
            typed[form_field.name] = text
        if errors:
            return refusal(400, "未保存：" + "".join(errors))
        stamp = time.time()
        with self.workspace.connect() as db:
            db.executemany(
                "INSERT INTO keying_values (application_id, rubric_id, keyer, field, text, updated)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (application_id, keyer, field)"
                " DO UPDATE SET text = excluded.text, updated = excluded.updated, rubric_id = excluded.rubric_id",
                [(application_id, rubric.id, keyer, name, text, stamp) for name, text in typed.items()],
            )
        self.app.start_reading()
        from urllib.parse import urlencode

        return RedirectResponse(f"/keying?{urlencode({'keyer': keyer, 'after': application_id})}", status_code=303)


def status_text(rubric: Rubric, keyers: dict[int, dict[str, str]]) -> str:
    """An application's keying, as the list shows it."""
    if mismatches(rubric, keyers):
        return MISMATCH
    first = keyers.get(1)
    if not first or not any(first.values()):
        return "未录入"
    done = "已录入" if complete(rubric, first) else "部分录入"
    return f"{done}（双人一致）" if 2 in keyers and done == "已录入" else done
