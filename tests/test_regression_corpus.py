"""Every command against the whole regression corpus: a clear Chinese answer for each input, never a traceback.

The corpus (:mod:`tests.corpus`) holds every hostile input the audits found
and its neighbours.  Each command runs as a user runs it (the real command
line, in a working folder of its own) and must end with exit code 0, 1 or 2,
print only Chinese sentences on standard error, report every input, and write
nothing outside the folders it was given.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.cli import main
from generator.model.rubric import RubricSet
from tests import hostile
from tests.corpus import ROSTERS_ACCEPTED, roster_corpus, rubric_corpus
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.roster_support import GOOD_ROWS, write_xlsx

ENGLISH_ERROR = re.compile(r"Traceback|\b[A-Z][a-z]+(Error|Exception)\b|\bline \d+")


def answered(code: int, capsys: pytest.CaptureFixture[str]) -> str:
    """The command's standard error, after checking it ended as a person can understand."""
    captured = capsys.readouterr()
    assert code in (0, 1, 2)
    assert not ENGLISH_ERROR.search(captured.err + captured.out), captured.err[-2000:]
    for line in captured.err.splitlines():
        assert re.search(r"[\u4e00-\u9fff]", line), f"a line of standard error with no Chinese: {line!r}"
    return captured.err


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_check_and_build_answer_every_rubric_file(chinese_workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = rubric_corpus(chinese_workdir / "评分标准")
    before = files_under(chinese_workdir)
    for name, path in corpus.items():
        err = answered(main(["check", str(path)]), capsys)
        assert err.startswith(f"错误：评分标准文件 {path} 有 "), name
        out = chinese_workdir / "输出" / name
        assert main(["build", str(path), "--out", str(out)]) == 1, name
        answered(1, capsys)
        assert not out.exists(), f"{name}: nothing may be written for a refused rubric file"
    assert files_under(chinese_workdir) == before


@pytest.fixture(scope="module")
def returns(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile returns of the corpus, beside a good form, in one folder."""
    star = rubric_set.get("star")
    assert star is not None
    folder = tmp_path_factory.mktemp("corpus") / "回收 文件"
    work = tmp_path_factory.mktemp("work")
    values = form_values(star, ["李四", "国网上海市电力公司", "客户经理"], [8, 12, 13, 9, 10, 18, 15], 85)
    good = fill_pypdf(write_form(star, work / "blank.pdf"), work / "李四.pdf", values)
    hostile.build_corpus(folder, good)
    (folder / "李四.pdf").write_bytes(good.read_bytes())
    hostile_values = form_values(star, ["张\ufffe三", "\x1b[2J单位", "=1+1"], ["9" * 5000, *["1"] * 6])
    fill_pypdf(good, folder / "hostile-values.pdf", hostile_values)
    return folder


def test_read_answers_every_return_in_one_batch(
    returns: Path, chinese_workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = chinese_workdir / "汇总"
    code = main(["read", str(returns), "--out", str(out), "--timeout", "20"])
    answered(code, capsys)
    assert code == 1
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert {"评分汇总.xlsx", "评分报告.html", "评分汇总-服务明星.csv"} <= names
    report = (out / "评分报告.html").read_text(encoding="utf-8")
    for path in returns.iterdir():
        assert path.name in report or path.name == "李四.pdf", f"{path.name} is neither a row nor a problem"
    assert files_under(chinese_workdir) == files_under(out)


@pytest.fixture(scope="module")
def rosters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus") / "花名册"
    base = write_xlsx(tmp_path_factory.mktemp("base") / "名单.xlsx", GOOD_ROWS)
    return roster_corpus(folder, base)


@pytest.mark.parametrize("command", ["personalize", "mail"])
def test_personalize_and_mail_answer_every_roster(
    command: str, rosters: dict[str, Path], chinese_workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, roster in rosters.items():
        out = chinese_workdir / "输出" / name
        extra = ["--from", "hr@example.com", "--deadline", "7月31日"] if command == "mail" else []
        code = main([command, str(roster), "--out", str(out), *extra])
        err = answered(code, capsys)
        if name in ROSTERS_ACCEPTED:
            assert code == 0 and len(list(out.iterdir())) == ROSTERS_ACCEPTED[name], name
        else:
            assert code == 1, f"{name}: a hostile roster passed silently"
        assert "\x1b" not in err and "\x07" not in err
        written = files_under(chinese_workdir / "输出") if (chinese_workdir / "输出").exists() else set()
        assert all(out in path.parents for path in written if name in str(path)), name
        for eml in out.glob("*.eml") if out.exists() else []:
            headers = eml.read_bytes().split(b"\r\n\r\n", 1)[0]
            assert not re.search(rb"^(Bcc|X-Injected):", headers, re.M | re.I), (name, headers)
    assert {p.parent.parent for p in files_under(chinese_workdir)} <= {chinese_workdir / "输出"}
