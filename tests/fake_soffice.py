"""A stand-in for LibreOffice's ``soffice`` in tests: each input becomes a tiny .docx, or misbehaves as it says.

Run as ``python fake_soffice.py ARGUMENTS`` (the tests write a small wrapper
script that does so).  Like LibreOffice's launcher, which starts
``soffice.bin`` and waits for it, the launcher starts a worker process that
does the converting, so a test can check that both die when the converter
kills the launcher's process group.

The worker converts its inputs in order; an input containing ``HANG`` makes
it sleep for an hour, one containing ``CRASH`` makes it exit with code 139
(as a crash would), one containing ``FAIL`` gets no output (as a file
LibreOffice cannot load).  Environment:

- ``FAKE_SOFFICE_RECORD``: a file each launcher and worker appends a line
  to: ``launcher <pid>`` or ``worker <pid>``;
- ``FAKE_SOFFICE_MODE``: ``exit-profile`` (print LibreOffice's message for a
  profile it cannot create and exit with 77), ``exit-silent`` (exit with 0
  having done nothing), ``hang-start`` (sleep for an hour before converting).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

OPTIONS_WITH_VALUE = ("--convert-to", "--outdir")


def record(role: str) -> None:
    path = os.environ.get("FAKE_SOFFICE_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{role} {os.getpid()}\n")


def parse(arguments: list[str]) -> tuple[Path, list[Path]]:
    """The output folder and the inputs of a LibreOffice command line."""
    outdir = Path.cwd()
    inputs: list[Path] = []
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        if argument in OPTIONS_WITH_VALUE:
            if argument == "--outdir":
                outdir = Path(arguments[position + 1])
            position += 2
            continue
        if not argument.startswith("-"):
            inputs.append(Path(argument))
        position += 1
    return outdir, inputs


def convert(source: Path, outdir: Path) -> None:
    data = source.read_bytes()
    if b"HANG" in data:
        time.sleep(3600)
    if b"CRASH" in data:
        sys.stdout.flush()
        os._exit(139)
    if b"FAIL" in data:
        print("Error: source file could not be loaded", file=sys.stderr, flush=True)
        return
    temporary = outdir / f"lu{os.getpid()}.tmp"
    with zipfile.ZipFile(temporary, "w") as archive:
        archive.writestr("word/document.xml", data.decode("utf-8", errors="replace"))
    temporary.replace(outdir / f"{source.stem}.docx")
    print(f"convert {source} -> {outdir / source.stem}.docx", flush=True)


def work(arguments: list[str]) -> int:
    record("worker")
    mode = os.environ.get("FAKE_SOFFICE_MODE", "")
    if mode == "exit-profile":
        print("LibreOffice 7.4 - Fatal Error: The application cannot be started.", file=sys.stderr)
        print("User installation could not be completed. ", file=sys.stderr)
        return 77
    if mode == "exit-silent":
        return 0
    if mode == "hang-start":
        time.sleep(3600)
    outdir, inputs = parse(arguments)
    for source in inputs:
        convert(source, outdir)
    return 0


def launch(arguments: list[str]) -> int:
    record("launcher")
    return subprocess.call([sys.executable, __file__, "--worker", *arguments])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        sys.exit(work(sys.argv[2:]))
    sys.exit(launch(sys.argv[1:]))
