"""Crash-safe file writes: a reader sees the old file or the new one, never a mix or nothing.

Write a temporary file in the same directory, fsync it, rename it over the target, then fsync
the directory so the rename itself survives a power cut. Files are created 0600.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_new(tmp: Path, path: Path) -> None:
    """Move `tmp` to `path` only if `path` does not exist, in one step where possible."""
    try:
        os.link(tmp, path)  # atomic, and refuses an existing target
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links: check, then rename (a narrow race, only at creation).
        if path.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Replace `path` with `data` atomically. With `exclusive`, fail (FileExistsError) if `path`
    already exists instead of replacing it: the create-if-absent check and the creation are one
    step, so two processes cannot both create."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as tmp_file:
            os.fchmod(tmp_file.fileno(), FILE_MODE)
            tmp_file.write(data)
            tmp_file.flush()
            os.fsync(tmp_file.fileno())
        if exclusive:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
