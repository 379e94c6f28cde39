"""Legacy word-processor files (.doc, .wps, .rtf, .odt) converted to .docx by LibreOffice, headless.

The Word reader reads only .docx, so a return saved in an older or another
program's format is converted first, by one ``soffice --convert-to docx``
process for the whole batch (starting LibreOffice costs more than converting
a form).  Each input is first copied to ``work_dir/in/0000.doc`` and so on,
so Chinese names, spaces, bytes that are no valid text and two inputs of the
same name never reach LibreOffice; its outputs are ``work_dir/out/0000.docx``.

LibreOffice converts its arguments in order, writing each output under a
temporary name and renaming it when complete, so the ``out`` folder shows
how far it has got.  When no new output appears within the per-file time
limit, the whole process tree is killed, the file being converted gets a
timeout problem, and a new process converts the rest.  A crash mid-batch is
handled the same way.  Each process converts a tiny probe document first:
its output shows that LibreOffice has started, so the per-file clock does
not include the start, and a LibreOffice that cannot start at all costs one
start-up time limit for the whole batch, not one per file.

Each process gets its own new LibreOffice profile inside ``work_dir``, so a
LibreOffice the user has open is neither used nor disturbed, and the profile
is set to run no macros and to fetch no image a document links to on the
internet (LibreOffice fetches those while converting, by default).  Nothing
is shown and nothing asked; what LibreOffice prints goes to a log file in
``work_dir``, of which only the end is read, and never reaches the user.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.readers.files import FileProblem, display_name, os_reason, read_regular_file
from generator.readers.formats import Kind, sniff

logger = logging.getLogger(__name__)

SOFFICE_ENV = "RUBRIC_FORMS_SOFFICE"
DOCX_FILTER = "docx:MS Word 2007 XML"
INPUT_DIR = "in"
OUTPUT_DIR = "out"
PROBE_NAME = "probe.rtf"
PROBE_OUTPUT = "probe.docx"
PROBE_DOCUMENT = b"{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 probe\\par}"
SNIFFED_SUFFIXES: dict[Kind, str] = {"doc": ".doc", "wps": ".doc", "rtf": ".rtf", "odt": ".odt", "docx": ".docx"}
KNOWN_SUFFIXES = frozenset({".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt", ".ott", ".docx", ".docm", ".dotx", ".dotm"})
MAX_FILES_PER_PROCESS = 1000
"""Files per LibreOffice process; keeps its command line far below Windows' 32,767 characters."""
POLL_S = 0.1
LOG_TAIL_BYTES = 8192
PROFILE_FAILURE_MARK = "User installation could not be completed"
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""
"""LibreOffice settings for each new profile: no linked image fetched from the internet, no macro run."""

if sys.platform == "win32":
    CREATION_FLAGS = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
else:
    CREATION_FLAGS = 0

NOT_INSTALLED = (
    "读取 .doc、.wps、.rtf 和 .odt 文件需要 LibreOffice，但在这台电脑上找不到它；请安装 LibreOffice"
    f"（可从 libreoffice.org 免费下载；已装在其他位置的，用环境变量 {SOFFICE_ENV} 指明 soffice 程序）后重新读取，"
    "或请申报人将表格另存为 .docx 后重新发送。"
)
NOT_A_DOCUMENT = (
    "文件内容不是 Word/WPS 文档（既不是 .doc、.wps，也不是 .rtf 或 .odt 格式），可能已损坏或扩展名有误，未转换。"
)
CANNOT_CONVERT = (
    "LibreOffice 无法转换该文件（文件可能已损坏，或不是 Word/WPS 文档）；请让申报人检查后重新发送，最好另存为 .docx。"
)
CRASHED = "LibreOffice 转换该文件时异常退出（文件可能已损坏或含有异常构造的内容），未转换。"
INCOMPLETE = "LibreOffice 生成的 .docx 文件不完整，未转换。"
PROFILE_FAILED = (
    "LibreOffice 无法在临时文件夹中创建它的配置文件夹，未能启动，该文件未转换；请检查临时文件夹是否可写、磁盘是否已满。"
)
NOTHING_CONVERTED = (
    "LibreOffice 运行结束，却连用于检测的测试文档也没有转换，该文件未转换；LibreOffice 可能安装不完整，请重新安装。"
)
OS_REASONS = {errno.ENOEXEC: "不是可运行的程序"}


