"""A run folder: `run.json` (the run's recipe), per-epoch checkpoints and history.

After every epoch the model with its optimizer state is written atomically to
`epoch_NNNN.keras` and the previous checkpoint is removed; `history.json`
holds every epoch's logs. A run is resumed from its newest complete
checkpoint; a different recipe in the same folder is refused.

Example:
>>> from zoo.training import run_folder
>>> run_folder.latest_checkpoint("runs/ae_conv_mnist")
(12, 'runs/ae_conv_mnist/epoch_0012.keras')
"""

import glob
import json
import os
import re
import shutil
import zipfile

import keras

from zoo import atomic

_CHECKPOINT = re.compile(r"epoch_(\d{4,})\.keras$")
RUN_FILE = "run.json"
HISTORY_FILE = "history.json"


def _checkpoints(run_dir):
    for path in glob.glob(os.path.join(run_dir, "epoch_*.keras")):
        match = _CHECKPOINT.search(os.path.basename(path))
        if match:
            yield int(match.group(1)), path


def latest_checkpoint(run_dir):
    """Returns `(epoch, path)` of the newest complete checkpoint in a run folder, or `(0, None)`."""
    return max(_checkpoints(run_dir), default=(0, None))


def prepare(run_dir, run_key, overwrite=False):
    """Checks or creates a run folder; returns `(epoch, checkpoint)` to resume from.

    Args:
        run_dir: str. The run folder.
        run_key: dict. The fields that define the run (`Recipe.run_key()`).
        overwrite: bool. Start an existing aezoo run folder over.

    Returns:
        `(0, None)` for a new run, else the newest complete checkpoint.
    """
    run_file = os.path.join(run_dir, RUN_FILE)
    if overwrite and os.path.exists(run_dir):
        if not os.path.exists(run_file) and os.listdir(run_dir):
            raise FileExistsError(f"{run_dir} is not an aezoo run folder (no run.json); "
                                  "refusing to delete it.")
        shutil.rmtree(run_dir)
    if os.path.exists(run_dir) and not os.path.isdir(run_dir):
        raise NotADirectoryError(f"--run-dir must be a folder. Received: {run_dir} (a file)")
    if os.path.exists(run_file):
        with open(run_file) as f:
            saved = json.load(f)["recipe"]
        # A key missing from an older run.json means an off default (0, False, None).
        changed = sorted(k for k in set(saved) | set(run_key)
                         if (saved.get(k) or None) != (run_key.get(k) or None))
        if changed:
            raise ValueError(
                f"{run_dir} holds a different run (differs in {', '.join(changed)}). Use the "
                "same arguments to resume, another --run-dir, or --overwrite to start over."
            )
        epoch, checkpoint = latest_checkpoint(run_dir)
        if checkpoint is not None and not zipfile.is_zipfile(checkpoint):
            raise ValueError(f"{checkpoint} is not a valid .keras file (truncated or corrupt): "
                             "delete it to resume from an earlier epoch, or start over with "
                             "--overwrite.")
        return epoch, checkpoint
    os.makedirs(run_dir, exist_ok=True)
    with atomic.atomic_file(run_file, suffix=".json") as tmp, open(tmp, "w") as f:
        json.dump({"recipe": run_key}, f, indent=2)
    return 0, None


def read_history(run_dir, epochs):
    """Returns the first `epochs` epochs of a run's saved history (empty for a new run)."""
    path = os.path.join(run_dir, HISTORY_FILE)
    if not epochs or not os.path.exists(path):
        return {}
    with open(path) as f:
        return {k: v[:epochs] for k, v in json.load(f).items()}


class RunCheckpoint(keras.callbacks.Callback):
    """Writes model + optimizer state and the history atomically after each epoch.

    Args:
        run_dir: str. The run folder.
        history: dict. Logs of the epochs already done (a resumed run).
    """

    def __init__(self, run_dir, history=None):
        super().__init__()
        self.run_dir = run_dir
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        # History first: a kill between the two writes then leaves one epoch too many in
        # history.json (cut on resume), never one too few.
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        history_path = os.path.join(self.run_dir, HISTORY_FILE)
        with atomic.atomic_file(history_path, suffix=".json") as tmp, open(tmp, "w") as f:
            json.dump(self.history, f)
        path = os.path.join(self.run_dir, f"epoch_{epoch + 1:04d}.keras")
        with atomic.atomic_file(path, suffix=".keras") as tmp:
            self.model.save(tmp)
        # Older checkpoints go only once the new one is complete.
        for old_epoch, old in list(_checkpoints(self.run_dir)):
            if old_epoch < epoch + 1:
                os.remove(old)
