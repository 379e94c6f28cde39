"""Read ``rubrics.toml`` from disk and parse it, every failure a Chinese :class:`Problem`.

tomllib's own messages are English; the common ones are translated here,
the rest are reported without their English text.  Nesting deep enough to
exhaust the parser's recursion, files too big to be a rubric and files in
another encoding are reported like syntax errors: where, and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 4 * 1024 * 1024
"""A rubric file is a few dozen KB; anything past this is not one."""

TOML_MESSAGES = (
    (r"Invalid statement", "无法识别的语句（每行应为 键 = 值，或 [表名]、[[数组表名]]）"),
    (r"Expected '=' after a key in a key/value pair", "键的后面缺少“=”"),
    (r"Invalid value", "值无效（文字要加英文双引号，数字不加引号，true/false 小写）"),
    (r"Unclosed array", "列表缺少结尾的“]”"),
    (r"Unclosed inline table", "表缺少结尾的“}”"),
    (r"Unterminated string", "文字缺少结尾的英文双引号"),
    (r"Illegal character .*", "文字中含有不允许的字符（可能是文字缺少结尾的英文双引号）"),
    (r"Unescaped '\\' in a string", "文字中的反斜杠“\\”要写成“\\\\”"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", "转义字符无效"),
    (r"Invalid initial character for a key part", "键名以无效的字符开头"),
    (r"Expected newline or end of document after a statement", "一行只能写一条语句"),
    (r"Expected ']' at the end of a table declaration", "表名缺少结尾的“]”"),
    (r"Expected ']]' at the end of an array declaration", "数组表名缺少结尾的“]]”"),
    (r"Invalid date or datetime", "日期或时间无效"),
    (r"Duplicate inline table key .*|Cannot declare .* twice|Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot (mutate|redefine) .*|An object other than list found .*|There is no nest .*", "表的结构冲突"),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: where it is and what is wrong."""

    path: str
    message: str


class SourceError(Exception):
    """The file could not be read or parsed; carries the one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_toml(source: Path) -> dict[str, Any]:
    """The parsed document; raises :class:`SourceError`."""
    return _parse(_text(source))


def _text(source: Path) -> str:
    try:
        if source.stat().st_size > MAX_BYTES:
            raise SourceError(Problem("文件", f"文件过大（超过 {MAX_BYTES // 1048576} MB），不是评分标准文件"))
        return source.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SourceError(Problem("文件", "找不到这个文件")) from None
    except IsADirectoryError:
        raise SourceError(Problem("文件", "这是一个文件夹，不是 TOML 文件")) from None
    except OSError as exc:
        raise SourceError(Problem("文件", f"无法读取（{exc.strerror or '系统错误'}）")) from None
    except UnicodeDecodeError as exc:
        raise SourceError(Problem("文件", f"不是 UTF-8 编码（第 {exc.start} 字节处）")) from None


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(syntax_problem(exc)) from None
    except RecursionError:
        raise SourceError(Problem("文件", "列表或表的嵌套层次过深，不是评分标准文件")) from None


def syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    """Where the syntax error is, and what it is, in Chinese."""
    message = str(exc)
    where = re.search(r"\(at line (\d+), column (\d+)\)", message)
    reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    explained = next((chinese for pattern, chinese in TOML_MESSAGES if re.fullmatch(pattern, reason)), "")
    text = f"TOML 语法错误：{explained}" if explained else "TOML 语法错误"
    return Problem(f"第 {where[1]} 行第 {where[2]} 列" if where else "文件末尾", text)
