"""Builds the documentation site into site/ (`make docs`).

Everything generated goes to `build/docs_generated/` (ignored by git), which
`scripts/docs_hooks.py` adds to the pages of `docs/`:

- `gallery/`: one page per preset of `saved_models/manifest.json`, from its
  `card.md` and `figure.png` (and `preset.json` where the folder has one),
  and an index of cards with headline metrics;
- `bench/`: one page per `bench/results/*.md`, with its JSON beside it;
- `notebooks/`: every notebook of `notebooks/`, executed with nbclient under
  `AEZOO_SMOKE=1` in a temporary folder (the committed notebooks keep no
  outputs); a notebook that raises or shows no figure fails the build;
- `demo/models/`: every autoencoder preset exported to ONNX by
  `export.export_model` (which writes and checks `reference.npz`), the
  reference batches repacked as `reference.bin` + `reference.json` for the
  browser, and for image models the test-set anomaly scores and a 2-D plane
  of the latent space for the demo's latent walk;
- `demo/vendor/`, `vendor/katex/`: onnxruntime-web and KaTeX copied from
  `node_modules/` (npm install --ignore-scripts): the site loads nothing from
  a CDN.

Then `mkdocs build --strict` writes `site/`. Executed notebooks and exports
are cached in `build/docs_cache/`, keyed by the notebook (or preset file)
and a hash of the zoo/ and export/ sources, so a rebuild after editing a
page takes seconds.

Usage:
    .venv/bin/python scripts/build_docs.py              # everything, strict
    .venv/bin/python scripts/build_docs.py --no-cache   # re-execute and re-export
    .venv/bin/python scripts/build_docs.py --jobs 1     # notebooks one at a time
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATED = ROOT / "build" / "docs_generated"
CACHE = ROOT / "build" / "docs_cache"
SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"

# What the pages need from npm, copied at build time (DESIGN §14: threads need
# cross-origin isolation, so the page runs the single-threaded wasm build).
ORT_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.mjs")
KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")

# A notebook whose code calls one of these must show at least one PNG once executed.
FIGURE_CALLS = ("display(", "plt.show(", "fig.show(")

# Shown under the title of every executed notebook page.
SMOKE_NOTE = (
    "> **Executed on small settings.** `make docs` ran this notebook top to bottom "
    "with `AEZOO_SMOKE=1`: a subset of the data and an epoch or two, so that the site "
    "builds in minutes. Figures and numbers below come from that short run; the "
    "pretrained presets and the full settings do much better (run `notebooks/{}` "
    "without the variable, and see the model gallery).")

# Headline metrics of a gallery card: the first three a preset has, in this order.
HEADLINE_METRICS = (
    ("iw_nll", "IW-NLL {:.1f} nats"),
    ("mse", "MSE/pixel {:.4f}"),
    ("ratio_to_pca", "{:.2f}x PCA"),
    ("psnr_gain", "+{:.1f} dB denoising"),
    ("perplexity", "perplexity {:.1f}"),
    ("fid", "FID {:.1f}"),
    ("auroc", "anomaly AUROC {:.3f}"),
    ("code_zero_fraction", "{:.0%} zero codes"),
    ("jacobian_norm", "encoder ‖J‖² {:.2f}"),
    ("accuracy", "accuracy {:.3f}"),
    ("linear_probe_accuracy", "linear probe {:.3f}"),
)


def say(line):
    print(line, flush=True)


# ------------------------------------------------------------------ gallery


def load_presets(saved_models):
    """Preset name -> manifest entry, from `saved_models/manifest.json`."""
    path = pathlib.Path(saved_models) / "manifest.json"
    with open(path) as f:
        manifest = json.load(f)
    presets = manifest.get("presets") if isinstance(manifest, dict) else None
    if not isinstance(presets, dict) or not presets:
        received = sorted(manifest) if isinstance(manifest, dict) else manifest
        raise ValueError(f"{path} lists no presets: expected {{'presets': {{name: entry}}}}. "
                         f"Received keys: {received!r}")
    return dict(sorted(presets.items()))


def headline(metrics, limit=3):
    """Up to `limit` short metric strings for a gallery card."""
    out = []
    for key, fmt in HEADLINE_METRICS:
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(fmt.format(value))
        if len(out) == limit:
            break
    return out


def _card_body(card_text, name):
    """The card without its own title line (the gallery page writes one)."""
    lines = card_text.splitlines()
    if lines and lines[0].lstrip("# ").strip() == name:
        lines = lines[1:]
    return "\n".join(lines).strip() + "\n"


def _preset_folder_section(preset_json):
    """A table of a preset folder's files, from its `preset.json`."""
    files = preset_json.get("files")
    if not isinstance(files, dict) or not files:
        return ""
    rows = ["", "## Preset folder", "",
            "`zoo.load` checks every file of the folder against `preset.json` before Keras "
            "reads a byte.", "", "| file | bytes | sha256 |", "|---|---|---|"]
    for filename, entry in sorted(files.items()):
        entry = entry if isinstance(entry, dict) else {}
        rows.append(f"| `{filename}` | {entry.get('bytes', '')} | `{entry.get('sha256', '')}` |")
    return "\n".join(rows) + "\n"


