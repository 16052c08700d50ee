"""Encrypted backups: the archive as a stream of AES-256-GCM chunks, so that an archive of any size is encrypted
and decrypted in a memory of about two chunks, and any change, reordering, cut or extension is found
(docs/decisions/0011-backup-encryption.md).

The layout (integers big-endian)::

    header  "LINDUNG-BACKUP-ENC" (18 bytes)  format version (1 byte: 1)  chunk size (4 bytes)
            key id (8 bytes)  salt (32 bytes, random)  nonce prefix (7 bytes, random)
    chunks  AES-256-GCM(chunk key, nonce, plaintext, associated data = the header): the ciphertext and its
            16-byte tag. Every chunk holds ``chunk size`` bytes of the archive except the last, which holds
            from 0 to ``chunk size``; there is always a last one.

    chunk key  HKDF-SHA256(backup key, salt, "lindung-backup-1 chunk key"): new for every archive
    nonce      nonce prefix (7) + chunk number (4) + 1 for the last chunk, else 0 (1)

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, 2015), as in Tink's AES-GCM-HKDF
streaming AEAD and in age: the chunk number in the nonce stops chunks being swapped or repeated, the last
chunk's flag stops an archive cut at a chunk's end passing as whole, and the header as associated data stops
the header being changed. Nothing here imports Django: the errors carry facts, and ``lindung.server.backup``
words them.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lindung.backup_key import KEY_BYTES, key_id

MAGIC: Final = b"LINDUNG-BACKUP-ENC"
VERSION: Final = 1
_HEADER = struct.Struct(">18sBI8s32s7s")
HEADER_SIZE: Final = _HEADER.size
TAG_SIZE: Final = 16
CHUNK_SIZE = 1024 * 1024  # of the archives written; a reader takes the size from the header
MIN_CHUNK_SIZE: Final = 1024
MAX_CHUNK_SIZE: Final = 16 * 1024 * 1024
_LAST_CHUNK: Final = 2**32 - 1
_INFO: Final = b"lindung-backup-1 chunk key"


class EncryptionError(Exception):
    """An encrypted archive that cannot be read (the subclasses say why)."""


class UnknownVersion(EncryptionError):
    def __init__(self, version: int) -> None:
        super().__init__(f"encryption format version {version}")
        self.version = version


class WrongKey(EncryptionError):
    def __init__(self, archive_key_id: str, key_id: str) -> None:
        super().__init__(f"encrypted with key id {archive_key_id}, not {key_id}")
        self.archive_key_id = archive_key_id
        self.key_id = key_id


class Damaged(EncryptionError):
    """A chunk (or the header: chunk None) fails its check: changed, or cut inside a chunk."""

    def __init__(self, chunk: int | None) -> None:
        super().__init__("damaged header" if chunk is None else f"chunk {chunk} fails its check")
        self.chunk = chunk


class Truncated(EncryptionError):
    """The archive ends, whole chunk by whole chunk, before its last chunk."""

    def __init__(self, chunks: int) -> None:
        super().__init__(f"ends after {chunks} chunks, before the last")
        self.chunks = chunks


@dataclass(frozen=True)
class Header:
    chunk_size: int
    key_id: str
    salt: bytes
    nonce_prefix: bytes
    raw: bytes

    @classmethod
    def new(cls, key: bytes, chunk_size: int) -> Header:
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size {chunk_size} outside {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE}")
        salt, prefix = secrets.token_bytes(32), secrets.token_bytes(7)
        raw = _HEADER.pack(MAGIC, VERSION, chunk_size, bytes.fromhex(key_id(key)), salt, prefix)
        return cls(chunk_size, key_id(key), salt, prefix, raw)


def read_header(source: BinaryIO) -> Header | None:
    """The header at the start of ``source``, which is left after it; None (and ``source`` left where it was
    read to) when ``source`` does not start as an encrypted archive does."""
    start = _read_exactly(source, len(MAGIC))
    if start != MAGIC:
        return None
    rest = _read_exactly(source, HEADER_SIZE - len(MAGIC))
    if len(rest) < HEADER_SIZE - len(MAGIC):
        raise Damaged(None)
    raw = start + rest
    _magic, version, chunk_size, key_id_bytes, salt, prefix = _HEADER.unpack(raw)
    if version != VERSION:
        raise UnknownVersion(version)
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise Damaged(None)
    return Header(chunk_size, key_id_bytes.hex(), salt, prefix, raw)


def _chunk_cipher(key: bytes, header: Header) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a backup key is {KEY_BYTES} bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=header.salt, info=_INFO)
    return AESGCM(hkdf.derive(key))


def _nonce(header: Header, number: int, last: bool) -> bytes:
    return header.nonce_prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes, fewer only at the end of ``source`` (a pipe may answer a read with fewer)."""
    parts = []
    wanted = size
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class EncryptingWriter:
    """A file-like object that encrypts what is written into ``sink``, a chunk at a time: it holds at most one
    chunk. ``finish()`` writes the last chunk; an archive left unfinished (an error while writing) fails its
    check when read, so it can never pass for whole. Not an ``io`` object on purpose: those close themselves
    when collected, and a close here would seal a half-written archive."""

    def __init__(self, sink: BinaryIO, key: bytes, *, chunk_size: int | None = None) -> None:
        self._sink = sink
        self.header = Header.new(key, chunk_size or CHUNK_SIZE)
        self._cipher = _chunk_cipher(key, self.header)
        self._buffer = bytearray()
        self.chunks = 0  # written so far
        self.finished = False
        sink.write(self.header.raw)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self.finished:
            raise ValueError("write to a finished archive")
        view = memoryview(data).cast("B")
        size = len(view)
        chunk_size = self.header.chunk_size
        while view:
            # A full chunk waits until more comes: only then is it known not to be the last.
            if len(self._buffer) == chunk_size:
                self._seal(last=False)
            room = chunk_size - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
        return size

    def flush(self) -> None:
        """Nothing to do: a chunk is written when it is full (tarfile calls this)."""

    def finish(self) -> None:
        """Write the last chunk (possibly empty). The sink stays open: its owner flushes and closes it."""
        if not self.finished:
            self._seal(last=True)
            self.finished = True

    def _seal(self, *, last: bool) -> None:
        if self.chunks == _LAST_CHUNK and not last:
            raise ValueError("too many chunks for one archive")
        nonce = _nonce(self.header, self.chunks, last)
        self._sink.write(self._cipher.encrypt(nonce, bytes(self._buffer), self.header.raw))
        self._buffer.clear()
        self.chunks += 1


