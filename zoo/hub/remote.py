"""Preset folders at URLs: downloaded once into a cache, verified, then loaded offline.

`fetch(url)` resolves a `file://`, `http://` or `https://` URL of a preset
folder (see `zoo.hub.folder`) to a verified local copy under the cache
(`$AEZOO_CACHE`, default `~/.cache/aezoo`), the way keras-hub resolves a
handle to a cached preset folder and timm a `hf_hub_id` to cached weights:

1. `URL/preset.json` is read (at most 1 MiB) and checked: required fields,
   plain file names, a sha256 and a size for every file. With `sha256=`, its
   own sha256 must match the pin, which pins every file it lists.
2. Every listed file is streamed into a hidden temporary folder beside its
   cache entry, hashed as it arrives and refused on the first sign of
   trouble: a Content-Length other than the listed size, more or fewer bytes
   than listed, an HTML page instead of a file, or a sha256 that differs.
3. Only a folder whose every file matched is renamed into place: no partial
   file is ever visible, a failure leaves nothing in the cache, and Keras
   never reads a byte that was not verified.

A lock per cache entry lets two processes load the same URL at once: one
downloads, the other waits and reuses the verified folder. A cached entry is
re-verified (sizes and sha256) on every load and is used without touching
the network, so a preset loads offline once fetched.

Every failure is one `ValueError` naming the URL (or file), what was
expected and what was received.

Example:
>>> folder = fetch("https://example.org/presets/ae_conv_mnist")
>>> model = zoo.load("https://example.org/presets/ae_conv_mnist")   # the same, then loads
"""

import contextlib
import errno
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from zoo.hub import folder as preset_folder

CACHE_ENV = "AEZOO_CACHE"
DEFAULT_CACHE = os.path.join("~", ".cache", "aezoo")
SCHEMES = ("file", "http", "https")
TIMEOUT_S = 60.0
# Content types a server sends for an error, login or index page instead of the file.
PAGE_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def is_url(value):
    """True when `value` is a string starting with `file://`, `http://` or `https://`."""
    return isinstance(value, str) and value.split("://", 1)[0].lower() in SCHEMES and (
        "://" in value)


