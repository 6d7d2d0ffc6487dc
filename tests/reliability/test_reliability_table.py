"""The reliability table: unique case ids, rendering, and docs/reliability.md up to date."""

import importlib.util
import os

import reliability_cases

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _script():
    spec = importlib.util.spec_from_file_location(
        "reliability_table", os.path.join(REPO, "scripts", "reliability_table.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cases_are_unique_and_complete():
    cases = reliability_cases.CASES
    assert len({c.id for c in cases}) == len(cases)
    for c in cases:
        assert c.area in reliability_cases.AREAS, c
        assert c.call and c.input and c.outcome, c
        if c.outcome not in ("ok",):
            assert c.fragments, f"{c.id}: an error case must name what its message contains"


def test_render_counts_handled_failed_and_missing(tmp_path):
    script = _script()
    first, second, *_ = reliability_cases.CASES
    log = tmp_path / "log.jsonl"
    log.write_text(f'{{"id": "{first.id}", "observed": "ValueError: x | y", "passed": true}}\n'
                   f'{{"id": "{second.id}", "observed": "returned", "passed": false}}\n')
    markdown, counts = script.render(script.read_log(log), today="2026-01-01")
    total = len(reliability_cases.CASES)
    assert counts == (total, 1, 1, total - 2)
    assert f"**1 of {total} cases handled**, 1 failed, {total - 2} not run" in markdown
    assert "ValueError: x \\| y" in markdown  # pipes escaped inside cells
    assert markdown.count("\n| ") >= total


def test_a_case_recorded_twice_must_pass_twice(tmp_path):
    script = _script()
    log = tmp_path / "log.jsonl"
    log.write_text('{"id": "a", "observed": "1", "passed": true}\n'
                   '{"id": "a", "observed": "2", "passed": false}\n'
                   '{"id": "a", "observed": "3", "passed": true}\n')
    assert script.read_log(log) == {"a": {"observed": "3", "passed": False}}


def test_docs_table_lists_every_case():
    path = os.path.join(REPO, "docs", "reliability.md")
    with open(path) as f:
        text = f.read()
    missing = [c.id for c in reliability_cases.CASES if f"`{c.id}`" not in text]
    assert not missing, f"regenerate with scripts/reliability_table.py; missing {missing[:5]}"
