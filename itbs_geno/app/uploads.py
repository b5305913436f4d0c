"""A multipart upload read as it streams in, each file written straight into the request's private
folder (0700, files 0600), so an upload is never held whole in memory nor spooled anywhere else
(Starlette's own form parser would spool large files to the system's temporary folder).

The form's first field must be the CSRF token: it is checked before any file byte is written."""

import os
import secrets
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

MAX_PARTS = 1000                 # files and fields in one form
MAX_FIELD = 10_000               # bytes of one text field (a name, a sample, a column)


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[Path]] = field(default_factory=dict)     # form name -> files, in the order chosen

    def text(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    def one(self, name: str) -> Path | None:
        return next(iter(self.files.get(name, [])), None)

    def chosen(self) -> list[str]:
        return [p.name for paths in self.files.values() for p in paths]


def safe_name(raw: str) -> str:
    """The file's own name (browsers send only that, but a client may send a path): no folders, no
    control characters, no leading dot; what the person will recognise in a message."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip().lstrip(".")
    return name[:150] or "upload"


class _Reader:
    """The parser's callbacks: headers of each part, then its bytes to a field or to a new file."""

    def __init__(self, folder: Path, csrf: str):
        self.folder, self.csrf, self.form = folder, csrf, Form()
        self.parts, self.verified = 0, False
        self.header_field = self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.name, self.value, self.fd = "", bytearray(), -1

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise HTTPException(400, f"more than {MAX_PARTS} files and fields in one form")
        self.headers, self.value, self.fd = {}, bytearray(), -1

    def header_field_(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field = self.header_value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            return
        if not self.verified:
            raise HTTPException(403, "the form's token is missing or stale: reload the page and send it again")
        if not filename:
            return                                  # a file input left empty
        slot = self.folder / str(self.parts)
        slot.mkdir(mode=0o700)
        path = slot / safe_name(filename.decode("utf-8", "replace"))
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        self.form.files.setdefault(self.name, []).append(path)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.fd >= 0:
            os.write(self.fd, data[start:end])
        elif b"filename" not in self.headers.get(b"content-disposition", b""):
            self.value += data[start:end]
            if len(self.value) > MAX_FIELD:
                raise HTTPException(400, f"a form field is longer than {MAX_FIELD} bytes")

    def part_end(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            return
        value = self.value.decode("utf-8", "replace")
        if self.parts == 1 and self.name == "csrf":
            self.verified = secrets.compare_digest(value.encode(), self.csrf.encode())
        elif self.name and b"filename" not in self.headers.get(b"content-disposition", b""):
            self.form.fields[self.name] = value

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)


async def receive(stream: AsyncIterable[bytes], content_type: str, folder: Path, csrf: str) -> Form:
    """Parse the body chunk by chunk as it arrives (the size cap is enforced below us, on the stream)."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise HTTPException(400, "send the form from the page (multipart/form-data)")
    reader = _Reader(folder, csrf)
    parser = MultipartParser(options[b"boundary"], {
        "on_part_begin": reader.part_begin, "on_header_field": reader.header_field_,
        "on_header_value": reader.header_value_, "on_header_end": reader.header_end,
        "on_headers_finished": reader.headers_finished, "on_part_data": reader.part_data,
        "on_part_end": reader.part_end})
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise HTTPException(400, "the form arrived damaged; send it again from the page") from None
    finally:
        reader.close()
    if not reader.verified:
        raise HTTPException(403, "the form's token is missing or stale: reload the page and send it again")
    return reader.form