def write_gallery(saved_models, out_dir):
    """Writes `out_dir/index.md` and `out_dir/<preset>/index.md` + `figure.png`.

    Args:
        saved_models: path. The `saved_models/` folder (manifest.json, one
            folder per preset with card.md and figure.png).
        out_dir: path. The gallery folder of the generated docs.

    Returns:
        The list of preset names written.
    """
    saved_models, out_dir = pathlib.Path(saved_models), pathlib.Path(out_dir)
    presets = load_presets(saved_models)
    out_dir.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, entry in presets.items():
        folder = saved_models / name
        card_path = folder / "card.md"
        figure_path = folder / "figure.png"
        for needed in (card_path, figure_path):
            if not needed.is_file():
                raise ValueError(f"preset {name!r} has no {needed.name}: every preset in "
                                 f"{saved_models / 'manifest.json'} needs a card and a figure. "
                                 f"Received: missing {needed}")
        page_dir = out_dir / name
        page_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(figure_path, page_dir / "figure.png")
        body = _card_body(card_path.read_text(), name)
        preset_json = folder / "preset.json"
        if preset_json.is_file():
            with open(preset_json) as f:
                body += _preset_folder_section(json.load(f))
        title = f"# {name}\n\n"
        source = (f"\n*Generated from `saved_models/{name}/card.md` by "
                  "`scripts/build_docs.py`.*\n")
        (page_dir / "index.md").write_text(title + body + source)
        metrics = entry.get("metrics") or {}
        what = f"`{entry.get('variant', '?')}` on `{entry.get('backbone', '?')}`, " \
               f"`{entry.get('dataset', '?')}`"
        cards.append(
            f"-   [**{name}**]({name}/index.md)\n\n"
            f"    ---\n\n"
            f"    ![{name}]({name}/figure.png)\n\n"
            f"    {what}  \n"
            f"    {'; '.join(headline(metrics)) or 'see the card'}\n")
    index = ["# Model gallery", "",
             f"The {len(presets)} pretrained presets that ship in `saved_models/` (inside the "
             "wheel). Each loads offline in one line, `zoo.load(NAME)`, and was trained by "
             "the recipe on its card; every number was measured on the held-out test split. "
             "Generated from `saved_models/manifest.json` and the presets' cards.", "",
             '<div class="grid cards" markdown>', "", *cards, "</div>", ""]
    (out_dir / "index.md").write_text("\n".join(index))
    return list(presets)


# ------------------------------------------------------------------ bench


