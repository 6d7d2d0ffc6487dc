"""Benchmark result files: JSON (payload, machine facts, command) and markdown tables.

Example:
>>> from zoo.bench.results import markdown_table, write_results
>>> write_results("bench", {"rows": rows}, markdown_table(rows, columns), out_dir="runs/bench")
"""

import json
import os
import platform
import sys
import time


def machine():
    """Facts that make a timing interpretable."""
    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def command_line():
    """The command that produced a result, to quote beside it."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    script = f"-m {spec.name}" if spec else os.path.relpath(sys.argv[0])
    return " ".join(["python", script, *sys.argv[1:]])


def markdown_table(rows, columns):
    """Returns a markdown table of `rows` (dicts) over `columns` (key, header) pairs."""
    def cell(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(h for _, h in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(k, "")) for k, _ in columns) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name, payload, markdown, out_dir):
    """Writes `<name>.json` (payload + machine + command) and `<name>.md`; returns both paths."""
    os.makedirs(out_dir, exist_ok=True)
    payload = {**payload, "machine": machine(), "command": command_line()}
    json_path = os.path.join(out_dir, f"{name}.json")
    md_path = os.path.join(out_dir, f"{name}.md")
    with open(json_path, "w") as f:
        json.dump(payload, f, indent=2)
    with open(md_path, "w") as f:
        f.write(markdown.rstrip() + f"\n\nCommand: `{payload['command']}`\n")
    return json_path, md_path