class DecryptingReader:
    """A file-like object that reads the archive that ``source`` holds encrypted (``source`` positioned after
    its ``header``), a chunk at a time: it holds one chunk and one byte of the next. Each chunk is checked before
    any of it is returned; the end of the archive (``read`` answering b"") is answered only after the last
    chunk, and ``read_to_end()`` checks the rest of an archive whose reader stopped early."""

    def __init__(self, source: BinaryIO, key: bytes, header: Header) -> None:
        if key_id(key) != header.key_id:
            raise WrongKey(header.key_id, key_id(key))
        self._source = source
        self.header = header
        self._cipher = _chunk_cipher(key, header)
        self._sealed_size = header.chunk_size + TAG_SIZE
        self._plain = b""
        self._offset = 0
        self._next = b""  # the first byte of the next chunk, read to learn whether this one is the last
        self.chunks = 0  # checked so far
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while part := self.read(self.header.chunk_size):
                parts.append(part)
            return b"".join(parts)
        while self._offset >= len(self._plain):
            if self.finished:
                return b""
            self._open_next()
        part = self._plain[self._offset : self._offset + size]
        self._offset += len(part)
        return part

    def read_to_end(self) -> None:
        """Check every chunk not yet read, up to and including the last."""
        while not self.finished:
            self._open_next()
        self._plain, self._offset = b"", 0

    def _open_next(self) -> None:
        sealed = self._next + _read_exactly(self._source, self._sealed_size + 1 - len(self._next))
        last = len(sealed) <= self._sealed_size
        sealed, self._next = (sealed, b"") if last else (sealed[: self._sealed_size], sealed[self._sealed_size :])
        number = self.chunks
        if last and not sealed and number == 0:
            raise Truncated(0)  # the header alone
        try:
            self._plain = self._cipher.decrypt(_nonce(self.header, number, last), sealed, self.header.raw)
        except InvalidTag:
            if last and self._authentic(sealed, number, last=False):
                raise Truncated(number + 1) from None  # a whole chunk, but not the last: the end was cut off
            raise Damaged(number) from None
        self._offset = 0
        self.chunks += 1
        self.finished = last

    def _authentic(self, sealed: bytes, number: int, *, last: bool) -> bool:
        try:
            self._cipher.decrypt(_nonce(self.header, number, last), sealed, self.header.raw)
        except InvalidTag:
            return False
        return True
