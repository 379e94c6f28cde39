"""``rubric-forms read`` end to end: the workbook, the CSV files, the HTML report, the summary and exit codes."""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymupdf
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from generator.atomic import OutputError
from generator.cli import main
from generator.model.rubric import RubricSet
from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME, csv_name, write_reports
from generator.reports.tabulate import tabulate
from tests.read_fillers import ORGANIZATION, REVIEW, REVIEW_DATE, fill_pypdf, form_values, write_form

ROOT = Path(__file__).resolve().parent.parent
INJECTION = '=HYPERLINK("http://example.invalid","点我")'
STAR = {
    "b-high.pdf": (["王芳", "国网北京市电力公司", "营业厅主任"], [10, 15, 15, 10, 10, 20, 20]),  # 100
    "a-mid.pdf": ([INJECTION, "+1 单位", "@岗位"], [8, 12, 13, 9, 10, 18, 15]),  # 85
    "c-low.pdf": (["刘洋", "-国网天津", "客服"], [6, 6, 7, 6, 2, 8, 8]),  # 43
    "dup-1.pdf": (["陈静", "南方电网 广州供电局", "班长"], [7, 10, 10, 7, 6, 12, 10]),  # 62
    "dup-2.pdf": (["陈静 ", "南方电网广州供电局", "班长"], [7, 10, 10, 7, 6, 12, 12]),  # 64
}


