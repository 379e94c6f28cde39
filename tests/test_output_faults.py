"""Output faults for every command that writes: --out is a file, a read-only file system, a full disk.

Each gets one Chinese line naming the path and the cause and a non-zero exit,
never a traceback.  The file-system faults are injected where the operating
system reports them (creating the temporary file, syncing it): the tests run
as root in CI, where permissions cannot make a folder read-only.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli import main
from generator.model.rubric import RubricSet
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.roster_support import GOOD_ROWS, write_csv

MAIL = ["--from", "hr@example.com", "--deadline", "7月31日"]


@pytest.fixture
def inputs(tmp_path: Path, rubric_set: RubricSet) -> dict[str, Path]:
    star = rubric_set.get("star")
    assert star is not None
    returned = tmp_path / "回收"
    returned.mkdir()
    values = form_values(star, ["张三", "华北", "客服"], [sub.points for sub in star.subitems], 100)
    fill_pypdf(write_form(star, tmp_path / "blank.pdf"), returned / "张三.pdf", values)
    return {"returns": returned, "roster": write_csv(tmp_path / "名单.csv", GOOD_ROWS, "utf-8-sig")}


def commands(inputs: dict[str, Path], out: Path) -> dict[str, list[str]]:
    return {
        "build": ["build", "--out", str(out)],
        "read": ["read", str(inputs["returns"]), "--out", str(out)],
        "personalize": ["personalize", str(inputs["roster"]), "--out", str(out)],
        "mail": ["mail", str(inputs["roster"]), "--out", str(out), *MAIL],
        "init": ["init", str(out)],
    }


def failed_with(capsys: pytest.CaptureFixture[str], argv: list[str], cause: str, where: Path) -> None:
    assert main(argv) == 1, argv
    err = capsys.readouterr().err
    assert err.startswith("错误：无法写入 ") and cause in err and str(where) in err, err
    assert "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", ["build", "read", "personalize", "mail", "init"])
def test_out_is_a_file(
    command: str, inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "输出.txt"
    blocker.write_text("我是一个文件", encoding="utf-8")
    failed_with(capsys, commands(inputs, blocker / "子目录")[command], "路径中有一级不是文件夹", blocker)
    assert blocker.read_text(encoding="utf-8") == "我是一个文件"


def _fault(code: int, where: str) -> Callable[..., object]:
    def fail(*args: object, **kwargs: object) -> object:
        raise OSError(code, f"injected at {where}")

    return fail


@pytest.mark.parametrize("command", ["build", "read", "personalize", "mail", "init"])
@pytest.mark.parametrize(
    ("target", "code", "cause"),
    [
        ("generator.atomic.tempfile.mkstemp", errno.EROFS, "所在的磁盘或文件系统是只读的"),
        ("generator.atomic.tempfile.mkstemp", errno.EACCES, "没有写入权限"),
        ("generator.atomic.os.fsync", errno.ENOSPC, "磁盘空间不足"),
    ],
)
def test_file_system_faults(
    command: str,
    target: str,
    code: int,
    cause: str,
    inputs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "输出 目录"
    argv = commands(inputs, out)[command]
    monkeypatch.setattr(target, _fault(code, target))
    failed_with(capsys, argv, cause, out)
    leftovers = [p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".lock")] if out.exists() else []
    assert not [p for p in leftovers if p.name.endswith(".tmp") or ".staging" in str(p)], leftovers


def test_read_keeps_the_previous_set_on_a_full_disk(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "汇总"
    argv = commands(inputs, out)["read"]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.endswith(".lock")}
    monkeypatch.setattr("generator.atomic.os.fsync", _fault(errno.ENOSPC, "fsync"))
    failed_with(capsys, argv, "磁盘空间不足", out)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.endswith(".lock")}
    assert after == before
