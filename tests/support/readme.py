"""Reading the README's examples, for the tests that execute them.

A section is the text from its ``## Title`` heading to the next ``## `` heading; its examples
are the ``$ `` lines of its ```console blocks, each with the output shown under it.
"""

from __future__ import annotations

import re


def readme_section(readme: str, title: str) -> str:
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:] if end < 0 else readme[start:end]


def console_blocks(section: str) -> list[list[tuple[str, str]]]:
    """Per ```console block: ``(command, shown output)`` for each ``$ `` line, in order."""
    blocks = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        examples = []
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command.strip(), output.strip()))
        blocks.append(examples)
    return blocks


def console_examples(section: str) -> list[tuple[str, str]]:
    """Every ``(command, shown output)`` of the section, across its console blocks, in order."""
    return [example for block in console_blocks(section) for example in block]
