"""Export the projected graph to GraphML, GEXF or node-link JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from ..store.base import Store
from .projection import project

__all__ = ["write_graph", "FORMATS"]

FORMATS = ("graphml", "gexf", "json")


def write_graph(store: Store, out: Path, fmt: str, years: Sequence[int] | None = None) -> tuple[int, int]:
    """Write the graph atomically (temporary file, then rename); return (nodes, edges)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}; use one of {', '.join(FORMATS)}")
    g = project(store, years)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        if fmt == "graphml":
            nx.write_graphml(g, tmp)
        elif fmt == "gexf":
            nx.write_gexf(g, tmp)
        else:
            data = nx.node_link_data(g, edges="links")
            Path(tmp).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return g.number_of_nodes(), g.number_of_edges()
