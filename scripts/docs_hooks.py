"""MkDocs hooks of the aezoo site: serve the generated pages beside docs/.

`scripts/build_docs.py` writes everything generated (executed notebooks, the
model gallery, benchmark pages, the exported ONNX models and the vendored
onnxruntime-web of the demo) under `build/docs_generated/`, never into
`docs/`, so nothing generated can be committed by accident. This hook adds
those files to the site as if they lay in `docs/`, and lists the executed
notebooks in the navigation. A generated file that would shadow a
hand-written one is an error.
"""

import json
import pathlib

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATED = ROOT / "build" / "docs_generated"
TUTORIALS = "Tutorials (executed)"


def notebook_title(path):
    """A notebook's first heading, up to its first colon ("Export to mobile ...: LiteRT")."""
    with open(path) as f:
        cells = json.load(f).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", [])).splitlines():
                if line.startswith("# "):
                    return line[2:].split(":")[0].strip()
    return path.stem


def on_config(config):
    """Lists every executed notebook under the tutorials section of the nav."""
    notebooks = sorted((GENERATED / "notebooks").glob("*.ipynb"))
    for entry in config.nav or []:
        if isinstance(entry, dict) and TUTORIALS in entry:
            entry[TUTORIALS] = [{notebook_title(p): f"notebooks/{p.name}"} for p in notebooks]
    return config


@event_priority(100)  # before mkdocs-jupyter wraps the .ipynb files
def on_files(files, config):
    if not GENERATED.is_dir():
        raise PluginError(f"{GENERATED} is missing: build the site with `make docs` "
                          "(python scripts/build_docs.py), which generates it first")
    for path in sorted(p for p in GENERATED.rglob("*") if p.is_file()):
        src_uri = path.relative_to(GENERATED).as_posix()
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"generated {src_uri} would shadow docs/{src_uri}: rename one")
        # A File rooted in the generated folder (not File.generated, whose source path
        # mkdocs-jupyter's wrapper of notebooks cannot see).
        files.append(File(src_uri, src_dir=str(GENERATED), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    return files
