"""The built documentation site holds what `make docs` promises (run by `make test-browser`).

At least 10 pages, API entries for `zoo.build` and `export.export_model`
rendered from their docstrings, every preset of `saved_models/manifest.json`
in the gallery with its figure, every notebook executed with its figures, a
page per benchmark, and nothing loaded from another host.
"""

import json
import pathlib
import re

import pytest

pytestmark = pytest.mark.site

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
FIGURE_CALLS = ("display(", "plt.show(", "fig.show(")


@pytest.fixture(scope="module", autouse=True)
def built_site():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} is not built: run `make docs` first")


def _html(relative):
    path = SITE / relative
    assert path.is_file(), f"{path} is missing"
    return path.read_text()


def test_the_site_has_at_least_ten_pages():
    pages = [p for p in SITE.rglob("index.html") if "assets" not in p.parts]
    assert len(pages) >= 10, len(pages)


def test_api_reference_documents_build_and_export_model():
    zoo_api = _html("api/zoo/index.html")
    assert 'id="zoo.build"' in zoo_api
    # Rendered from the docstring: its Args section, not just a heading.
    assert "latent_dim" in zoo_api and "input_shape" in zoo_api
    export_api = _html("api/export/index.html")
    assert 'id="export.export_model"' in export_api
    assert "representative_data" in export_api and "overwrite" in export_api


def test_every_preset_is_in_the_gallery_with_its_figure_and_metrics():
    with open(ROOT / "saved_models" / "manifest.json") as f:
        presets = json.load(f)["presets"]
    index = _html("gallery/index.html")
    for name, entry in presets.items():
        assert f'href="{name}/"' in index, name
        page = _html(f"gallery/{name}/index.html")
        assert 'src="figure.png"' in page, name
        assert (SITE / "gallery" / name / "figure.png").stat().st_size > 1000
        assert entry["recipe"].split()[0] in page  # the card's recipe is on the page


def test_every_notebook_is_executed_with_its_figures():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 5
    for notebook in notebooks:
        page = _html(f"notebooks/{notebook.stem}/index.html")
        figures = page.count("data:image/png;base64,")
        draws = any(marker in notebook.read_text() for marker in FIGURE_CALLS)
        assert figures >= 1 or not draws, f"{notebook.name}: no figure on its page"
        assert "Traceback (most recent call last)" not in page, notebook.name
        # Executed: cells carry outputs (printed text at least).
        assert page.count('class="jp-OutputArea-child') >= 2, notebook.name


def test_every_benchmark_has_a_page():
    for result in sorted((ROOT / "bench" / "results").glob("*.md")):
        assert (SITE / "bench" / result.stem / "index.html").is_file(), result.name


def test_nothing_is_loaded_from_another_host():
    tags = re.compile(r"<(script|link|img|iframe)\b[^>]*>", re.I)
    external = re.compile(r'\b(?:src|href)="(?:https?:)?//', re.I)
    offenders = []
    for page in SITE.rglob("*.html"):
        for match in tags.finditer(page.read_text()):
            tag = match.group(0)
            if not external.search(tag):
                continue
            if match.group(1).lower() == "link" and not re.search(
                    r'rel="(stylesheet|preload|modulepreload|icon)"', tag):
                continue  # a hyperlink-like <link> (canonical, alternate) loads nothing
            offenders.append(f"{page.relative_to(SITE)}: {tag}")
    assert offenders == []
