"""Export one bureau's ego network for Gephi (GEXF) or other tools (GraphML).

The ego network is the bureau side (bureau, party committee, branches) collapsed to one node, its
neighbours through the vertical line and through links of the chosen years, and the ties among
those neighbours. Node attributes: name, kind, level, region_code, side; edge attributes: count
(links either way in the years, 0 for a pure line tie), line (True for the vertical line), tie
(horizontal / tax / local).

    python examples/ego_network.py --store graph.tkg --bureau TB-230102 --year 2020 --out ego.gexf
"""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx

from graph.analysis import project_years, tie_graph
from graph.store import open_store


def ego_network(store, bureau: str, years: list[int], radius: int = 1) -> nx.Graph:
    g = project_years(store, years)
    if bureau not in g:
        raise SystemExit(f"no unit {bureau!r} in the store")
    # The tie graph: one node per bureau side, the line plus links of the years, undirected.
    t = tie_graph(g, years)
    ego = nx.ego_graph(t, bureau, radius=radius)
    # GEXF/GraphML need plain attribute values: drop None.
    for _, data in ego.nodes(data=True):
        for key in [k for k, v in data.items() if v is None]:
            del data[key]
    return ego


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store path or bolt:// URI (default: TIAOKUAI_STORE)")
    parser.add_argument("--bureau", required=True, help="tax bureau id, e.g. TB-230102")
    parser.add_argument("--year", type=int, action="append", required=True, help="repeatable")
    parser.add_argument("--radius", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help=".gexf or .graphml")
    args = parser.parse_args()

    with open_store(args.store) as store:
        ego = ego_network(store, args.bureau, args.year, args.radius)
    if args.out.suffix == ".graphml":
        nx.write_graphml(ego, args.out)
    else:
        nx.write_gexf(ego, args.out)
    horizontal = sum(1 for _, _, d in ego.edges(data=True) if d["tie"] == "horizontal")
    print(
        f"wrote {args.out}: {ego.number_of_nodes()} nodes, {ego.number_of_edges()} ties "
        f"({horizontal} horizontal)"
    )


if __name__ == "__main__":
    main()
