"""Returns inside zip attachments, taken out within fixed bounds.

Member names are decoded as their writer meant them: UTF-8 when the
archive says so (flag bit 11) or carries an Info-ZIP Unicode path field;
otherwise UTF-8 when the bytes are valid UTF-8 (macOS writes so without the
flag), else CP936/GB18030 — what the zip writer built into Chinese Windows
stores.  Only the base name of a member is ever used, so ``../../x.pdf`` or
``C:\\x.pdf`` cannot lead outside the output folder (and is reported).

Bounds, per attachment (nested archives share them): at most
:data:`MAX_TOTAL_BYTES` uncompressed, no member expanding more than
:data:`MAX_RATIO` times, :data:`MAX_MEMBERS` members per archive, archives
within archives :data:`MAX_DEPTH` levels deep.  An archive that breaks a
bound, is damaged, or holds an encrypted member is reported; the caller then
keeps the archive itself as it came, so nothing is lost.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from generator.collect.naming import RETURN_EXTENSIONS, ZIP_EXTENSIONS, base_name, extension, has_unsafe_path

MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024
"""Members smaller than this are not judged by their compression ratio (a blank page compresses very well)."""
MAX_MEMBERS = 1000
MAX_DEPTH = 2
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
UNICODE_PATH_FIELD = 0x7075
CHUNK = 1024 * 1024


@dataclass
class Member:
    """A return taken out of an archive: the names from the outer archive down to the file, and its bytes."""

    chain: list[str]
    data: bytes


@dataclass
class Expanded:
    """What an archive held: returns, names of members that are no return, and problems (Chinese sentences)."""

    members: list[Member] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    incomplete: bool = False
    """Whether a member that may be a return could not be taken out (the archive should be kept as it came)."""

    def fail(self, problem: str) -> None:
        self.problems.append(problem)
        self.incomplete = True


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_TOTAL_BYTES


class _TooBig(Exception):
    pass


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it (see the module text)."""
    if info.flag_bits & UTF8_FLAG:
        return info.orig_filename
    raw = info.orig_filename.encode("cp437")  # zipfile decoded the stored bytes as CP437: undo that
    unicode_path = _unicode_path(info.extra, raw)
    if unicode_path:
        return unicode_path
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            pass
    return info.orig_filename


def _unicode_path(extra: bytes, raw_name: bytes) -> str:
    """The Info-ZIP Unicode path extra field (0x7075), when it belongs to this name."""
    offset = 0
    while offset + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + size]
        if kind == UNICODE_PATH_FIELD and len(body) > 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            if crc == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return ""
        offset += 4 + size
    return ""


def expand(name: str, data: bytes) -> Expanded:
    """The returns inside the zip archive ``data`` (attachment ``name``), nested archives included."""
    result = Expanded()
    try:
        _expand([name], data, 1, _Budget(), result)
    except _TooBig as exc:
        result.fail(f"{exc}，疑似“压缩炸弹”，未继续解开")
    return result


def _label(chain: list[str]) -> str:
    return "/".join(chain)


def _expand(chain: list[str], data: bytes, depth: int, budget: _Budget, result: Expanded) -> None:
    where = f"压缩包“{_label(chain)}”"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        result.fail(f"{where}已损坏或不是 zip 格式，无法解开")
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            result.fail(f"{where}中的文件超过 {MAX_MEMBERS} 个（共 {len(infos)} 个），未解开")
            return
        for info in infos:
            _member(archive, info, chain, depth, budget, result)


def _member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, chain: list[str], depth: int, budget: _Budget, result: Expanded
) -> None:
    where = f"压缩包“{_label(chain)}”"
    raw_name = member_name(info)
    normalised = raw_name.replace("\\", "/")
    if normalised.endswith("/") or info.is_dir():
        return
    name = base_name(normalised)
    if not name or normalised.startswith("__MACOSX/") or "/__MACOSX/" in normalised or name.startswith("._"):
        return  # macOS resource forks and folder entries: never returns
    ext = extension(name)
    label = _label([*chain, raw_name])
    if ext not in RETURN_EXTENSIONS and ext not in ZIP_EXTENSIONS:
        result.ignored.append(label)
        return
    if has_unsafe_path(raw_name):
        result.problems.append(f"{where}中的文件“{raw_name}”带有不安全的路径，只按文件名“{name}”保存")
    if info.flag_bits & ENCRYPTED_FLAG:
        result.fail(f"{where}中的文件“{raw_name}”已加密，无法解开")
        return
    if ext in ZIP_EXTENSIONS and depth >= MAX_DEPTH:
        result.fail(f"{where}中的压缩包“{raw_name}”嵌套超过 {MAX_DEPTH} 层，未解开")
        return
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _TooBig(f"{where}中的文件“{raw_name}”压缩比超过 {MAX_RATIO}:1")
    if info.file_size > budget.left:
        raise _TooBig(f"{_top(chain)}解压后超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
    try:
        data = _read(archive, info, budget, chain)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        result.fail(f"{where}中的文件“{raw_name}”已损坏，无法解开（{type(exc).__name__}）")
        return
    except NotImplementedError:
        result.fail(f"{where}中的文件“{raw_name}”使用了不支持的压缩方式，无法解开")
        return
    except RuntimeError:  # zipfile's word for an encrypted member the flag did not announce
        result.fail(f"{where}中的文件“{raw_name}”已加密，无法解开")
        return
    if ext in ZIP_EXTENSIONS:
        _expand([*chain, name], data, depth + 1, budget, result)
    else:
        result.members.append(Member([*chain, name], data))


def _top(chain: list[str]) -> str:
    return f"压缩包“{chain[0]}”"


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, chain: list[str]) -> bytes:
    """The member's bytes, counted against the budget as they come (a header may lie about the size)."""
    chunks: list[bytes] = []
    with archive.open(info) as handle:
        while chunk := handle.read(CHUNK):
            budget.left -= len(chunk)
            if budget.left < 0:
                raise _TooBig(f"{_top(chain)}解压后超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
            chunks.append(chunk)
    return b"".join(chunks)
