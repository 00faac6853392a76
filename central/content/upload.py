"""Receive one uploaded file from a multipart form, streamed to disk under a size limit."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from player.wire.units import format_size

MAX_FIELD_BYTES = 4096  # a text field of the upload form: tags, dates, the CSRF token
MAX_FIELDS = 16
FORM_OVERHEAD = 64 * 1024  # headers and text fields beside the file, allowed over the limit
# Written bytes after which the writer starts flushing them to the disk in the background,
# so the library's fsync before it keeps the file finds little left to write.
WRITE_BEHIND_BYTES = 32 << 20


class UploadError(ValueError):
    """The upload was refused; the message says why and what to do. No file is kept."""


@dataclass
class Received:
    """The form's text fields and the one file, already on disk in the library folder."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    path: Path | None = None  # a temporary file the caller keeps (renames) or deletes
    size: int = 0
    sha256: str = ""


class _HashingWriter:
    """Hash and write the file's chunks in one worker thread, in order, one chunk behind the
    parser: sha256 and file writes release the GIL, so they run beside the parsing of the
    next chunk (measured in bench/bench_upload.py). One chunk in flight keeps memory flat.
    Every `write_behind` bytes an fdatasync starts in a second thread (not waited for), so
    the disk writes while the body still arrives instead of all at the library's fsync."""

    def __init__(self, handle, write_behind: int = WRITE_BEHIND_BYTES) -> None:
        self.handle, self.write_behind = handle, write_behind
        self.hasher = hashlib.sha256()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="upload")
        self.pending: Future | None = None
        self.flusher = ThreadPoolExecutor(1, thread_name_prefix="upload-flush")
        self.flushing: Future | None = None
        self.unflushed = 0

    def _write(self, chunk: memoryview) -> None:
        self.hasher.update(chunk)
        self.handle.write(chunk)
        self.unflushed += len(chunk)
        if self.unflushed >= self.write_behind and (self.flushing is None or self.flushing.done()):
            self.handle.flush()
            self.flushing = self.flusher.submit(os.fdatasync, self.handle.fileno())
            self.unflushed = 0

    def write(self, chunk: memoryview) -> None:
        if self.pending is not None:
            self.pending.result()  # a write that failed (disk full) raises here
        self.pending = self.worker.submit(self._write, chunk)

    def close(self) -> None:
        """Finish the last chunk and close the file; raises what the worker met."""
        try:
            if self.pending is not None:
                self.pending.result()
        finally:
            self.pending = None
            self.worker.shutdown(wait=True)
            self.flusher.shutdown(wait=True)  # before the file it flushes is closed
            self.handle.close()


class _Receiver:
    """Multipart callbacks: text fields into memory (small), the file straight to disk."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.received = Received()
        self.headers: dict[bytes, bytes] = {}
        self.header_field = b""
        self.header_value = b""
        self.name: str | None = None
        self.text: bytearray | None = None
        self.writer: _HashingWriter | None = None
        self.ended = False  # the closing boundary came: the body is whole

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda data, start, end: self._add("header_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("header_value", data[start:end]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def _add(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def part_begin(self) -> None:
        self.headers, self.name, self.text = {}, None, None

    def header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if self.writer is not None:
                raise UploadError("one file per upload")
            filename = options[b"filename"].decode("utf-8", "replace")
            self.received.filename = os.path.basename(filename.replace("\\", "/"))[:200]
            descriptor, name = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=self.folder)
            self.writer = _HashingWriter(os.fdopen(descriptor, "wb"))
            self.received.path = Path(name)
        else:
            if len(self.received.fields) >= MAX_FIELDS:
                raise UploadError(f"more than {MAX_FIELDS} form fields")
            self.text = bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        # No copy of bytes (immutable) for the worker to read later; a copy of anything else.
        chunk = memoryview(data)[start:end] if isinstance(data, bytes) else bytes(data[start:end])
        if self.text is not None:
            self.text += chunk
            if len(self.text) > MAX_FIELD_BYTES:
                raise UploadError(f"form field {self.name!r} is over {MAX_FIELD_BYTES} bytes")
            return
        if self.writer is None:
            return
        self.received.size += len(chunk)
        if self.received.size > self.limit:
            raise UploadError(
                f"the file is larger than the library's limit of {format_size(self.limit)}; "
                "make it smaller (shorter, lower bit rate) or ask for console.upload_limit"
            )
        self.writer.write(chunk)

    def part_end(self) -> None:
        if self.text is not None and self.name:
            self.received.fields[self.name] = self.text.decode("utf-8", "replace")
        self.text = None

    def end(self) -> None:
        self.ended = True

    def close(self) -> str:
        """Finish writing; the file's sha256."""
        writer, self.writer = self.writer, None
        if writer is None:
            return ""
        writer.close()
        return writer.hasher.hexdigest()


async def receive(
    chunks: AsyncIterator[bytes], content_type: str, content_length: str | None,
    folder: Path, limit: int,
) -> Received:  # fmt: skip
    """Stream a multipart/form-data body into a temporary file in `folder`.

    Refused before a byte is read when Content-Length already says too much; else counted
    as it arrives. On any refusal the temporary file is removed and UploadError raised.
    """
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError("send the file from the library's upload form (multipart/form-data)")
    if content_length and content_length.isdigit() and int(content_length) > limit + FORM_OVERHEAD:
        raise UploadError(
            f"the file is larger than the library's limit of {format_size(limit)}; "
            "make it smaller (shorter, lower bit rate) or ask for console.upload_limit"
        )
    folder.mkdir(parents=True, exist_ok=True)
    receiver = _Receiver(folder, limit)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
        receiver.received.sha256 = receiver.close()
        if not receiver.ended:
            raise UploadError("the upload broke off before its end; try again")
        if receiver.received.path is None or receiver.received.size == 0:
            raise UploadError("no file was sent: choose an image or a video first")
    except BaseException as exc:  # also a client that went away: leave nothing behind
        with contextlib.suppress(OSError):  # the worker's own failure is already `exc`
            receiver.close()
        if receiver.received.path is not None:
            receiver.received.path.unlink(missing_ok=True)
        if isinstance(exc, MultipartParseError | OSError):
            raise UploadError(f"the upload broke off or is not a valid form ({exc}); "
                              "try again") from None  # fmt: skip
        raise
    return receiver.received
