"""The encrypted stream of a backup, alone (no database): what goes in comes out; every changed, missing, added or
moved byte is refused; a wrong key is named as such; and a large archive goes through a chunk at a time, in a
memory of a few chunks whatever its size."""

from __future__ import annotations

import hashlib
import io
import itertools
import secrets
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lindung.backup_key import key_id
from lindung.server import backup_crypto
from lindung.server.backup_crypto import (
    HEADER_SIZE,
    MIN_CHUNK_SIZE,
    TAG_SIZE,
    Damaged,
    DecryptingReader,
    EncryptingWriter,
    EncryptionError,
    Truncated,
    UnknownVersion,
    WrongKey,
    read_header,
)

KEY = bytes(range(32))
SMALL = MIN_CHUNK_SIZE


def encrypt(data: bytes, *, key: bytes = KEY, chunk_size: int = SMALL, pieces: int = 1) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key, chunk_size=chunk_size)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start : start + step])
    writer.finish()
    return sink.getvalue()


def decrypt(sealed: bytes, *, key: bytes = KEY) -> bytes:
    source = io.BytesIO(sealed)
    header = read_header(source)
    assert header is not None
    return DecryptingReader(source, key, header).read()


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 3 * SMALL, 3 * SMALL + 7])
def test_what_goes_in_comes_out_and_the_chunks_are_as_laid_out(size: int) -> None:
    data = secrets.token_bytes(size)
    sealed = encrypt(data, pieces=3)
    chunks = max(1, -(-size // SMALL))  # at least the last chunk, possibly empty
    assert len(sealed) == HEADER_SIZE + size + chunks * TAG_SIZE
    assert sealed.startswith(b"LINDUNG-BACKUP-ENC\x01")
    assert decrypt(sealed) == data
    if size >= 16:
        assert data[:16] not in sealed


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5 * SMALL), splits=st.lists(st.integers(0, 5 * SMALL), max_size=8))
def test_any_sizes_written_in_any_pieces_come_back_read_in_any_sizes(data: bytes, splits: list[int]) -> None:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, KEY, chunk_size=SMALL)
    cuts = sorted({0, len(data), *(cut for cut in splits if cut < len(data))})
    for start, end in itertools.pairwise(cuts):
        writer.write(memoryview(data)[start:end])
    writer.finish()
    source = io.BytesIO(sink.getvalue())
    header = read_header(source)
    assert header is not None
    reader = DecryptingReader(source, KEY, header)
    out = bytearray()
    sizes = iter([*(split % 700 + 1 for split in splits), 333] * 1000)
    while part := reader.read(next(sizes)):
        out += part
    assert bytes(out) == data and reader.finished


def test_each_archive_has_its_own_salt_and_nonces() -> None:
    data = b"the same archive twice" * 100
    one, two = encrypt(data), encrypt(data)
    assert one[HEADER_SIZE:] != two[HEADER_SIZE:]
    assert one[: HEADER_SIZE - 39] == two[: HEADER_SIZE - 39]  # magic, version, chunk size, key id alike


def test_every_single_changed_byte_is_refused() -> None:
    sealed = encrypt(secrets.token_bytes(2 * SMALL + 100))
    for position in range(len(sealed)):
        for flip in (0x01, 0x80):
            changed = bytearray(sealed)
            changed[position] ^= flip
            source = io.BytesIO(bytes(changed))
            try:
                header = read_header(source)
                if header is None:  # the magic changed: not an encrypted archive at all
                    assert position < len(backup_crypto.MAGIC)
                    continue
                DecryptingReader(source, KEY, header).read()
            except UnknownVersion:
                assert position == len(backup_crypto.MAGIC)
            except WrongKey:
                assert HEADER_SIZE - 47 <= position < HEADER_SIZE - 39  # the key id's 8 bytes
            except Damaged:
                pass
            else:
                pytest.fail(f"a change at byte {position} went through")


def test_every_cut_is_refused_and_a_cut_between_chunks_is_named() -> None:
    sealed = encrypt(secrets.token_bytes(3 * SMALL + 5))
    sealed_chunk = SMALL + TAG_SIZE
    for length in range(len(backup_crypto.MAGIC), len(sealed)):
        source = io.BytesIO(sealed[:length])
        with pytest.raises(EncryptionError) as raised:
            header = read_header(source)
            assert header is not None
            DecryptingReader(source, KEY, header).read()
        body = length - HEADER_SIZE
        if body >= 0 and body % sealed_chunk == 0:
            assert isinstance(raised.value, Truncated), length
            assert raised.value.chunks == body // sealed_chunk
        else:
            assert isinstance(raised.value, Damaged), length


