"""TensorFlow without its C++ chatter: quiet imports, and a filter for every CLI command.

TensorFlow's C++ side logs through absl straight to file descriptor 2,
bypassing Python and, for some lines, ignoring `TF_CPP_MIN_LOG_LEVEL`:
`I0000 ... port.cc] oneDNN custom operations are on`, `E0000 ...
cuda_platform.cc] failed call to cuInit` on the first op of a machine
without a GPU, `W0000 ...` lines from the LiteRT converter, and LiteRT's
`INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`. Two tools:

- `import_tensorflow()` imports TensorFlow (with Keras and TFP) and lets it
  probe its devices with descriptor 2 sent to /dev/null, so library users do
  not see the start-up lines either;
- `filtered_stderr()` puts a filter on descriptor 2 for the length of a CLI
  command: absl/glog-formatted lines (`E0000 00:00:...  123 file.cc:52] ...`)
  are dropped, everything else (progress, errors) passes unchanged. Child
  processes inherit the filter.

`AEZOO_DEBUG=1` turns both off, so the chatter shows when it is wanted.
"""

import contextlib
import os
import re
import sys
import threading

DEBUG_ENV = "AEZOO_DEBUG"
# absl / glog line prefix: severity letter, MMDD, time, thread id, file:line]
_CHATTER = re.compile(rb"^[EWIF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\s\]]+:\d+\] ")
_ABSL_NOTICE = b"WARNING: All log messages before absl::InitializeLog() is called"
# LiteRT's own logger, when an interpreter starts.
_LITERT = re.compile(rb"^INFO: (Created|Initialized) TensorFlow Lite")


def debugging():
    """True when `$AEZOO_DEBUG` is set to anything but empty or `0`."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def is_chatter(line):
    """True for a line TensorFlow's C++ logging wrote (bytes or str)."""
    if isinstance(line, str):
        line = line.encode(errors="replace")
    line = line.lstrip(b"\r")
    return bool(_CHATTER.match(line) or _LITERT.match(line)) or line.startswith(_ABSL_NOTICE)


@contextlib.contextmanager
def silenced_stderr():
    """Sends file descriptor 2 to /dev/null: TF's C++ logs bypass Python."""
    if debugging():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Returns the `tensorflow` module, imported quietly (with TFP and Keras).

    The device probe (`cuInit` and friends, which log on a machine without a
    GPU) runs here too, silenced; it creates no logical device, so logical
    device configuration stays possible afterwards.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with silenced_stderr():
        import keras  # noqa: F401
        import tensorflow as tf
        import tensorflow_probability  # noqa: F401

        tf.get_logger().setLevel("ERROR")
        tf.config.list_physical_devices()
    return tf


class _LineFilter:
    """Copies bytes from a pipe to a file descriptor, dropping C++ log lines."""

    def __init__(self, read_fd, out_fd):
        self.read_fd, self.out_fd = read_fd, out_fd
        self.pending = b""
        self.passing = False  # inside a line already judged harmless

    def _write(self, data):
        while data:
            data = data[os.write(self.out_fd, data):]

    def _could_be_chatter(self, start):
        # Decide early for lines that cannot be chatter, so live progress shows at once.
        start = start.lstrip(b"\r")
        if not start:
            return True
        return start[:1] in b"EWIF" or _ABSL_NOTICE.startswith(start[:len(_ABSL_NOTICE)])

    def feed(self, data):
        self.pending += data
        while True:
            ends = [i for i in (self.pending.find(b"\n"), self.pending.find(b"\r", 1))
                    if i >= 0]
            if not ends:
                break
            end = min(ends) + 1
            segment, self.pending = self.pending[:end], self.pending[end:]
            if self.passing or not is_chatter(segment):
                self._write(segment)
            self.passing = False
        if self.pending and (self.passing or not self._could_be_chatter(self.pending)):
            self._write(self.pending)
            self.pending, self.passing = b"", True

    def run(self):
        with contextlib.suppress(OSError):
            while data := os.read(self.read_fd, 65536):
                self.feed(data)
        if self.pending and (self.passing or not is_chatter(self.pending)):
            with contextlib.suppress(OSError):
                self._write(self.pending)
        os.close(self.read_fd)


@contextlib.contextmanager
def filtered_stderr():
    """Filters TensorFlow's C++ log lines out of file descriptor 2 inside the block.

    Example:
    >>> with filtered_stderr():
    ...     run_command()      # progress and errors on stderr, no E0000/I0000 lines
    """
    if debugging():
        yield
        return
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    saved = os.dup(2)
    line_filter = _LineFilter(read_fd, saved)
    thread = threading.Thread(target=line_filter.run, name="aezoo-stderr-filter", daemon=True)
    thread.start()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe loses its last writer: the filter drains and stops
        # A child process that outlives the command keeps the pipe open: do not wait on it.
        thread.join(timeout=5)
        if not thread.is_alive():
            os.close(saved)
