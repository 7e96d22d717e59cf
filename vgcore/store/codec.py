"""A result as stored bytes: data only, signed.

    MAGIC | HMAC-SHA256(secret, MAGIC + name + body) | body
    body = 8-byte length of the header | header (JSON) | one Arrow IPC stream per frame

The header holds the format, the config's type and fields, the result's plain fields
(elapsed_s, finished, stopped_at) and each frame's name and byte length. Reading never
unpickles or imports anything: the config and result classes come from the config the
caller asked for (`result_type`), the frames are Arrow data, the rest JSON. The HMAC,
keyed by `VGLAB_STORE_KEY` (or a key file only this user can read), binds the bytes to
their store key: an entry forged by anyone who can write the store but not read the key,
or copied from another key, is a miss — recomputed, never served.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import math
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from . import base
from .base import DamagedEntry, log
from .keys import kind_of

FORMAT = 2
MAGIC = b"VGLAB-RESULT-2\n"
KEY_ENV = "VGLAB_STORE_KEY"
MIN_KEY_CHARS = 16
_MAC = 32                       # bytes of HMAC-SHA256
_LENGTH = 8                     # bytes of the header's length
MAX_HEADER_BYTES = 2**20


class MissingKey(ValueError):
    """A shared store was chosen without VGLAB_STORE_KEY."""


# ---------------------------------------------------------------------------------------
# The secret
# ---------------------------------------------------------------------------------------
def key_from_env() -> bytes | None:
    """VGLAB_STORE_KEY as bytes, None when unset; ValueError when too short to be a key."""
    text = os.environ.get(KEY_ENV, "")
    if not text:
        return None
    if len(text) < MIN_KEY_CHARS:
        raise ValueError(f"{KEY_ENV}: a secret of at least {MIN_KEY_CHARS} characters is "
                         f"needed (got {len(text)}); e.g. python -c \"import secrets; "
                         f"print(secrets.token_hex(32))\"")
    return text.encode()


def key_file_secret(path: Path) -> bytes:
    """The secret in `path`, made (32 random bytes, readable by this user only) when
    missing. A file others may read or write, or that is not ours, is refused: a key in
    it would sign forged entries as well."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)          # atomic: a second process keeps the first's key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() \
            or info.st_mode & 0o077:
        raise PermissionError(f"{path} is not a file only this user can read and write "
                              f"(mode {stat.filemode(info.st_mode)}); refusing it as the "
                              f"store's key")
    secret = path.read_text().strip().encode()
    if len(secret) < MIN_KEY_CHARS:
        raise PermissionError(f"{path} holds no key ({len(secret)} characters)")
    return secret


# ---------------------------------------------------------------------------------------
# Encoding and decoding
# ---------------------------------------------------------------------------------------
def _frame_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)
            if f.type in ("pd.DataFrame", pd.DataFrame)]


def _plain_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)
            if f.name != "config" and f.name not in _frame_fields(cls)]


def _mac(secret: bytes, name: str, body: bytes) -> bytes:
    return hmac.new(secret, MAGIC + name.encode() + b"\0" + body, hashlib.sha256).digest()


def _arrow(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _frame(data: bytes) -> pd.DataFrame:
    import pyarrow as pa
    return pa.ipc.open_stream(pa.BufferReader(data)).read_all().to_pandas()


def encode(value: Any, secret: bytes, name: str) -> bytes:
    """`value` (a result dataclass: a config, DataFrames and plain numbers) as signed
    bytes for store key `name`."""
    cls = type(value)
    frames = [(f, _arrow(getattr(value, f))) for f in _frame_fields(cls)]
    header = {"format": FORMAT, "kind": kind_of(value.config),
              "config": value.config.to_dict(),
              "fields": {f: getattr(value, f) for f in _plain_fields(cls)},
              "frames": [[f, len(data)] for f, data in frames]}
    head = json.dumps(header, allow_nan=True).encode()
    body = b"".join([len(head).to_bytes(_LENGTH, "big"), head, *(d for _, d in frames)])
    return MAGIC + _mac(secret, name, body) + body


def storable_bytes(value: Any, secret: bytes, name: str) -> bytes | None:
    """`encode`d, or None (with a warning) when over MAX_RESULT_BYTES: a bigger result is
    shown to its asker but not kept."""
    blob = encode(value, secret, name)
    if len(blob) > base.MAX_RESULT_BYTES:
        log.warning("vgcore.store: a result of %.1f MB is not stored (the cap is %.0f MB)",
                    len(blob) / 2**20, base.MAX_RESULT_BYTES / 2**20)
        return None
    return blob


def _plain(name: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise DamagedEntry(f"field {name!r} is not a number")


def decode(blob: Any, config: Any, result_cls: type, secret: bytes, name: str) -> Any:
    """The `result_cls` that `encode` wrote for `config` under `name`, or DamagedEntry
    (never another exception): unsigned, forged, truncated, too big, another config's."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise DamagedEntry(f"not bytes but {type(blob).__name__}")
    blob = bytes(blob)
    if len(blob) > base.MAX_RESULT_BYTES:
        raise DamagedEntry(f"{len(blob):,} bytes, over the {base.MAX_RESULT_BYTES:,} cap")
    start = len(MAGIC) + _MAC
    if len(blob) < start + _LENGTH or not blob.startswith(MAGIC):
        raise DamagedEntry(f"not this store's format ({len(blob)} bytes)")
    body = blob[start:]
    if not hmac.compare_digest(_mac(secret, name, body), blob[len(MAGIC):start]):
        raise DamagedEntry(f"signature mismatch ({len(blob)} bytes): damaged, forged or "
                           f"written with another VGLAB_STORE_KEY")
    try:
        size = int.from_bytes(body[:_LENGTH], "big")
        if size > MAX_HEADER_BYTES:
            raise DamagedEntry(f"header of {size:,} bytes")
        header = json.loads(body[_LENGTH:_LENGTH + size])
        if header.get("format") != FORMAT or header.get("kind") != kind_of(config):
            raise DamagedEntry("another format or kind")
        if type(config).from_dict(header["config"]) != config:
            raise DamagedEntry("holds another config's result")
        fields = {f: _plain(f, header["fields"][f]) for f in _plain_fields(result_cls)}
        offset, frames = _LENGTH + size, {}
        names = [n for n, _ in header["frames"]]
        if sorted(names) != sorted(_frame_fields(result_cls)):
            raise DamagedEntry(f"frames {names}")
        for frame_name, length in header["frames"]:
            frames[frame_name] = _frame(body[offset:offset + int(length)])
            offset += int(length)
        if offset != len(body):
            raise DamagedEntry("trailing bytes")
        if isinstance(fields.get("elapsed_s"), float) and not math.isfinite(
                fields["elapsed_s"]):
            raise DamagedEntry("elapsed_s is not finite")
        return result_cls(config=config, **fields, **frames)
    except DamagedEntry:
        raise
    except Exception as err:  # noqa: BLE001 -- whatever a bad header raises is damage
        raise DamagedEntry(f"unreadable ({type(err).__name__}: {err})") from None


def decoded(blob: Any, config: Any, result_cls: type, secret: bytes, name: str,
            where: str, drop: Callable[[], Any]) -> Any | None:
    """`decode` for a backend: None for an absent entry; a bad one is logged, deleted
    with `drop()` (so it is recomputed) and None."""
    if blob is None:
        return None
    try:
        return decode(blob, config, result_cls, secret, name)
    except DamagedEntry as err:
        log.warning("vgcore.store: damaged entry %s ignored and deleted (%s); recomputing",
                    where, err)
        drop()
        return None