@pytest.fixture(scope="module")
def batch(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("returned")
    blanks = tmp_path_factory.mktemp("blanks")
    star, team, manager = (rubric_set.get(i) for i in ("star", "team", "manager"))
    assert star and team and manager
    star_blank = write_form(star, blanks / "star.pdf")
    for name, (person, scores) in STAR.items():
        fill_pypdf(star_blank, folder / name, form_values(star, person, scores))
    (folder / "sub").mkdir()
    fill_pypdf(
        write_form(team, blanks / "team.pdf"),
        folder / "sub" / "班组.pdf",
        form_values(team, ["客服一班", "某供电公司"], [9, 12, 13, 9, 9, 18, 18], 88),
    )
    fill_pypdf(
        write_form(manager, blanks / "manager.pdf"),
        folder / "sub" / "经理.pdf",
        form_values(manager, ["赵六", "某集团", "总经理"], [9, 9, 14, 0, 9, 22, 12]),
    )
    (folder / "sub" / "说明.txt").write_text("请查收附件。", encoding="utf-8")
    (folder / ".hidden.pdf").write_bytes(b"not read")
    return folder


@pytest.fixture(scope="module")
def run(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("out")
    stdout = io.StringIO()
    saved, sys.stdout = sys.stdout, stdout
    try:
        code = main(["read", str(batch), "--out", str(out), "--jobs", "2"])
    finally:
        sys.stdout = saved
    return code, stdout.getvalue(), out


def test_exit_code_and_summary(run: tuple[int, str, Path], batch: Path) -> None:
    code, summary, out = run
    assert code == 1
    lines = summary.splitlines()
    assert lines[0] == "读取完成：共 8 个文件，读出表格 7 份，无法读取 1 个；有问题的文件 4 个。"
    assert "  服务明星：5 份，平均 70.8 分（最高 100，最低 43）" in lines
    assert "  服务明星班组：1 份，平均 88.0 分（最高 88，最低 88）" in lines
    unknown = f"  {batch / 'sub' / '说明.txt'}：这既不是 PDF 表格、Word 文档，也不是扫描图片"
    assert any(line.startswith(unknown) for line in lines)
    assert f"  {out / WORKBOOK_NAME}" in lines and len(lines) < 40


def test_workbook(run: tuple[int, str, Path], batch: Path, rubric_set: RubricSet) -> None:
    _, _, out = run
    workbook = load_workbook(out / WORKBOOK_NAME)
    assert workbook.sheetnames == ["服务明星", "服务明星班组", "服务杰出管理者", "问题", "重复提交"]
    sheet = workbook["服务明星"]
    star = rubric_set.get("star")
    assert star is not None
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["名次", "来源文件", "格式", "姓名", "单位", "岗位"]
    assert [f"{sub.name}（{sub.points}分）" for sub in star.subitems] == header[6:13]
    assert header[13:] == [
        "道德高尚小计（10分）", "作风优良小计（15分）", "服务有效小计（15分）", "工作创新小计（20分）",
        "顾客认可小计（40分）", "总分（100分）", "表上填写的自评总分", "申报资格",
        "所在组织", "审核意见", "审核日期", "印章", "纸质扫描件", "电子签章", "签章人", "签章时间", "签章核验", "问题",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[18] for row in rows] == [100, 85, 64, 62, 43]
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0][1] == str(batch / "b-high.pdf") and rows[0][6:13] == [10, 15, 15, 10, 10, 20, 20]
    assert {row[2] for row in rows} == {"PDF"}
    assert rows[0][21:24] == [ORGANIZATION, REVIEW, REVIEW_DATE], "the organisation's part of every form"
    assert sheet.freeze_panes == "E2"
    assert all(sheet.column_dimensions[letter].width >= 6 for letter in "ABCDEFGHIJKLMNOPQRSTU")
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    problems = workbook["问题"]
    assert [c.value for c in problems[1]] == ["文件", "评分表", "申报人", "问题"]
    listed = [(row[0], row[3]) for row in problems.iter_rows(min_row=2, values_only=True)]
    assert any(source.endswith("说明.txt") and "也不是扫描图片" in message for source, message in listed)
    assert any(source.endswith("经理.pdf") and "不得申报" in message for source, message in listed)
    duplicates = [m for _, m in listed if "同一申报人" in m]
    assert len(duplicates) == 2 and all("共提交了 2 份表格，另见：" in m for m in duplicates)
    copies = list(workbook["重复提交"].iter_rows(values_only=True))
    assert copies[0] == ("评分表", "申报人", "份数", "文件") and len(copies) == 3
    assert {row[2] for row in copies[1:]} == {2} and len({row[3] for row in copies[1:]}) == 2


def test_applicant_text_never_becomes_a_formula(run: tuple[int, str, Path]) -> None:
    _, _, out = run
    sheet = load_workbook(out / WORKBOOK_NAME)["服务明星"]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in (INJECTION, "+1 单位", "@岗位", "-国网天津"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    with zipfile.ZipFile(out / WORKBOOK_NAME) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all(b"<f>" not in package.read(n) and b"<f " not in package.read(n) for n in sheets)
    rows = list(csv.reader(io.StringIO((out / csv_name("服务明星")).read_bytes().decode("utf-8-sig"))))
    values = {cell for row in rows for cell in row}
    assert {"'" + INJECTION, "'+1 单位", "'@岗位", "'-国网天津"} <= values
    assert INJECTION not in values


def test_csv_per_rubric_opens_in_excel(run: tuple[int, str, Path], rubric_set: RubricSet) -> None:
    _, _, out = run
    for rubric in rubric_set:
        data = (out / csv_name(rubric.name)).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][:3] == ["名次", "来源文件", "格式"] and rows[0][3] == rubric.applicant_fields[0].label
    team_rows = list(csv.reader(io.StringIO((out / csv_name("服务明星班组")).read_text(encoding="utf-8-sig"))))
    assert team_rows[1][3:5] == ["客服一班", "某供电公司"] and team_rows[1][-13:-10] == ["88", "88", "可申报"]
    assert team_rows[1][-10:-7] == [ORGANIZATION, REVIEW, REVIEW_DATE]


def test_duplicates_are_flagged_on_both_rows(run: tuple[int, str, Path], batch: Path) -> None:
    _, _, out = run
    sheet = load_workbook(out / WORKBOOK_NAME)["服务明星"]
    problems = {row[1]: row[-1] or "" for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert str(batch / "dup-2.pdf") in problems[str(batch / "dup-1.pdf")]
    assert str(batch / "dup-1.pdf") in problems[str(batch / "dup-2.pdf")]
    assert "同一申报人" not in problems[str(batch / "b-high.pdf")]


def test_html_report(run: tuple[int, str, Path]) -> None:
    _, _, out = run
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "@page { size: A4" in html
    assert html.index("王芳") < html.index("HYPERLINK") < html.index("刘洋")
    assert "&#34;" in html or "&quot;" in html  # applicant text is escaped, never markup
    for text in ("份数 <b>5</b>", "平均分 <b>70.8</b>", "最高分 <b>100</b>", "最低分 <b>43</b>", "标准差 <b>"):
        assert text in html
    assert "问题清单" in html and "不得申报" in html


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed on this machine")
def test_html_report_in_chromium_prints_on_a4(run: tuple[int, str, Path], tmp_path: Path) -> None:
    _, _, out = run
    url = (out / REPORT_NAME).as_uri()
    profile = [f"--user-data-dir={tmp_path / 'profile'}"]
    screenshot, printed = tmp_path / "report.png", tmp_path / "report.pdf"
    command = ["chromium", *CHROMIUM_FLAGS, *profile]
    for action in (
        ["--window-size=900,1300", f"--screenshot={screenshot}"],
        ["--no-pdf-header-footer", f"--print-to-pdf={printed}"],
    ):
        subprocess.run([*command, *action, url], timeout=120, check=True, capture_output=True)
    image = pymupdf.Pixmap(str(screenshot))
    assert (image.width, image.height) == (900, 1300)
    assert len(set(image.samples)) > 16  # text and tables were drawn, not a blank page
    pages = PdfReader(printed).pages
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in pages)
    # Chromium's CJK subset maps some glyphs to Kangxi radicals (⾃ for 自): compare as NFKC.
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in pages))
    assert "自评表评分汇总报告" in text and "王芳" in text and "问题清单" in text


