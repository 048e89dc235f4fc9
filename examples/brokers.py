"""Who stands between the line and the locality? Gould–Fernandez roles and betweenness.

    python examples/brokers.py --store graph.tkg --year 2020

Lists the bureaus with the most gatekeeper paths (the locality's business coming into the tax
line through them) and compares with betweenness on the undirected tie graph.
"""

from __future__ import annotations

import argparse

from graph.analysis import betweenness, brokerage, project_years
from graph.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store path or bolt:// URI (default: TIAOKUAI_STORE)")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    with open_store(args.store) as store:
        g = project_years(store, [args.year])
    roles = brokerage(g, args.year, bureaus_only=True)
    between = {r["id"]: r["betweenness"] for r in betweenness(g, args.year)}

    print("bureau      gatekeeper  representative  total  betweenness  name")
    for r in sorted(roles, key=lambda r: (-r["gatekeeper"], r["id"]))[: args.top]:
        print(
            f"{r['id']:<11} {r['gatekeeper']:>10}  {r['representative']:>14}  {r['total']:>5}"
            f"  {between.get(r['id'], 0.0):>11.4f}  {r['name']}"
        )


if __name__ == "__main__":
    main()
