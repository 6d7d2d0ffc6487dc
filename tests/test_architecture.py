"""The layout's limits (docs/architecture.md): module sizes, flat modules, import direction."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("zoo", "export")


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_module_over_450_lines_and_commands_at_most_250():
    too_long = {}
    for path in _modules():
        lines = len(path.read_text().splitlines())
        limit = 250 if path.parent.name == "commands" else 450
        if lines > limit:
            too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, f"modules over their line limit: {too_long}"


def test_at_most_ten_modules_directly_in_zoo():
    flat = sorted(p.name for p in (ROOT / "zoo").glob("*.py"))
    assert len(flat) <= 10, flat


def _imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_package_module_imports_the_repository_bench_folder():
    offenders = [str(p.relative_to(ROOT)) for p in _modules()
                 if any(m == "bench" or m.startswith("bench.") for m in _imported_modules(p))]
    assert not offenders, offenders


def test_evaluation_and_hub_dispatch_on_capabilities_not_names():
    """No hasattr probing and no variant-name comparisons in evaluation or hub."""
    offenders = []
    for folder in ("evaluation", "hub"):
        for path in sorted((ROOT / "zoo" / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hasattr":
                    offenders.append(f"{path.name}:{node.lineno} hasattr")
                if isinstance(node, ast.Compare):
                    names = [c.value for c in node.comparators if isinstance(c, ast.Constant)]
                    variants = {"ae", "vae", "vq_vae", "sparse_ae", "denoising_ae",
                                "contractive_ae", "classifier", "ecg_mitdb", "mnist5k"}
                    if variants & {n for n in names if isinstance(n, str)}:
                        offenders.append(f"{path.name}:{node.lineno} compares a name")
    assert not offenders, offenders


def test_export_runtime_imports_no_tensorflow():
    for name in ("runtime.py", "common.py"):
        imported = set(_imported_modules(ROOT / "export" / name))
        assert not {m for m in imported if m.split(".")[0] in ("tensorflow", "keras")}, name
