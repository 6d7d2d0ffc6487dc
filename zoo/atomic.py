"""Atomic writes: build in a temporary sibling, rename at the end.

A failure (or a kill) leaves the target as it was; no half-written output.
"""

import contextlib
import os
import shutil
import tempfile


def check_writable_target(target, overwrite=False):
    """Raises before any work if `target` exists (without overwrite) or cannot be written."""
    target = os.path.abspath(target)
    if os.path.exists(target) and not overwrite:
        raise FileExistsError(f"{target} exists. Pass overwrite=True (--overwrite) to replace it.")
    parent = os.path.dirname(target)
    probe = parent
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not probe or not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(f"Cannot write to {parent}: the folder is not writable.")
    return target


@contextlib.contextmanager
def atomic_directory(target, overwrite=False):
    """Yields a temporary folder that becomes `target` when the block succeeds.

    Example:
    >>> with atomic_directory("out/model") as tmp:
    ...     write_files(tmp)
    """
    target = check_writable_target(target, overwrite)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.tmp-", dir=parent)
    try:
        yield tmp
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old-", dir=parent)
            os.rename(target, os.path.join(old, "x"))
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(target, overwrite=True, suffix=""):
    """Yields a temporary path that replaces `target` when the block succeeds."""
    target = check_writable_target(target, overwrite)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.tmp-", suffix=suffix,
                               dir=parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
