"""Griffe extension: read aezoo's Keras-style docstrings as Google-style sections.

Keras writes the body of `Example:` (and `Reference:`) flush with the title:

    Example:
    >>> m = zoo.build("ae", input_shape=(28, 28, 1), latent_dim=16)

The Google parser only takes an indented body as the section, so the `>>>`
lines would be rendered as Markdown (and `x["a"]["b"]` read as a link).
This extension indents such bodies (and reads `Example:` as `Examples:`)
before the docstring is parsed, so examples render as Python console
blocks. Source files are not touched.
"""

import re

import griffe

FLUSH_SECTIONS = re.compile(r"^(\s*)(Example|Examples|Reference|References):\s*$")
ANY_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")


def indent_flush_sections(text):
    """Returns `text` with the flush bodies of Example/Reference sections indented."""
    lines = text.splitlines()
    out, inside, margin = [], False, ""
    for line in lines:
        title = FLUSH_SECTIONS.match(line)
        if title:
            inside, margin = True, title.group(1)
            # Google's parser reads "Examples:" as console examples, "Example:" as prose.
            out.append(line.replace("Example:", "Examples:"))
            continue
        if inside and ANY_SECTION.match(line) and not line.startswith(margin + " "):
            inside = False
        if inside and line.strip() and not line.startswith(margin + "    "):
            line = margin + "    " + line[len(margin):]
        out.append(line)
    return "\n".join(out)


class KerasDocstrings(griffe.Extension):
    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = indent_flush_sections(obj.docstring.value)