def check_url(url):
    """Returns the URL of a preset folder, normalized (no trailing `/` or `/preset.json`).

    Raises:
        ValueError: for anything but a `file://`, `http://` or `https://` URL
            with a host (http) or a path (file).
    """
    if not is_url(url):
        raise ValueError("Expected a file://, http:// or https:// URL of a preset folder. "
                         f"Received: {url!r}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        raise ValueError(f"Expected an http(s) URL with a host. Received: {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("Expected the URL of a preset folder, without a query or fragment. "
                         f"Received: {url!r}")
    url = url.rstrip("/")
    if url.endswith("/" + preset_folder.PRESET_FILE):
        url = url[: -len(preset_folder.PRESET_FILE) - 1]
    if not urllib.parse.urlsplit(url).path.strip("/"):
        raise ValueError(f"Expected the URL of a preset folder (with a path). Received: {url!r}")
    return url


def cache_dir():
    """Returns the cache folder: `$AEZOO_CACHE`, or `~/.cache/aezoo`."""
    return os.path.abspath(os.path.expanduser(os.environ.get(CACHE_ENV) or DEFAULT_CACHE))


def cache_path(url):
    """Returns where the preset folder at `url` is (or would be) cached.

    `<cache>/presets/<last URL segment>-<16 hex of the URL's sha256>`: readable,
    and distinct for two URLs that end in the same name.
    """
    url = check_url(url)
    tail = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    tail = "".join(c if c.isalnum() or c in "_-." else "_" for c in tail).strip(".")[:64]
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    return os.path.join(cache_dir(), "presets", f"{tail or 'preset'}-{key}")


def _say_to_stderr(line, end="\n"):
    sys.stderr.write(line + end)
    sys.stderr.flush()


class _Progress:
    """Download progress on stderr: updated in place on a terminal, one line otherwise."""

    def __init__(self, say):
        self.say = say
        self.live = say is _say_to_stderr and sys.stderr.isatty()

    def start(self, url, size):
        self.url, self.size, self.shown = url, size, -1
        if not self.live and self.say:
            self.say(f"aezoo: downloading {url} ({_human(size)})")

    def update(self, received):
        if not self.live:
            return
        percent = 100 * received // max(self.size, 1)
        if percent != self.shown:
            self.shown = percent
            _say_to_stderr(f"\raezoo: downloading {self.url} {_human(received)} / "
                           f"{_human(self.size)} ({percent}%)", end="")

    def done(self):
        if self.live:
            _say_to_stderr("")


def _human(size):
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _open(url, timeout):
    """Opens `url`; every network failure becomes one ValueError naming it."""
    request = urllib.request.Request(url, headers={"User-Agent": "aezoo",
                                                   "Accept-Encoding": "identity"})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:
            raise ValueError(f"Cannot download {url}: the server redirects in a loop (or more "
                             f"than 10 times); last status HTTP {error.code}. Expected the "
                             "file.") from None
        raise ValueError(f"Cannot download {url}: HTTP {error.code} {error.reason}. Expected "
                         "HTTP 200 with the file.") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ConnectionRefusedError):
            text = "connection refused (is the server running?)"
        elif isinstance(reason, FileNotFoundError):
            text = "no such file"
        elif isinstance(reason, OSError):
            text = reason.strerror or str(reason)
        else:
            text = str(reason)
        raise ValueError(f"Cannot download {url}: {text}.") from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, bad status lines
        raise ValueError(f"Cannot download {url}: {type(error).__name__}: {error}.") from None


def _check_response(url, response, expected_bytes, exact):
    content_type = response.headers.get_content_type()
    if content_type in PAGE_TYPES:
        raise ValueError(f"Cannot download {url}: the server sent a web page (Content-Type "
                         f"{content_type}), not the file. Expected the file's bytes.")
    length = response.headers.get("Content-Length")
    if length is None:
        return
    try:
        length = int(length)
    except ValueError:
        raise ValueError(f"Cannot download {url}: Content-Length is not a number. Received: "
                         f"{length!r}") from None
    if length > expected_bytes or (exact and length != expected_bytes):
        what = "lists" if exact else "allows at most"
        raise ValueError(f"Refusing {url}: the server announces Content-Length {length} bytes; "
                         f"preset.json {what} {expected_bytes} bytes. Nothing was downloaded.")


def _read(url, response, sink, expected_bytes, exact, progress):
    """Streams a response into `sink` (a binary file); returns `(bytes read, sha256)`."""
    digest = hashlib.sha256()
    received = 0
    progress.start(url, expected_bytes)
    try:
        while True:
            # Never read more than one byte past what is expected.
            block = response.read(min(_CHUNK, expected_bytes + 1 - received))
            if not block:
                break
            received += len(block)
            if received > expected_bytes:
                what = "lists" if exact else "allows at most"
                raise ValueError(f"Refusing {url}: the server sent more than the "
                                 f"{expected_bytes} bytes preset.json {what}.")
            digest.update(block)
            sink.write(block)
            progress.update(received)
    except (OSError, http.client.HTTPException) as error:
        if isinstance(error, OSError) and error.errno in _FULL:
            raise
        raise ValueError(f"Cannot download {url}: the transfer broke after {received} bytes "
                         f"({type(error).__name__}: {error}).") from None
    finally:
        progress.done()
        response.close()
    if exact and received != expected_bytes:
        raise ValueError(f"Refusing {url}: truncated download, received {received} of the "
                         f"{expected_bytes} bytes preset.json lists.")
    return received, digest.hexdigest()


def _download_preset_json(url, pin, timeout):
    source = f"{url}/{preset_folder.PRESET_FILE}"
    response = _open(source, timeout)
    _check_response(source, response, preset_folder.MAX_PRESET_JSON_BYTES, exact=False)

    class _Buffer(bytearray):
        write = bytearray.extend

    data = _Buffer()
    _read(source, response, data, preset_folder.MAX_PRESET_JSON_BYTES, False,
          _Progress(None))
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    if pin is not None and digest != pin:
        raise ValueError(f"Refusing {source}: its sha256 differs from the one pinned "
                         f"(expected {pin}, received {digest}). Nothing was kept in the cache.")
    return data, preset_folder.parse_preset(data, source)


def _download_file(url, path, entry, progress, timeout):
    response = _open(url, timeout)
    _check_response(url, response, entry["bytes"], exact=True)
    with open(path, "wb") as sink:
        _, digest = _read(url, response, sink, entry["bytes"], True, progress)
    if digest != entry["sha256"]:
        raise ValueError(f"Refusing {url}: its sha256 differs from preset.json (expected "
                         f"{entry['sha256']}, received {digest}). The file is corrupt or was "
                         "modified; nothing was kept in the cache.")


def _cached(target, pin):
    """The verified cached preset at `target`, or None if absent, stale or damaged."""
    if not preset_folder.is_preset_folder(target):
        return None
    try:
        return preset_folder.read_preset(target, verify=True, sha256=pin)
    except (ValueError, OSError):
        return None


def _check_cache_writable(root):
    probe = root
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    try:
        if not os.path.isdir(probe):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        fd, path = tempfile.mkstemp(prefix=f".aezoo-write-probe-{os.getpid()}-", dir=probe)
        os.close(fd)
        os.remove(path)
    except OSError as error:
        raise ValueError(f"Cannot write to the aezoo cache {root}: the folder is not writable "
                         f"({error.strerror or error}). Set {CACHE_ENV} to a writable "
                         "folder.") from None


def _make_folders(path):
    """Creates `path` and its missing parents; returns those created, deepest first."""
    created = []
    probe = path
    while not os.path.exists(probe):
        created.append(probe)
        probe = os.path.dirname(probe)
    os.makedirs(path, exist_ok=True)
    return created


@contextlib.contextmanager
def _locked(target):
    """Holds an exclusive lock per cache entry (in the temp folder: the cache stays clean)."""
    import fcntl

    key = hashlib.sha256(target.encode()).hexdigest()[:24]
    with open(os.path.join(tempfile.gettempdir(), f"aezoo-cache-{key}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def fetch(url, sha256=None, progress=None, refresh=False, timeout=TIMEOUT_S):
    """Returns a verified local copy of the preset folder at `url`, downloading it once.

    Args:
        url: str. A `file://`, `http://` or `https://` URL of a preset folder
            (or of its `preset.json`).
        sha256: str or None. Expected sha256 of the folder's `preset.json`,
            which lists the sha256 of every other file: pins the whole
            preset. `zoo.save_preset` returns it. Defaults to `None`.
        progress: callable, False or None. Receives progress lines; `False`
            for none. Defaults to `None`: lines on stderr.
        refresh: bool. Download again even when a verified copy is cached.
            Defaults to `False`.
        timeout: float. Seconds to wait on the network per read. Defaults to
            `60`.

    Returns:
        The preset dict of the cached folder (see `zoo.hub.folder.read_preset`),
        with `"folder"` its path in the cache.

    Raises:
        ValueError: one line naming the URL or file, what was expected and
            what was received. Nothing is left in the cache.

    Example:
    >>> preset = fetch("http://127.0.0.1:8000/my_ae")
    >>> preset["folder"]
    '/home/me/.cache/aezoo/presets/my_ae-3f0c...'
    """
    url = check_url(url)
    pin = None if sha256 is None else preset_folder.check_sha256(sha256)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"`timeout` must be a positive number of seconds. Received: {timeout!r}")
    say = _say_to_stderr if progress is None else (progress or None)
    target = cache_path(url)
    if not refresh and (cached := _cached(target, pin)) is not None:
        return cached
    _check_cache_writable(cache_dir())
    created = []
    try:
        created = _make_folders(os.path.dirname(target))
        with _locked(target):
            # Another process may have finished the same download while we waited.
            if not refresh and (cached := _cached(target, pin)) is not None:
                return cached
            _download(url, target, pin, _Progress(say), timeout)
        return preset_folder.read_preset(target, verify=True, sha256=pin)
    except OSError as error:
        _remove_empty(created)
        if error.errno in _FULL:
            raise ValueError(f"Cannot download {url}: the aezoo cache {cache_dir()} is full "
                             f"({error.strerror}). Free space or set {CACHE_ENV} to another "
                             "folder; nothing was kept in the cache.") from None
        raise ValueError(f"Cannot download {url} into the aezoo cache {cache_dir()}: "
                         f"{error.strerror or error}.") from None
    except BaseException:
        _remove_empty(created)
        raise


def _download(url, target, pin, progress, timeout):
    from zoo import atomic

    data, preset = _download_preset_json(url, pin, timeout)
    with atomic.atomic_directory(target, overwrite=True) as tmp:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        for name, entry in preset["files"].items():
            _download_file(f"{url}/{urllib.parse.quote(name)}", os.path.join(tmp, name), entry,
                           progress, timeout)
        with open(os.path.join(tmp, preset_folder.PRESET_FILE), "wb") as f:
            f.write(data)


def _remove_empty(folders):
    for path in folders:  # deepest first
        with contextlib.suppress(OSError):
            os.rmdir(path)


def load_url(url, sha256=None, progress=None, refresh=False):
    """Fetches (or reuses) the preset folder at `url`, then loads its verified model.

    Example:
    >>> model = load_url("http://127.0.0.1:8000/my_ae", sha256="3f0c...")
    """
    from zoo.hub.loading import deserialize

    preset = fetch(url, sha256=sha256, progress=progress, refresh=refresh)
    return deserialize(os.path.join(preset["folder"], preset_folder.MODEL_FILE))