@dataclass(frozen=True, slots=True)
class Conversion:
    """One input after conversion: the .docx made from it, or the one problem saying why there is none."""

    source: Path
    converted: Path | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class _Job:
    """One input copied for LibreOffice: its position in the batch, its path, and its copy's name."""

    index: int
    source: Path
    name: str

    @property
    def output_name(self) -> str:
        return f"{Path(self.name).stem}.docx"


@dataclass(frozen=True, slots=True)
class _Limits:
    per_file_s: float
    startup_s: float


@dataclass(frozen=True, slots=True)
class _Ending:
    """How a LibreOffice process ended: killed for taking too long or exited (with its code); started or not."""

    timed_out: bool
    returncode: int
    started: bool


def timeout_problem(timeout_s: float) -> str:
    return f"LibreOffice 在 {timeout_s:g} 秒内未能转换该文件，已停止转换；文件可能已损坏或含有异常构造的内容。"


def no_response_problem(timeout_s: float) -> str:
    return f"LibreOffice 在 {timeout_s:g} 秒内没有完成启动，已停止，该文件未转换；请检查 LibreOffice 能否正常打开。"


def start_problem(exc: OSError) -> str:
    """LibreOffice's program could not be started at all."""
    reason = OS_REASONS.get(exc.errno or 0) or os_reason(exc)
    return f"无法启动 LibreOffice（{reason}），该文件未转换；请检查 LibreOffice 的安装。"


def exit_problem(returncode: int, output: str) -> str:
    """LibreOffice ended before converting anything; ``output`` is the end of what it printed."""
    if PROFILE_FAILURE_MARK in output:
        return PROFILE_FAILED
    if returncode == 0:
        return NOTHING_CONVERTED
    return f"LibreOffice 未能启动（退出码 {returncode}），该文件未转换；请检查 LibreOffice 能否正常打开。"


def workspace_problem(exc: OSError) -> str:
    return f"无法准备转换用的临时文件夹（{os_reason(exc)}），该文件未转换。"


def not_installed_problem() -> str:
    """What to do without LibreOffice; names the program the environment variable points to, when it is set."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        return (
            f"读取 .doc、.wps、.rtf 和 .odt 文件需要 LibreOffice，但环境变量 {SOFFICE_ENV} 指定的程序"
            f"“{display_name(configured)}”不存在；请改正该路径或安装 LibreOffice，"
            "也可以请申报人将表格另存为 .docx 后重新发送。"
        )
    return NOT_INSTALLED


def _program_in(folder: Path) -> Path | None:
    """LibreOffice's program in an installation folder or its ``program`` folder."""
    for candidate in (folder, folder / "program"):
        for name in ("soffice.exe", "soffice"):
            if (candidate / name).is_file():
                return candidate / name
    return None


