"""Compare two years: coverage, channels that lapsed or revived, and who moved most.

    python examples/compare_years.py --store graph.tkg 2019 2020

Uses the rule engine for coverage and the analysis API for channels (bureau, local body, link
family), so the numbers match `tiaokuai coverage` and `tiaokuai analyse`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from graph import rules
from graph.analysis import channels, horizontal_activity, project_years
from graph.store import open_store


def compare(store, before: int, after: int) -> dict:
    # Coverage as the offices read it: met requirements over expected ones.
    cov = {y: rules.coverage(store, y) for y in (before, after)}

    # One projection with both years: each edge carries count_<year>.
    g = project_years(store, [before, after])
    old, new = channels(g, before), channels(g, after)
    lapsed = sorted(set(old) - set(new))
    revived = sorted(set(new) - set(old))

    # Horizontal activity per bureau in each year, and the biggest movers.
    act = {y: {r["bureau_id"]: r["events"] for r in horizontal_activity(g, y)} for y in (before, after)}
    change = {b: act[after].get(b, 0) - act[before].get(b, 0) for b in act[after]}
    movers = sorted(change.items(), key=lambda kv: (kv[1], kv[0]))

    return {
        "years": [before, after],
        "coverage": {
            str(y): {"met": c.met, "expected": c.expected, "ratio": c.ratio} for y, c in cov.items()
        },
        "channels": {str(before): len(old), str(after): len(new)},
        "lapsed": len(lapsed),
        "revived": len(revived),
        "lapsed_by_family": dict(sorted(Counter(f for _, _, f in lapsed).items())),
        "most_decreased": [{"bureau_id": b, "change": d} for b, d in movers[:5]],
        "most_increased": [{"bureau_id": b, "change": d} for b, d in movers[::-1][:5]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=int)
    parser.add_argument("after", type=int)
    parser.add_argument("--store", help="store path or bolt:// URI (default: TIAOKUAI_STORE)")
    args = parser.parse_args()
    with open_store(args.store) as store:
        result = compare(store, args.before, args.after)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
