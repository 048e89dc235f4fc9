"""Generate docs/cli.md from the real ``--help`` of every command, so the docs cannot drift.

Run ``python -m graph.cli.reference > docs/cli.md``; a test fails when the file is stale.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from . import cli

__all__ = ["render"]

INTRO = """# Command-line reference

Generated from the real `--help` by `python -m graph.cli.reference > docs/cli.md`; a test fails when
this file and the commands disagree.

Every command that reads or writes the graph takes `--store PATH|URI` (or `TIAOKUAI_STORE`): a file
path means the embedded store (default `~/.local/share/tiaokuai/graph.tkg`), a `bolt://`,
`bolt+s://`, `neo4j://` or `neo4j+s://` URI means Neo4j, with `NEO4J_USERNAME`, `NEO4J_PASSWORD`
and `NEO4J_DATABASE` from the environment.

Exit status: 0 on success; 1 for invalid input (every problem printed as `FILE:ROW: column:
message`, nothing written); 2 for a usage error, an unreachable store or bad settings.
"""


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="tiaokuai", terminal_width=100)
    return result.output.rstrip()


def render() -> str:
    parts = [INTRO, "## tiaokuai\n", "```\n" + _help([]) + "\n```\n"]
    for name in sorted(cli.commands):
        command = cli.commands[name]
        if getattr(command, "hidden", False):
            continue
        parts.append(f"## tiaokuai {name}\n")
        parts.append("```\n" + _help([name]) + "\n```\n")
        if isinstance(command, click.Group):
            for sub in sorted(command.commands):
                parts.append(f"### tiaokuai {name} {sub}\n")
                parts.append("```\n" + _help([name, sub]) + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
