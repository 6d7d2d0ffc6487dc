"""Reliability sweep, hub: bad servers, bad preset.json, bad caches, one ValueError each.

A real `http.server` on 127.0.0.1 serves a preset folder written by
`save_preset`, and copies of it damaged on purpose; `hub_server` adds routes
that redirect in a loop, send an HTML page, announce a 10 GB Content-Length
or cut the connection halfway. After each case the cache holds no file.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from hub_server import cache_files, free_port, serve
from reliability_cases import check_call, ids

import zoo
from zoo.hub import folder as preset_folder
from zoo.hub import remote


def load(url, **options):
    """What a user calls: `zoo.load(url)`."""
    return zoo.load(url, **options)


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    """A served root holding `tiny/` (a good preset) and damaged copies of it."""
    root = tmp_path_factory.mktemp("www")
    model = zoo.build("ae", input_shape=(8, 8, 1), latent_dim=2, backbone="mlp",
                      hidden_units=(64,))
    preset_folder.save_preset(model, root / "tiny", figure=None)
    for name, change in (
        ("missing_fields", lambda p: (p.pop("files"), p.pop("variant"))),
        ("dotdot", lambda p: p["files"].update({"../evil.py": {"sha256": "0" * 64,
                                                              "bytes": 3}})),
        ("absolute", lambda p: p["files"].update({"/etc/passwd": {"sha256": "0" * 64,
                                                                 "bytes": 3}})),
    ):
        shutil.copytree(root / "tiny", root / name)
        preset = json.loads((root / name / "preset.json").read_text())
        change(preset)
        (root / name / "preset.json").write_text(json.dumps(preset))
    shutil.copytree(root / "tiny", root / "tampered")
    data = bytearray((root / "tampered" / "model.keras").read_bytes())
    data[len(data) // 3] ^= 0x01
    (root / "tampered" / "model.keras").write_bytes(bytes(data))
    return root


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv(remote.CACHE_ENV, str(path))
    return path


SERVED = {
    "hub-404": "/nothing_here",
    "hub-truncated": "/_/cut/tiny",
    "hub-content-type": "/_/html/tiny",
    "hub-missing-fields": "/missing_fields",
    "hub-dotdot": "/dotdot",
    "hub-absolute": "/absolute",
    "hub-redirect-loop": "/_/loop/tiny",
    "hub-content-length": "/_/huge/tiny",
    "hub-tampered": "/tampered",
}


@pytest.mark.parametrize("case_id", sorted(SERVED))
def test_bad_server_or_preset_is_one_value_error(case_id, www, cache):
    with serve(www) as base:
        check_call(case_id, lambda: load(base + SERVED[case_id]))
    assert cache_files(cache) == []


def test_connection_refused(cache):
    check_call("hub-connection-refused",
               lambda: load(f"http://127.0.0.1:{free_port()}/tiny"))
    assert cache_files(cache) == []


def test_pin_mismatch(www, cache):
    other = preset_folder.sha256_file(www / "dotdot" / "preset.json")
    with serve(www) as base:
        check_call("hub-pin", lambda: load(f"{base}/tiny", sha256=other))
    assert cache_files(cache) == []


def test_scheme(cache):
    check_call("hub-scheme", lambda: load("ftp://127.0.0.1/tiny"))
    assert not cache.exists()


def test_read_only_cache(www, monkeypatch):
    monkeypatch.setenv(remote.CACHE_ENV, "/proc/aezoo-cache")
    with serve(www) as base:
        check_call("hub-cache-read-only", lambda: load(f"{base}/tiny"))
    assert not os.path.exists("/proc/aezoo-cache")


# Runs in a child process whose cache cannot hold model.keras; prints the error and
# what the cache holds afterwards.
_FULL_CACHE = textwrap.dedent("""
    import json, os, resource, signal, sys
    if sys.argv[2] == "limit":  # no tmpfs: a 32 kB file-size limit fails writes the same way
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))
    from zoo.hub import remote
    try:
        remote.fetch(sys.argv[1], progress=False)
        error = None
    except ValueError as caught:
        error = str(caught)
    files = [os.path.join(d, n) for d, _, names in os.walk(os.environ["AEZOO_CACHE"])
             for n in names]
    print(json.dumps({"error": error, "files": files}))
""")


def _fetch_into_full_cache(url, cache):
    env = {**os.environ, remote.CACHE_ENV: str(cache)}
    script = [sys.executable, "-c", _FULL_CACHE, url]
    mount = f"mount -t tmpfs -o size=32k tmpfs {cache} && exec \"$@\""
    if shutil.which("unshare"):
        result = subprocess.run(["unshare", "-rm", "sh", "-c", mount, "sh", *script, "tmpfs"],
                                env=env, capture_output=True, text=True, timeout=120)
        if result.returncode == 0:
            return json.loads(result.stdout)
    result = subprocess.run([*script, "limit"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_full_cache(www, tmp_path):
    cache = tmp_path / "small_cache"
    cache.mkdir()
    size = os.path.getsize(www / "tiny" / "model.keras")
    assert size > 32768, "the model must not fit in the 32 kB cache"
    with serve(www) as base:
        outcome = _fetch_into_full_cache(f"{base}/tiny", cache)

    def raise_it():
        if outcome["error"] is None:
            return outcome
        raise ValueError(outcome["error"])

    check_call("hub-cache-full", raise_it)
    assert outcome["files"] == []


def test_every_hub_case_has_a_test():
    tested = set(SERVED) | {"hub-connection-refused", "hub-pin", "hub-scheme",
                            "hub-cache-read-only", "hub-cache-full"}
    assert set(ids("hub")) == tested
