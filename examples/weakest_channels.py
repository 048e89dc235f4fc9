"""Find the weakest horizontal channels in one prefecture.

For every tax bureau in the prefecture (the city bureau and its county bureaus) and every local
body it is expected to deal with (its own region's party committee and that committee's
departments and party school), count the links of the year, either way, and list the thinnest
channels first. A channel with 0 links is missing altogether.

    python examples/weakest_channels.py --store graph.tkg --year 2020 --prefecture 230700

Prints a table; --json prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import json

from graph.analysis import bureaus, collapse, project_years
from graph.store import open_store

# the local bodies of a bureau's own region, by kind
COUNTERPART_KINDS = (
    "local_party_committee",
    "organization_department",
    "propaganda_department",
    "organs_work_committee",
    "discipline_commission",
    "party_school",
)


def weakest_channels(store, year: int, prefecture: str) -> list[dict]:
    # 1. Project the store for the year; collapse each bureau side (bureau, party committee,
    #    branches) into one node so that a branch's visit counts as its bureau's.
    g = project_years(store, [year])
    h = collapse(g, year)

    # 2. The bureaus of the prefecture: region codes share the first four digits (GB/T 2260).
    in_prefecture = [b for b in bureaus(g) if (g.nodes[b]["region_code"] or "").startswith(prefecture[:4])]

    # 3. Local bodies by region: the counterparts each bureau should be in touch with.
    local_by_region: dict[str, list[str]] = {}
    for node, data in g.nodes(data=True):
        if data["side"] == "local" and data["kind"] in COUNTERPART_KINDS:
            local_by_region.setdefault(data["region_code"], []).append(node)

    rows = []
    for bureau in in_prefecture:
        region = g.nodes[bureau]["region_code"]
        for local in sorted(local_by_region.get(region, [])):
            out = h.edges[bureau, local]["count"] if h.has_edge(bureau, local) else 0
            back = h.edges[local, bureau]["count"] if h.has_edge(local, bureau) else 0
            rows.append(
                {
                    "bureau_id": bureau,
                    "bureau": g.nodes[bureau]["name"],
                    "counterpart_id": local,
                    "counterpart": g.nodes[local]["name"],
                    "kind": g.nodes[local]["kind"],
                    "links": out + back,
                    "bureau_to_local": out,
                    "local_to_bureau": back,
                }
            )
    # 4. Weakest first; ties broken by ids so the output is stable.
    rows.sort(key=lambda r: (r["links"], r["bureau_id"], r["counterpart_id"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store path or bolt:// URI (default: TIAOKUAI_STORE)")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--prefecture", required=True, help="six-digit prefecture code, e.g. 230700")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with open_store(args.store) as store:
        rows = weakest_channels(store, args.year, args.prefecture)
    if args.json:
        print(json.dumps(rows[: args.top], ensure_ascii=False, indent=1))
        return
    missing = sum(1 for r in rows if r["links"] == 0)
    print(f"{len(rows)} expected channels in {args.prefecture}, {args.year}: {missing} without any link")
    for r in rows[: args.top]:
        print(f"{r['links']:4d}  {r['bureau_id']:<10} {r['counterpart_id']:<12} {r['counterpart']}")


if __name__ == "__main__":
    main()