def _installed_programs() -> list[Path]:
    """Where installers put LibreOffice on systems that do not add it to ``PATH``."""
    if sys.platform == "win32":
        bases = {os.environ.get(name) for name in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")}
        return [
            path
            for base in sorted(b for b in bases if b)
            for path in sorted(Path(base).glob("LibreOffice*/program/soffice.exe"))
        ]
    if sys.platform == "darwin":
        return [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    return []


def soffice_path() -> Path | None:
    """LibreOffice's ``soffice`` program, or ``None`` when it cannot be found.

    :data:`SOFFICE_ENV` (a program, or an installation folder) wins when set,
    even when it leads nowhere; then ``soffice`` or ``libreoffice`` on
    ``PATH``; then the usual installation folders (Windows, macOS).
    """
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        path = Path(configured)
        return _program_in(path) if path.is_dir() else path if path.is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return next((path for path in _installed_programs() if path.is_file()), None)


def convertible_suffix(head: bytes) -> str | None:
    """The suffix of the format a file starting with ``head`` is in, when LibreOffice can make .docx of it.

    ``.doc`` for an OLE compound file (Word 97–2003 and WPS), ``.rtf``,
    ``.odt`` for an OpenDocument file, ``.docx`` for another ZIP file;
    ``None`` for anything else, which LibreOffice would import as plain text.
    """
    return SNIFFED_SUFFIXES.get(sniff(head))


def _fresh_folder(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _stage(index: int, source: Path, inputs: Path) -> _Job | str:
    """Copy ``source`` into ``inputs`` under a plain name; the job, or the problem that stops it."""
    try:
        data = read_regular_file(source)
    except FileProblem as exc:
        return str(exc)
    kind = convertible_suffix(data[:128])
    if kind is None:
        return NOT_A_DOCUMENT
    suffix = source.suffix.lower()
    name = f"{index:04d}{suffix if suffix in KNOWN_SUFFIXES else kind}"
    try:
        (inputs / name).write_bytes(data)
    except OSError as exc:
        return f"无法把该文件复制到临时文件夹（{os_reason(exc)}），未转换。"
    return _Job(index, source, name)


def _new_profile(root: Path) -> Path:
    """A new LibreOffice profile folder with :data:`PROFILE_SETTINGS`."""
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=root))
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
    return profile


def _command(program: Path, profile: Path, jobs: Sequence[_Job]) -> list[str]:
    """The command line; every path in it relative to ``work_dir`` (plain ASCII), the profile's a file URI."""
    inputs = [os.path.join(INPUT_DIR, name) for name in (PROBE_NAME, *(job.name for job in jobs))]
    return [
        str(program),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        DOCX_FILTER,
        "--outdir",
        OUTPUT_DIR,
        *inputs,
    ]


def _start(command: list[str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group (session on POSIX), its output going to ``log``."""
    with open(log, "wb") as output:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=sys.platform != "win32",
            creationflags=CREATION_FLAGS,
        )


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and every process it started (LibreOffice's launcher starts ``soffice.bin``)."""
    if sys.platform == "win32":
        taskkill = Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "taskkill.exe"
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                [str(taskkill), "/F", "/T", "/PID", str(process.pid)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
                creationflags=subprocess.CREATE_NO_WINDOW,
            )
    else:
        with contextlib.suppress(OSError):  # the group is gone already
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


def _kill_stragglers(process: subprocess.Popen[bytes]) -> None:
    """After LibreOffice exited, kill what is left of its process group (POSIX; Windows' launcher waits for all)."""
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)


def _count_present(folder: Path, names: frozenset[str]) -> int:
    try:
        return len(names.intersection(os.listdir(folder)))
    except OSError:
        return 0


def _exited(process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def _returncode(process: subprocess.Popen[bytes]) -> int:
    return -1 if process.returncode is None else process.returncode


def _watch(process: subprocess.Popen[bytes], outputs: Path, names: frozenset[str], limits: _Limits) -> _Ending:
    """Wait for LibreOffice to exit, or kill it when no new output appears in time.

    Until the first output (the probe's) appears the limit is the start-up
    one; after each output, the per-file one.
    """
    present = 0
    deadline = time.monotonic() + limits.startup_s
    while True:
        exited = _exited(process, POLL_S)
        count = _count_present(outputs, names)
        if count > present:
            present = count
            deadline = time.monotonic() + limits.per_file_s
        if exited:
            _kill_stragglers(process)
            return _Ending(False, _returncode(process), present > 0)
        if time.monotonic() >= deadline:
            _kill_tree(process)
            return _Ending(True, _returncode(process), present > 0)


def _read_tail(log: Path) -> str:
    """The end of what LibreOffice printed (for the cause of a failure; never shown as such)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - LOG_TAIL_BYTES))
            return handle.read(LOG_TAIL_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _converted(job: _Job, output: Path) -> Conversion:
    if zipfile.is_zipfile(output):
        return Conversion(job.source, output, None)
    return Conversion(job.source, None, INCOMPLETE)


@dataclass
class _Batch:
    """One call's folders, limits and results."""

    program: Path
    root: Path
    limits: _Limits
    results: dict[int, Conversion]
    runs: int = 0

    @property
    def outputs(self) -> Path:
        return self.root / OUTPUT_DIR

    def fail(self, jobs: Sequence[_Job], problem: str) -> None:
        for job in jobs:
            self.results[job.index] = Conversion(job.source, None, problem)

    def run(self, jobs: Sequence[_Job]) -> list[_Job]:
        """Convert ``jobs`` in one LibreOffice process; the jobs left for another process."""
        (self.outputs / PROBE_OUTPUT).unlink(missing_ok=True)
        log = self.root / f"soffice-{self.runs}.log"
        self.runs += 1
        try:
            profile = _new_profile(self.root)
        except OSError as exc:
            self.fail(jobs, workspace_problem(exc))
            return []
        try:
            process = _start(_command(self.program, profile, jobs), self.root, log)
        except OSError as exc:
            self.fail(jobs, start_problem(exc))
            return []
        try:
            names = frozenset({PROBE_OUTPUT, *(job.output_name for job in jobs)})
            ending = _watch(process, self.outputs, names, self.limits)
        finally:
            if process.poll() is None:  # interrupted
                _kill_tree(process)
            shutil.rmtree(profile, ignore_errors=True)
        return self.settle(jobs, ending, _read_tail(log))

    def settle(self, jobs: Sequence[_Job], ending: _Ending, output: str) -> list[_Job]:
        """Record what a process did with ``jobs``; the jobs it never reached, to retry."""
        try:
            present = set(os.listdir(self.outputs))
        except OSError:
            present = set()
        done = [position for position, job in enumerate(jobs) if job.output_name in present]
        last = max(done, default=-1)
        for job in jobs[: last + 1]:  # LibreOffice went past these
            if job.output_name in present:
                self.results[job.index] = _converted(job, self.outputs / job.output_name)
            else:
                self.fail([job], CANNOT_CONVERT)
        rest = list(jobs[last + 1 :])
        if not rest:
            return []
        if not ending.started:
            logger.debug("LibreOffice did not start (exit code %s): %s", ending.returncode, output)
            problem = no_response_problem(self.limits.startup_s) if ending.timed_out else None
            self.fail(rest, problem or exit_problem(ending.returncode, output))
            return []
        # The first of the rest failed, or stopped LibreOffice; the others may not have been tried.
        if ending.timed_out:
            self.fail(rest[:1], timeout_problem(self.limits.per_file_s))
            return rest[1:]
        if ending.returncode != 0:
            logger.debug("LibreOffice stopped (exit code %s): %s", ending.returncode, output)
            self.fail(rest[:1], CRASHED)
            return rest[1:]
        self.fail(rest, CANNOT_CONVERT)
        return []


def convert_to_docx(
    paths: Sequence[Path],
    work_dir: Path,
    per_file_timeout_s: float = 60.0,
    *,
    startup_timeout_s: float = 120.0,
) -> list[Conversion]:
    """Convert each file in ``paths`` to .docx with LibreOffice; one :class:`Conversion` per path, in order.

    ``work_dir`` is a folder for this call alone (created if missing; its
    ``in`` and ``out`` folders are emptied first); the .docx files are left
    in ``work_dir/out`` for the caller to read.  All files are converted by
    one LibreOffice process, unless a file takes longer than
    ``per_file_timeout_s`` or crashes LibreOffice: then a new process
    converts the files after it.  ``startup_timeout_s`` bounds LibreOffice's
    start.  A file LibreOffice cannot convert, or LibreOffice missing, gives
    each file concerned a problem in Chinese; nothing is raised.

    When a file fails quickly and the next one then hangs, the out folder
    cannot tell which of the two LibreOffice was on: the first gets the
    timeout problem (neither converts either way) and the second, tried
    again, times out on its own.
    """
    if not paths:
        return []
    program = soffice_path()
    if program is None:
        problem = not_installed_problem()
        return [Conversion(path, None, problem) for path in paths]
    root = Path(os.path.abspath(work_dir))
    try:
        root.mkdir(parents=True, exist_ok=True)
        inputs = _fresh_folder(root / INPUT_DIR)
        _fresh_folder(root / OUTPUT_DIR)
        (inputs / PROBE_NAME).write_bytes(PROBE_DOCUMENT)
    except OSError as exc:
        problem = workspace_problem(exc)
        return [Conversion(path, None, problem) for path in paths]
    batch = _Batch(program, root, _Limits(per_file_timeout_s, startup_timeout_s), {})
    pending: list[_Job] = []
    for index, path in enumerate(paths):
        staged = _stage(index, path, inputs)
        if isinstance(staged, str):
            batch.results[index] = Conversion(path, None, staged)
        else:
            pending.append(staged)
    while pending:
        rest = batch.run(pending[:MAX_FILES_PER_PROCESS])
        pending = rest + pending[MAX_FILES_PER_PROCESS:]
    return [batch.results[index] for index in range(len(paths))]
