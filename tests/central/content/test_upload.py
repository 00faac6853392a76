"""The upload receiver: counted as it streams, refused past the limit, nothing left behind."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from central.content.upload import UploadError, _HashingWriter, receive

BOUNDARY = "vtboundary"
TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def body(data: bytes, **fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="../../x.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return b"".join(parts)


def run(payload: bytes, folder, limit: int, length: str | None = None):
    async def chunks():
        for start in range(0, len(payload), 65536):  # as a server hands them over
            yield payload[start : start + 65536]

    return asyncio.run(receive(chunks(), TYPE, length, folder, limit))


def test_a_file_streams_to_a_temporary_file_with_its_hash_and_the_fields(tmp_path):
    data = bytes(range(256)) * 4000
    received = run(body(data, csrf="t0ken", tags="a b"), tmp_path, limit=len(data))
    assert received.fields == {"csrf": "t0ken", "tags": "a b"}
    assert received.filename == "x.png"  # never a path
    assert received.path.parent == tmp_path and received.path.read_bytes() == data
    assert (received.size, received.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_body_without_a_length_is_cut_at_the_limit_and_leaves_nothing(tmp_path):
    with pytest.raises(UploadError, match="limit"):
        run(body(b"x" * 300_000), tmp_path, limit=200_000)
    assert list(tmp_path.iterdir()) == []


def test_a_declared_length_over_the_limit_is_refused_before_reading(tmp_path):
    async def never():
        raise AssertionError("the body must not be read")
        yield b""

    with pytest.raises(UploadError, match="limit"):
        asyncio.run(receive(never(), TYPE, str(10**10), tmp_path, 10**6))
    assert list(tmp_path.iterdir()) == []


def test_a_broken_or_empty_form_is_refused_and_leaves_nothing(tmp_path):
    with pytest.raises(UploadError, match="broke off"):
        run(body(b"y" * 1000)[:-30] + b"--garbage", tmp_path, limit=10**6)
    with pytest.raises(UploadError, match="no file"):
        run(body(b""), tmp_path, limit=10**6)
    with pytest.raises(UploadError, match="upload form"):
        asyncio.run(receive(iter_none(), "application/json", None, tmp_path, 10**6))
    assert list(tmp_path.iterdir()) == []


async def iter_none():
    return
    yield b""


def test_a_write_that_fails_in_the_worker_thread_is_raised_not_lost(tmp_path):
    path = tmp_path / "read-only"
    path.write_bytes(b"")
    writer = _HashingWriter(path.open("rb"))  # a real file that refuses writes, as a full disk
    writer.write(memoryview(b"first chunk"))
    with pytest.raises(OSError):
        writer.write(memoryview(b"second chunk"))  # the first chunk's failure surfaces here
    with pytest.raises(OSError):
        writer.close()  # and again on closing, which still closes the file
    assert writer.handle.closed


def test_the_writer_starts_flushing_to_the_disk_while_the_body_still_arrives(tmp_path):
    path = tmp_path / "upload"
    writer = _HashingWriter(path.open("wb"), write_behind=4)
    writer.write(memoryview(b"12345"))  # over write_behind: a flush starts in the background
    writer.write(memoryview(b"6"))  # waits for the first chunk's write, not for its flush
    assert writer.flushing is not None
    writer.close()
    assert path.read_bytes() == b"123456" and writer.handle.closed