def test_all_clean_exits_zero(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(batch / "b-high.pdf"), str(batch / "c-low.pdf"), "--out", str(tmp_path)]) == 0
    assert "有问题的文件 0 个" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["read"], "缺少必需的参数"),
        (["read", "nowhere.pdf"], "找不到以下文件或文件夹：nowhere.pdf"),
        (["read", ".", "--jobs", "-1"], "--jobs 须为正整数"),
        (["read", ".", "--timeout", "0"], "--timeout 须为大于 0 的秒数"),
        (["read", ".", "--jobs", "two"], "参数 --jobs 的值 'two' 无效"),
    ],
)
def test_usage_errors_exit_two(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert exit_code(args) == 2
    assert message in capsys.readouterr().err


def exit_code(args: list[str]) -> int:
    """The exit code of the command line, whether argparse exits or ``main`` returns."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_an_empty_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["read", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    assert "没有找到任何文件" in capsys.readouterr().err


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith(".lock")}


def test_a_full_disk_leaves_the_previous_set_whole(
    run: tuple[int, str, Path], rubric_set: RubricSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, out = run
    before = _folder_state(out)
    synced: list[int] = []

    def full_disk(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 4:  # the fourth staged file: the disk fills up half-way through the set
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("generator.atomic.os.fsync", full_disk)
    with pytest.raises(OutputError, match=r"无法写入 .*：磁盘空间不足"):
        write_reports(tabulate([], rubric_set), out)
    assert _folder_state(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_an_output_that_cannot_be_made_costs_only_itself(
    run: tuple[int, str, Path], rubric_set: RubricSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, out = run

    def broken(tabulation: object) -> bytes:
        raise ValueError("a value the workbook writer could not take")

    monkeypatch.setattr("generator.reports.outputs.workbook_bytes", broken)
    with pytest.raises(
        OutputError, match=f"以下输出未能生成：{WORKBOOK_NAME}（ValueError）；其余已写出：评分汇总-服务明星.csv"
    ):
        write_reports(tabulate([], rubric_set), out)
    assert not (out / WORKBOOK_NAME).exists(), "no workbook of an older run beside this run's files"
    assert "本批没有这份评分表" in (out / REPORT_NAME).read_text(encoding="utf-8")


def test_concurrent_runs_into_one_folder_never_mix(run: tuple[int, str, Path], rubric_set: RubricSet) -> None:
    _, _, out = run
    empty = tabulate([], rubric_set)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: write_reports(empty, out), range(8)))
    report = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "本批没有这份评分表" in report and not load_workbook(out / WORKBOOK_NAME)["服务明星"]["A2"].value
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_progress_bar_only_on_a_terminal(batch: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "generator", "read", str(batch / "b-high.pdf"), "--out", str(tmp_path)]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert piped.returncode == 0 and piped.stderr == ""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a real terminal has a size
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=terminal, cwd=ROOT) as process:
        os.close(terminal)
        shown = _read_all(controller)
        assert process.wait(timeout=120) == 0
    assert "读取" in shown and "1/1" in shown


def _read_all(descriptor: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(descriptor)
    return b"".join(chunks).decode("utf-8", errors="replace")
