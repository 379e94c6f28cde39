"""`rubric-forms check` as a user runs it: a real process, Chinese output, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.model.rubric import RubricSet

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_check_prints_each_rubric_with_total_and_fingerprint(rubric_set: RubricSet) -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    for rubric in rubric_set:
        assert f"{rubric.name}［{rubric.id}］{rubric.title}" in result.stdout
        assert f"总分 100 分，指纹 {rubric.fingerprint}" in result.stdout
    assert "（1-18分）（19-21分）（22-25分）" in result.stdout
    assert "（5分）一票否决（6-8分）" in result.stdout
    assert result.stdout.rstrip().endswith("检查通过：3 份评分表均无错误。")


def test_check_of_a_broken_file_exits_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.toml"
    bad.write_text((ROOT / "rubrics.toml").read_text(encoding="utf-8").replace("points = 40", "points = 41", 1))
    result = run_cli("check", str(bad))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "错误：评分标准文件" in result.stderr and "坏文件.toml：rubric[1].items[5].points" in result.stderr


def test_usage_errors_exit_2_in_chinese() -> None:
    result = run_cli("check", "--bogus")
    assert result.returncode == 2
    assert "用法：" in result.stderr and "无法识别的参数：--bogus" in result.stderr


def test_help_is_chinese() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "显示此帮助并退出" in result.stdout and "检查 rubrics.toml" in result.stdout
    sub = run_cli("check", "--help")
    assert "评分标准文件（默认：当前文件夹中的 rubrics.toml，没有则用程序自带的）" in sub.stdout