def _title(markdown_text, fallback):
    for line in markdown_text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def write_bench_pages(results_dir, out_dir):
    """Writes one page per `bench/results/*.md` (with its JSON) and an index.

    Returns:
        The list of benchmark names written.
    """
    results_dir, out_dir = pathlib.Path(results_dir), pathlib.Path(out_dir)
    pages = sorted(results_dir.glob("*.md"))
    if not pages:
        raise ValueError(f"{results_dir} holds no benchmark results (*.md): run `make bench`. "
                         f"Received: {results_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Everything beside the pages (JSON rounds, PNG figures a page links to) goes along.
    for extra in sorted(results_dir.iterdir()):
        if extra.is_file() and extra.suffix != ".md":
            shutil.copyfile(extra, out_dir / extra.name)
    rows = []
    for page in pages:
        text = page.read_text()
        name = page.stem
        data = page.with_suffix(".json")
        footer = [f"\n\n---\n\n*Generated from `bench/results/{page.name}`*"]
        if data.is_file():
            footer.append(f" (every round, the machine and the date: [{data.name}]({data.name}))")
        footer.append(f". Re-run with `python -m bench.{name}`.\n")
        (out_dir / page.name).write_text(text.rstrip() + "".join(footer))
        rows.append(f"| [{_title(text, name)}]({page.name}) | `python -m bench.{name}` |")
    headlines = ""
    readme = results_dir.parent / "README.md"
    if readme.is_file():
        match = re.search(r"^## Headlines\n(.*?)(?=^## |\Z)", readme.read_text(), re.S | re.M)
        if match:
            headlines = "## Headlines\n" + match.group(1).rstrip() + "\n\n"
    index = ["# Benchmarks", "",
             "Measured on a shared 2-core CPU machine; contenders are interleaved round by "
             "round and the tables quote medians. Generated from `bench/results/` "
             "(`make bench` writes them).", "", headlines,
             "| benchmark | command |", "|---|---|", *rows, ""]
    (out_dir / "index.md").write_text("\n".join(index))
    return [p.stem for p in pages]


# ------------------------------------------------------------------ cache keys


def source_hash():
    """Hash of everything a notebook run or an export depends on in this checkout."""
    digest = hashlib.sha256()
    files = [ROOT / "saved_models" / "manifest.json"]
    for package in ("zoo", "export"):
        files += sorted((ROOT / package).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_hash(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------ notebooks


def kernel_environment():
    """The notebooks' kernel environment: smoke settings, this checkout importable."""
    env = dict(os.environ, AEZOO_SMOKE="1", TF_CPP_MIN_LOG_LEVEL="3")
    # The kernel runs in a temporary folder: it imports this checkout's zoo and export.
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    return env


def execute_notebook(path, out_path, timeout=900):
    """Executes one notebook under AEZOO_SMOKE=1; returns (seconds, figures shown)."""
    import nbformat
    from nbclient import NotebookClient

    start = time.time()
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="aezoo-nb-") as workdir:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": workdir}})
        client.execute(env=kernel_environment())
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    figures = sum(1 for cell in code for output in cell.get("outputs", [])
                  if "image/png" in output.get("data", {}))
    draws = any(marker in cell.source for cell in code for marker in FIGURE_CALLS)
    if draws and figures == 0:
        raise RuntimeError(f"{path.name} ran but showed none of its figures: its page "
                           "would have none")
    tmp = out_path.with_suffix(".tmp")
    nbformat.write(notebook, tmp)
    os.replace(tmp, out_path)
    return time.time() - start, figures


def publish_notebook(executed, out_path, name):
    """Copies an executed notebook to the site, with the small-settings note under its title."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    first_is_title = bool(notebook.cells) and notebook.cells[0].cell_type == "markdown"
    notebook.cells.insert(1 if first_is_title else 0,
                          nbformat.v4.new_markdown_cell(SMOKE_NOTE.format(name)))
    nbformat.write(notebook, out_path)


def build_notebooks(out_dir, code_hash, jobs=2, use_cache=True):
    """Executes every notebook of notebooks/ into `out_dir` (cached)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = CACHE / "notebooks"
    cache.mkdir(parents=True, exist_ok=True)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    todo = []
    for notebook in notebooks:
        key = hashlib.sha256((code_hash + _file_hash(notebook)).encode()).hexdigest()[:16]
        cached = cache / f"{notebook.stem}-{key}.ipynb"
        if use_cache and cached.is_file():
            publish_notebook(cached, out_dir / notebook.name, notebook.name)
            say(f"  notebooks/{notebook.name}: cached")
        else:
            todo.append((notebook, cached))

    def run(item):
        notebook, cached = item
        seconds, figures = execute_notebook(notebook, cached)
        publish_notebook(cached, out_dir / notebook.name, notebook.name)
        return f"  notebooks/{notebook.name}: executed in {seconds:.0f} s, {figures} figures"

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for line in pool.map(run, todo):
            say(line)
    return [n.stem for n in notebooks]


# ------------------------------------------------------------------ demo models


def reference_to_browser(npz_path, out_dir):
    """Repacks `reference.npz` as `reference.bin` + `reference.json` for a browser.

    Every array is stored little-endian and contiguous, one after the other;
    the JSON gives each key's dtype, shape and byte offset.

    Returns:
        The JSON index (dict).
    """
    import numpy as np

    out_dir = pathlib.Path(out_dir)
    entries, offset = {}, 0
    with np.load(npz_path) as stored, open(out_dir / "reference.bin", "wb") as f:
        for key in sorted(stored.files):
            array = np.ascontiguousarray(stored[key])
            if array.dtype.kind not in "fiu":
                raise ValueError(f"{npz_path}: {key} has dtype {array.dtype}; the browser reads "
                                 "numbers only")
            array = array.astype(array.dtype.newbyteorder("<"), copy=False)
            # Typed arrays need offsets aligned to their element size.
            offset += (-offset) % 8
            f.seek(offset)
            f.write(array.tobytes())
            entries[key] = {"dtype": array.dtype.name, "shape": list(array.shape),
                            "offset": offset}
            offset += array.nbytes
    index = {"file": "reference.bin", "entries": entries}
    (out_dir / "reference.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


def latent_plane(codes, spread=2.5):
    """The plane through the mean code along its two principal directions.

    Returns:
        dict with `mean`, `axes` (2 unit vectors) and `extent` (`spread`
        standard deviations along each axis): the demo's latent walk.
    """
    import numpy as np

    codes = np.asarray(codes, np.float64).reshape(len(codes), -1)
    mean = codes.mean(axis=0)
    _, singular, vt = np.linalg.svd(codes - mean, full_matrices=False)
    std = singular[:2] / np.sqrt(max(len(codes) - 1, 1))
    return {"mean": mean.tolist(), "axes": vt[:2].tolist(),
            "extent": (spread * std).tolist()}


class ExportFailed(Exception):
    """A preset's ONNX export failed the export's own parity check against Keras."""


def export_preset(name, entry, code_hash, use_cache=True):
    """The ONNX export folder of one preset (cached), plus the demo's extras."""
    import numpy as np

    import export
    import zoo

    key = hashlib.sha256((code_hash + entry.get("sha256", "")).encode()).hexdigest()[:16]
    folder = CACHE / "exports" / f"{name}-{key}"
    extras_path = folder.parent / f"{name}-{key}.demo.json"
    failed_path = folder.parent / f"{name}-{key}.failed.txt"
    if use_cache and failed_path.is_file():
        raise ExportFailed(failed_path.read_text())
    if use_cache and folder.is_dir() and extras_path.is_file():
        return folder, json.loads(extras_path.read_text()), True
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    model = zoo.load(name)
    x_test, _ = zoo.datasets.load(entry["dataset"], split="test")
    x_test = np.asarray(x_test, np.float32)
    # The reference batch: 16 seeded real test examples, not noise.
    try:
        export.export_model(model, str(folder), formats=("onnx",), representative_data=x_test,
                            metadata={"preset": name})
    except export.ParityError as error:
        failed_path.write_text(str(error))
        raise ExportFailed(str(error)) from None
    scores = np.sort(np.asarray(model.score(x_test), np.float64))
    extras = {"scores": [float(f"{s:.6g}") for s in scores], "plane": None}
    codes = np.asarray(model.encode(x_test))
    if codes.ndim == 2 and codes.shape[1] >= 2:
        extras["plane"] = latent_plane(codes)
    extras_path.write_text(json.dumps(extras))
    return folder, extras, False


def build_demo_models(out_dir, code_hash, use_cache=True):
    """Exports every autoencoder preset to ONNX into `out_dir` and writes models.json."""
    import zoo

    out_dir.mkdir(parents=True, exist_ok=True)
    presets = load_presets(ROOT / "saved_models")
    variants = set(zoo.list_models())
    index, failed = [], []
    for name, entry in presets.items():
        if entry.get("variant") not in variants:
            continue  # e.g. the MNIST classifier behind the FID: not an autoencoder
        start = time.time()
        try:
            folder, extras, cached = export_preset(name, entry, code_hash, use_cache)
        except ExportFailed as error:
            # Not the browser's doing: export_model itself found ONNX Runtime (Python)
            # outside the tolerance on this preset's real test data. Listed on the
            # parity page and by the browser test; nothing of it reaches the site.
            failed.append({"name": name, "reason": str(error)})
            say(f"  demo/models/{name}: NOT EXPORTED, export_model's parity check failed: {error}")
            continue
        target = out_dir / name
        target.mkdir(parents=True, exist_ok=True)
        with open(folder / "manifest.json") as f:
            manifest = json.load(f)
        for artifact in manifest["artifacts"]:
            shutil.copyfile(folder / artifact["file"], target / artifact["file"])
        shutil.copyfile(folder / "manifest.json", target / "manifest.json")
        shutil.copyfile(folder / "reference.npz", target / "reference.npz")
        reference_to_browser(folder / "reference.npz", target)
        model = manifest["model"]
        index.append({
            "name": name,
            "variant": entry.get("variant"),
            "backbone": entry.get("backbone"),
            "dataset": entry.get("dataset"),
            "data_shape": model["data_shape"],
            "latent_shape": model["latent_shape"],
            "image": len(model["data_shape"]) == 3,
            "recurrent": manifest.get("recurrent", False),
            "artifacts": [{"endpoint": a["endpoint"], "file": a["file"],
                           "input": a["inputs"][0], "outputs": a["outputs"],
                           "tolerance": a["tolerance"]} for a in manifest["artifacts"]],
            "check_batches": manifest["check_batches"],
            "scores": extras["scores"],
            "plane": extras["plane"],
        })
        say(f"  demo/models/{name}: {'cached' if cached else 'exported'} "
            f"({time.time() - start:.0f} s)")
    ort_version = json.loads((NODE_MODULES / "onnxruntime-web" / "package.json").read_text())
    (out_dir / "models.json").write_text(json.dumps(
        {"onnxruntime_web": ort_version["version"], "presets": index,
         "export_failed": failed}) + "\n")
    return [m["name"] for m in index], failed


# ------------------------------------------------------------------ vendored npm files


def vendor(generated):
    """Copies onnxruntime-web and KaTeX from node_modules into the generated tree."""
    if not (NODE_MODULES / "onnxruntime-web").is_dir():
        raise RuntimeError(f"{NODE_MODULES / 'onnxruntime-web'} is missing: run "
                           "`npm install --ignore-scripts` in the repository first")
    ort_dist = NODE_MODULES / "onnxruntime-web" / "dist"
    target = generated / "demo" / "vendor"
    target.mkdir(parents=True, exist_ok=True)
    for name in ORT_FILES:
        shutil.copyfile(ort_dist / name, target / name)
    katex = NODE_MODULES / "katex" / "dist"
    target = generated / "vendor" / "katex"
    (target / "contrib").mkdir(parents=True, exist_ok=True)
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    for name in KATEX_FILES:
        shutil.copyfile(katex / name, target / name)
    for font in (katex / "fonts").glob("*.woff2"):
        shutil.copyfile(font, target / "fonts" / font.name)


# ------------------------------------------------------------------ site


def run_mkdocs():
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "-f", str(ROOT / "mkdocs.yml")]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # the theme's end-of-life banner
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    lines = [line for line in (result.stdout + result.stderr).splitlines()
             if "WARNING" in line or "ERROR" in line or "Aborted" in line]
    for line in lines:
        say("  " + line)
    if result.returncode != 0:
        say(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"mkdocs build --strict failed (exit {result.returncode})")


def site_pages(site=SITE):
    """The HTML pages of the built site (one per documentation page)."""
    return sorted(p for p in site.rglob("index.html") if "assets" not in p.parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true",
                        help="re-execute the notebooks and re-export the demo models")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    args = parser.parse_args(argv)
    started = time.time()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    GENERATED.mkdir(parents=True)
    code_hash = source_hash()

    say("vendoring onnxruntime-web and KaTeX from node_modules")
    vendor(GENERATED)
    presets = write_gallery(ROOT / "saved_models", GENERATED / "gallery")
    say(f"gallery: {len(presets)} presets")
    benches = write_bench_pages(ROOT / "bench" / "results", GENERATED / "bench")
    say(f"benchmarks: {len(benches)} pages")

    # Notebooks run in kernels (other processes) while this one exports the demo models.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        notebooks = pool.submit(build_notebooks, GENERATED / "notebooks", code_hash,
                                args.jobs, not args.no_cache)
        say("demo models (ONNX, checked against Keras by export_model):")
        models = build_demo_models(GENERATED / "demo" / "models", code_hash, not args.no_cache)
        models, failed = models
        say(f"notebooks: {len(notebooks.result())} executed")
    say(f"demo: {len(models)} presets exported to ONNX"
        + (f"; {len(failed)} failed export_model's own parity check: "
           f"{', '.join(f['name'] for f in failed)}" if failed else ""))

    say("mkdocs build --strict")
    run_mkdocs()
    pages = site_pages()
    say(f"site/: {len(pages)} pages, built in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