def test_bytes_added_after_the_end_are_refused() -> None:
    for size in (SMALL, SMALL + 1):  # the last chunk full, and short
        sealed = encrypt(secrets.token_bytes(size))
        for extra in (b"\x00", secrets.token_bytes(TAG_SIZE), sealed[HEADER_SIZE:]):
            with pytest.raises(Damaged):
                decrypt(sealed + extra)


def test_chunks_swapped_or_taken_from_another_archive_are_refused() -> None:
    chunk = SMALL + TAG_SIZE
    data = secrets.token_bytes(3 * SMALL + 1)
    one, two = encrypt(data), encrypt(data)
    header, body = one[:HEADER_SIZE], one[HEADER_SIZE:]
    first, second, rest = body[:chunk], body[chunk : 2 * chunk], body[2 * chunk :]
    with pytest.raises(Damaged) as raised:
        decrypt(header + second + first + rest)
    assert raised.value.chunk == 0
    with pytest.raises(Damaged):
        decrypt(header + first + two[HEADER_SIZE + chunk : HEADER_SIZE + 2 * chunk] + rest)
    with pytest.raises(Damaged):  # a chunk dropped from the middle
        decrypt(header + first + rest)


def test_the_wrong_key_is_named_with_both_ids_and_nothing_is_decrypted() -> None:
    sealed = encrypt(b"x" * 3000)
    other = secrets.token_bytes(32)
    with pytest.raises(WrongKey) as raised:
        decrypt(sealed, key=other)
    assert raised.value.archive_key_id == key_id(KEY) and raised.value.key_id == key_id(other)


def test_an_unfinished_archive_never_passes_for_whole() -> None:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, KEY, chunk_size=SMALL)
    writer.write(secrets.token_bytes(5 * SMALL))  # an error here: finish() never called
    del writer
    with pytest.raises(Truncated):
        decrypt(sink.getvalue())


# ---------------------------------------------------------------- memory


class Payload:
    """A large fake archive, made as it is read (never held whole): ``size`` bytes of a repeated pattern, with a
    running hash; records the largest read asked of it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.pattern = hashlib.sha256(b"payload").digest() * 4096  # 128 KiB
        self.hash = hashlib.sha256()
        self.largest_read = 0

    def read(self, size: int) -> bytes:
        self.largest_read = max(self.largest_read, size)
        size = min(size, self.left, len(self.pattern))
        self.left -= size
        part = self.pattern[:size]
        self.hash.update(part)
        return part


class Sink:
    """Where the encrypted archive goes: a file, and each write's size with how much plaintext had gone in."""

    def __init__(self, file: io.BufferedWriter) -> None:
        self.file = file
        self.writes: list[int] = []

    def write(self, data: bytes) -> int:
        self.writes.append(len(data))
        return self.file.write(data)


def test_a_large_archive_goes_through_a_chunk_at_a_time_in_bounded_memory(tmp_path: Path) -> None:
    """64 MiB through the encryptor in 1 MiB chunks (the default), then back through the decryptor, while
    tracemalloc records the largest memory held: a few chunks, not the archive."""
    chunk = backup_crypto.CHUNK_SIZE
    size = 64 * chunk + 12345
    payload = Payload(size)
    path = tmp_path / "large.enc"
    tracemalloc.start()
    try:
        with path.open("wb") as file:
            sink = Sink(file)
            writer = EncryptingWriter(sink, KEY)  # type: ignore[arg-type]  # a recording stand-in: write() is all it needs
            held = []
            while part := payload.read(64 * 1024):  # as tarfile writes: small pieces
                writer.write(part)
                # What went in minus what was sealed: never more than one chunk waits.
                held.append(size - payload.left - (len(sink.writes) - 1) * chunk)
            writer.finish()
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        out = hashlib.sha256()
        reads = 0
        with path.open("rb") as file:
            header = read_header(file)
            assert header is not None and header.chunk_size == chunk
            reader = DecryptingReader(file, KEY, header)
            while part := reader.read(16 * 1024):
                out.update(part)
                reads += 1
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert out.digest() == payload.hash.digest()
    assert path.stat().st_size == HEADER_SIZE + size + 65 * TAG_SIZE
    assert sink.writes[0] == HEADER_SIZE and len(sink.writes) == 1 + 65  # the header, then one write a chunk
    assert set(sink.writes[1:-1]) == {chunk + TAG_SIZE} and sink.writes[-1] == 12345 + TAG_SIZE
    assert max(held) <= chunk
    assert reader.chunks == 65 and reads >= size // (16 * 1024)
    assert encrypt_peak < 4 * chunk, encrypt_peak
    assert decrypt_peak < 4 * chunk, decrypt_peak
