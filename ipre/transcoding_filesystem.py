"""A read-only fsspec filesystem that serves Windows-1252 text files as UTF-8.

DuckDB's CSV reader decodes UTF-8, UTF-16 and latin-1 itself, but cp1252 needs its
``encodings`` extension, which cannot be installed on these machines (docs/inputs.md). So a
cp1252 file is read through this filesystem: ``ipre1252://`` followed by the real path (a local
path or an ``s3://`` URI) yields the file's text re-encoded as UTF-8, and DuckDB parses that.
The five bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d) become the C1 control
characters latin-1 gives them, so no byte is lost. A file is decoded whole, once, and kept
in memory for the connection: cp1252 inputs are small master files and exports.
"""

from __future__ import annotations

import codecs
from typing import Any

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFile

from ipre.s3_filesystem import S3ReadOnlyFileSystem

PROTOCOL = "ipre1252"
PREFIX = f"{PROTOCOL}://"


def _undefined_as_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: an undefined cp1252 byte becomes the latin-1 character."""
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("ipre_cp1252_undefined", _undefined_as_latin1)


def cp1252_to_utf8(data: bytes) -> bytes:
    """cp1252 bytes → the same text as UTF-8 bytes."""
    return data.decode("cp1252", errors="ipre_cp1252_undefined").encode("utf-8")


class ConvertingFileSystem(AbstractFileSystem):
    """Read-only ``<protocol>://<path>``: the file at <path> (local or s3://), converted by
    ``convert`` (a subclass's), whole and once per file version, then served from memory."""

    protocol = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._local = LocalFileSystem()
        self._s3: S3ReadOnlyFileSystem | None = None
        self._converted: dict[tuple[str, str], bytes] = {}

    @classmethod
    def prefix(cls) -> str:
        return f"{cls.protocol}://"

    def convert(self, data: bytes) -> bytes:
        raise NotImplementedError

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        path = str(path)
        return path[len(cls.prefix()) :] if path.startswith(cls.prefix()) else path

    def _inner(self, path: str) -> tuple[AbstractFileSystem, str]:
        inner = self._strip_protocol(path)
        if inner.startswith(("s3://", "s3a://")):
            if self._s3 is None:
                self._s3 = S3ReadOnlyFileSystem()
            return self._s3, inner
        return self._local, inner

    def _data(self, path: str) -> bytes:
        inner_fs, inner = self._inner(path)
        # fsspec reuses one instance per process: a file rewritten since is converted again
        found = inner_fs.info(inner)
        key = (inner, f"{found.get('size')}:{found.get('mtime', found.get('LastModified'))}")
        if key not in self._converted:
            self._converted[key] = self.convert(inner_fs.cat_file(inner))
        return self._converted[key]

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        inner_fs, inner = self._inner(path)
        found = inner_fs.info(inner)
        if found.get("type") == "directory":
            return {**found, "name": self.prefix() + inner}
        return {**found, "name": self.prefix() + inner, "size": len(self._data(path))}

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        inner_fs, inner = self._inner(path)
        entries = inner_fs.ls(inner, detail=True)
        names = [self._outer_name(inner, entry["name"]) for entry in entries]
        return [self.info(name) for name in names] if detail else names

    def glob(self, path: str, maxdepth: int | None = None, **kwargs: Any) -> list[str]:
        inner_fs, inner = self._inner(path)
        kwargs.pop("detail", None)
        return [self._outer_name(inner, name) for name in inner_fs.glob(inner, maxdepth=maxdepth)]

    def exists(self, path: str, **kwargs: Any) -> bool:
        inner_fs, inner = self._inner(path)
        return inner_fs.exists(inner)

    def modified(self, path: str) -> Any:
        inner_fs, inner = self._inner(path)
        return inner_fs.modified(inner)

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> MemoryFile:
        if mode != "rb":
            raise PermissionError(f"{path}: this filesystem is read-only (mode {mode!r})")
        return MemoryFile(self, path, self._data(path))

    def _outer_name(self, pattern: str, name: str) -> str:
        """An inner match as a path of this filesystem (s3 matches get their scheme back)."""
        if pattern.startswith(("s3://", "s3a://")) and "://" not in name:
            name = pattern.split("://", 1)[0] + "://" + name
        return self.prefix() + name


class Cp1252AsUtf8FileSystem(ConvertingFileSystem):
    """``ipre1252://<path>``: the file at <path> (local or s3://), re-encoded to UTF-8."""

    protocol = PROTOCOL

    def convert(self, data: bytes) -> bytes:
        return cp1252_to_utf8(data)
