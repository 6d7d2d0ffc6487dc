"""Atomic writes: build in a temporary sibling, rename at the end.

A failure (or a kill) leaves the target as it was; no half-written output.
Temporary siblings are hidden and carry the writer's process id,
`.<name>.tmp-<pid>-<random>`: a later write to the same target removes
those whose process is gone (killed with SIGKILL, say) and leaves those of a
live process alone.
"""

import contextlib
import os
import re
import shutil
import tempfile

_TEMPORARY = re.compile(r"^\.(?P<base>.+)\.(?:tmp|old)-(?P<pid>\d+)-")


def _is_path(value):
    return isinstance(value, (str, os.PathLike)) and bool(os.fspath(value))


def check_writable_target(target, overwrite=False):
    """Raises before any work if `target` exists (without overwrite) or cannot be written.

    Writability is tested by creating (and removing) a probe file in the
    nearest existing folder above `target`, so read-only mounts such as
    /proc or /sys are caught even for root, who passes every permission check.
    """
    if not _is_path(target):
        raise TypeError(f"Expected a path (str or os.PathLike) to write to. Received: {target!r}")
    target = os.path.abspath(os.fspath(target))
    if os.path.exists(target) and not overwrite:
        raise FileExistsError(f"{target} exists. Pass overwrite=True (--overwrite) to replace it.")
    parent = os.path.dirname(target)
    probe = parent
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not probe or not os.path.isdir(probe):
        raise PermissionError(f"Cannot write to {parent}: {probe} is a file, not a folder, so "
                              "the folder is not writable.")
    try:
        fd, path = tempfile.mkstemp(prefix=f".aezoo-write-probe-{os.getpid()}-", dir=probe)
        os.close(fd)
        os.remove(path)
    except OSError as error:
        raise PermissionError(f"Cannot write to {parent}: the folder is not writable "
                              f"({error.strerror or error}).") from None
    return target


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(folder, base=None):
    """Removes hidden temporaries of dead writers in `folder` (of target `base` only, if given).

    Returns:
        The sorted names removed.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMPORARY.match(name)
        if not match or (base is not None and match.group("base") != base):
            continue
        if int(match.group("pid")) == os.getpid() or _alive(int(match.group("pid"))):
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        removed.append(name)
    return sorted(removed)


def _prefix(target, kind):
    return f".{os.path.basename(target)}.{kind}-{os.getpid()}-"


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
    remove_stale_temporaries(parent, os.path.basename(target))
    tmp = tempfile.mkdtemp(prefix=_prefix(target, "tmp"), dir=parent)
    try:
        yield tmp
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=_prefix(target, "old"), dir=parent)
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
    remove_stale_temporaries(parent, os.path.basename(target))
    fd, tmp = tempfile.mkstemp(prefix=_prefix(target, "tmp"), suffix=suffix, dir=parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
