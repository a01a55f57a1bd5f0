"""Evidence files: kept in the board folder under content-hash names, limited in size and
type, and served only as downloads.

- **Stored** at ``<board>/attachments/<first 2 hex>/<sha256>``: no extension, mode 0600 in
  folders of mode 0700, written to a hidden file beside it, synced and moved into place (a
  crash leaves the whole file or none). The same content uploaded twice is kept once. A form
  writes the file only once the register has accepted the record listing it, in the same
  transaction: a refused write (conflict, refusal, no rights) leaves no file behind.
- **Limited** to ``max_upload`` bytes (10 MiB by default; see ``WebConfig``) and to the types
  a board's evidence comes in, recognised by their content, never by the name or the type the
  browser claims: PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OpenDocument text (.odt),
  plain text and CSV. Web pages (HTML, SVG, XML), macro-enabled Office files, executables and
  anything else are refused with a message saying which types are taken.
- **Served** only to signed-in users, only where an evidence record lists the file, as a
  download: ``Content-Disposition: attachment`` with a safe file name,
  ``X-Content-Type-Options: nosniff`` and the allow-listed type. Nothing is ever shown inline
  or run.

The name a browser sends is reduced to a safe base name (:func:`safe_name`): no folders, no
control characters, no characters a file system or a header treats specially, at most 120
characters, and ending with the extension its content has.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from . import web

__all__ = [
    "ALLOWED",
    "DEFAULT_MAX_UPLOAD",
    "AttachmentRefused",
    "Stored",
    "attachment_path",
    "check",
    "content_disposition",
    "put",
    "read_limited",
    "routes",
    "safe_name",
    "size_text",
    "sniff",
    "store",
]

#: The largest upload taken where the configuration does not say (10 MiB).
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
#: The folder, in the board folder, attachments are kept in.
FOLDER = "attachments"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"

#: media type -> (what people call it, the extensions a file of that type may end with).
ALLOWED: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/png": ("PNG image", (".png",)),
    "image/jpeg": ("JPEG image", (".jpg", ".jpeg")),
    DOCX: ("Word document", (".docx",)),
    XLSX: ("Excel workbook", (".xlsx",)),
    ODT: ("OpenDocument text", (".odt",)),
    "text/plain": ("plain text", (".txt", ".text", ".md", ".log")),
    "text/csv": ("CSV", (".csv",)),
}
TAKEN = "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), plain text or CSV"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Characters kept in a file name besides letters and digits (of any script).
_NAME_PUNCTUATION = set(" ._-()+,&'[]")
_NAME_MAX = 120
#: Control characters a text file may contain: tab, line feed, form feed, carriage return.
_TEXT_CONTROLS = {9, 10, 12, 13}
#: How much of a zip's small member files is read to tell what the zip is.
_ZIP_MEMBER_LIMIT = 1024 * 1024
#: Markup a text file must not carry: it would be a web page (or an image that runs script).
_MARKUP = re.compile(rb"<\s*(script|svg|html|body|iframe|object|embed|!doctype|\?xml|meta|link|style)\b", re.IGNORECASE)


class AttachmentRefused(ValueError):
    """An upload that is not taken: too large, of a type not allowed, or empty. The message
    says why and what is taken, in words for the person uploading it."""


@attrs.frozen(kw_only=True)
class Stored:
    """A file kept in the board's attachments: as an evidence record lists it."""

    name: str
    sha256: str
    size: int
    media_type: str

    def as_record(self) -> dict[str, Any]:
        """The evidence record's ``attachments`` entry."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "media_type": self.media_type}


def safe_name(filename: str | None, media_type: str | None = None) -> str:
    """A safe base name for ``filename`` as a browser sent it: its last path component (``/``
    or ``\\``), NFC-normalised, with only letters, digits, spaces and ``._-()+,&'[]`` kept
    (others become ``_``), no leading dots or spaces, at most 120 characters keeping the
    extension, ending with an extension of ``media_type`` (added where it has none of them);
    ``attachment`` where nothing is left."""
    text = unicodedata.normalize("NFC", filename or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in _NAME_PUNCTUATION or (category[0] in "LN" and category != "Nl"):
            kept.append(char)
        elif category == "Pd":  # dashes of every kind
            kept.append("-")
        elif category[0] in "CZ" and char != " ":
            kept.append(" " if category[0] == "Z" else "")  # other spaces become spaces; controls go
        else:
            kept.append("_")
    name = re.sub(r"\s+", " ", "".join(kept)).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if not name or set(name) <= {"_", " ", "."}:
        name = "attachment"
    if media_type in ALLOWED:
        extensions = ALLOWED[media_type][1]
        if not name.lower().endswith(extensions):
            name += extensions[0]
    if len(name) > _NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: _NAME_MAX - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:_NAME_MAX].rstrip(" .")
    return name


def content_disposition(name: str) -> str:
    """``Content-Disposition`` for a download of ``name``: ``attachment`` with an ASCII
    ``filename`` (others replaced) and the exact name as ``filename*`` (RFC 6266)."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%' else "_" for c in name) or "attachment"
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def _zip_kind(data: bytes) -> str:
    """The Office or OpenDocument type of a zip archive; refused where it is none, or carries macros."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise AttachmentRefused(
            f"the file looks like a zip archive but cannot be read: the types taken are {TAKEN}"
        ) from None

    def member(name: str) -> bytes:
        info = infos[name]
        if info.file_size > _ZIP_MEMBER_LIMIT:
            raise AttachmentRefused(
                f"the file's {name!r} is too large to be an Office file's: the types taken are {TAKEN}"
            )
        try:
            with archive.open(info) as handle:
                return handle.read(_ZIP_MEMBER_LIMIT + 1)[:_ZIP_MEMBER_LIMIT]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
            raise AttachmentRefused(f"the file's {name!r} cannot be read: the types taken are {TAKEN}") from None

    if "mimetype" in infos:
        if member("mimetype").strip() == ODT.encode():
            return ODT
        raise AttachmentRefused(
            f"an OpenDocument file other than text (.odt) is not taken: the types taken are {TAKEN}"
        )
    if "[Content_Types].xml" in infos:
        types = member("[Content_Types].xml")
        if b"macroenabled" in types.lower() or any(n.lower().endswith("vbaproject.bin") for n in infos):
            raise AttachmentRefused("an Office file with macros is not taken: save it without macros (.docx, .xlsx)")
        if "word/document.xml" in infos:
            return DOCX
        if "xl/workbook.xml" in infos:
            return XLSX
    raise AttachmentRefused(
        f"a zip archive other than a Word, Excel or OpenDocument text file is not taken: the types taken are {TAKEN}"
    )


def _text_kind(data: bytes, name: str) -> str:
    """``text/csv`` or ``text/plain`` for text (UTF-8, or Windows' Western European, as Excel
    saves CSV); refused where it is binary or a web page."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = body.decode("cp1252")
        except UnicodeDecodeError:
            raise AttachmentRefused(f"the file is not one of the types taken ({TAKEN})") from None
    if any((ord(c) < 32 and ord(c) not in _TEXT_CONTROLS) or ord(c) == 127 for c in text):
        raise AttachmentRefused(f"the file is not one of the types taken ({TAKEN})")
    if text.lstrip().startswith("<") or _MARKUP.search(body):
        raise AttachmentRefused(
            "the file looks like a web page or markup (HTML, SVG or XML), which is not taken: "
            f"the types taken are {TAKEN}"
        )
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def sniff(data: bytes, name: str = "") -> str:
    """The allow-listed media type of ``data`` from its content (``name`` only tells CSV from
    plain text); :class:`AttachmentRefused` for an empty file and every other type."""
    if not data:
        raise AttachmentRefused("the file is empty")
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith((b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")):
        raise AttachmentRefused(f"a program or script is not taken: the types taken are {TAKEN}")
    return _text_kind(data, name)


def attachment_path(root: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 (64 lower-case hex digits) is kept; ValueError for
    anything else, so no other path can be named."""
    if not _SHA256.match(sha256):
        raise ValueError(f"{sha256[:80]!r} is not a SHA-256 in hex")
    return root / FOLDER / sha256[:2] / sha256


def check(data: bytes, filename: str | None, *, max_size: int = DEFAULT_MAX_UPLOAD) -> Stored:
    """``data`` (uploaded as ``filename``) as an evidence record would list it, nothing written:
    refused (:class:`AttachmentRefused`) where it is over ``max_size`` bytes or not an allowed
    type."""
    if len(data) > max_size:
        raise AttachmentRefused(f"the file is {_size(len(data))}; the largest taken is {_size(max_size)}")
    media_type = sniff(data, filename or "")
    sha = hashlib.sha256(data).hexdigest()
    return Stored(name=safe_name(filename, media_type), sha256=sha, size=len(data), media_type=media_type)


def put(root: Path, data: bytes) -> bool:
    """Keep ``data`` in the board folder ``root`` under its digest (checked first with
    :func:`check`): written atomically, mode 0600; content already kept is not written again.
    Whether it was written."""
    final = attachment_path(root, hashlib.sha256(data).hexdigest())
    if final.is_file() and final.stat().st_size == len(data):
        return False
    _write_atomically(final, data)
    return True


def store(root: Path, data: bytes, filename: str | None, *, max_size: int = DEFAULT_MAX_UPLOAD) -> Stored:
    """:func:`check` then :func:`put`: refused (nothing written) where the file is not taken.
    The forms check first and put the file only once the record listing it is accepted, in
    the same register transaction, so a refused write leaves no file behind."""
    stored = check(data, filename, max_size=max_size)
    put(root, data)
    return stored


def _write_atomically(final: Path, data: bytes) -> None:
    for folder in (final.parent.parent, final.parent):
        folder.mkdir(mode=0o700, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{secrets.token_hex(6)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        folder_fd = os.open(final.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - a system that cannot open folders
        return
    try:
        os.fsync(folder_fd)
    except OSError:  # pragma: no cover - a file system that cannot sync folders
        pass
    finally:
        os.close(folder_fd)


def read_limited(upload: Any, max_size: int) -> bytes:
    """Read an upload (a Starlette ``UploadFile``, already received) in pieces, refusing it as
    soon as it passes ``max_size`` bytes rather than holding all of it. It blocks (the file may
    be on disk): call it from a worker thread, as the form handlers run."""
    handle = upload.file
    handle.seek(0)
    parts: list[bytes] = []
    total = 0
    while True:
        piece: bytes = handle.read(64 * 1024)
        if not piece:
            break
        total += len(piece)
        if total > max_size:
            raise AttachmentRefused(f"the file is larger than {_size(max_size)}, the largest taken")
        parts.append(piece)
    return b"".join(parts)


def size_text(n: int) -> str:
    """A size in words: ``10.0 MiB``, ``12 KiB``, ``80 bytes``."""
    return _size(n)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


def _listed(loaded: Any, sha256: str) -> tuple[str, str] | None:
    """``(name, media type)`` under which an evidence record lists the file, or None."""
    for evidence in loaded.board.evidence:
        for item in getattr(evidence, "attachments", ()):
            if item.sha256 == sha256:
                return item.name, item.media_type
    return None


def download(request: Request) -> Response:
    """``/attachments/{sha256}``: a file an evidence record lists, to signed-in people only,
    as a download (never shown inline: ``Content-Disposition: attachment``, ``nosniff``, a
    sandboxing Content-Security-Policy, and the allow-listed type or
    ``application/octet-stream``)."""
    web.account(request)
    sha256 = request.path_params["sha256"]
    if not _SHA256.match(sha256):
        raise HTTPException(404, "There is no such attachment.")
    listed = _listed(web.loaded_board(request), sha256)
    if listed is None:
        raise HTTPException(404, "No evidence record lists this attachment.")
    name, media_type = listed
    path = attachment_path(web.board_path(request), sha256)
    if not path.is_file():
        raise HTTPException(
            404,
            "The evidence record lists this file, but it is not in the board's attachments folder: "
            "ask the board's administrator.",
        )
    served = media_type if media_type in ALLOWED else "application/octet-stream"
    return FileResponse(
        path,
        media_type=served,
        headers={
            "Content-Disposition": content_disposition(safe_name(name)),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


routes = [Route("/attachments/{sha256}", download, methods=["GET"])]
