"""``where``, ``orderBy``, ``unitsAggregate`` and ``linksAggregate`` over HTTP, on both stores.

The analyst's question ("county bureaus in Harbin that made at least three reports in 2020 but
had no liaison with the propaganda department") is one request, one store call (one Cypher
statement on Neo4j), the same answer on both stores, and the same through graphql-js (a real
client from npm, bench/peer/client.mjs) as through httpx.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cypherlog import CypherLog
from graphql_client import CountingStore, GraphQLClient

from graph.store import Store

REPO = Path(__file__).resolve().parents[2]
PEER = REPO / "bench" / "peer"

ANALYST = """{
  units(where: {
    kind: {eq: TAX_BUREAU}, level: {eq: COUNTY}, regionWithin: "230100",
    hasLink: {family: {eq: REPORTING}, direction: OUT, year: {eq: 2020}, atLeastEvents: 3},
    noLink: {family: {eq: LIAISON}, year: {eq: 2020}, counterpart: {kind: {eq: PROPAGANDA_DEPARTMENT}}}
  }) {
    totalCount
    nodes { id name region { name } }
  }
}"""
ANALYST_ANSWER = {
    "units": {
        "totalCount": 1,
        "nodes": [{"id": "TB-230128", "name": "国家税务总局通河县税务局", "region": {"name": "通河县"}}],
    }
}


def test_the_analysts_question_is_one_request_and_one_store_call(
    sample_store: Store, serve: Callable[..., GraphQLClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingStore(sample_store)
    client = serve(counting)
    statements = CypherLog(monkeypatch)
    assert client.data(ANALYST) == ANALYST_ANSWER
    assert counting.calls == Counter({"find_units_where": 1})
    if type(sample_store).__name__ == "Neo4jStore":
        # besides the store generation, read for every request: the key of the response cache
        # (graph.api.limits.responses), shared by requests that start together
        data = [s for s in statements.sent if "m.generation" not in s[0]]
        assert len(data) == 1 and len(statements.sent) <= 2, statements.sent


def _graphql_js(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js is not installed: the graphql-js client needs node and npm")
    if not (PEER / "node_modules" / "graphql").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True, capture_output=True)
    done = subprocess.run(
        ["node", str(PEER / "client.mjs"), url],
        input=json.dumps({"query": query, "variables": variables or {}}),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_analysts_question_through_graphql_js(client: GraphQLClient) -> None:
    url = str(client.http.base_url).rstrip("/") + "/graphql"
    assert _graphql_js(url, ANALYST)["data"] == ANALYST_ANSWER  # (and extensions.cost, issue 17)


def test_filters_orders_and_aggregates(client: GraphQLClient) -> None:
    data = client.data(
        """{
      units(where: {OR: [{id: {eq: "TB-230102"}}, {name: {startsWith: "中共哈尔滨市道里区"}}],
                    NOT: {kind: {in: [LOCAL_PARTY_COMMITTEE]}}},
            orderBy: [{kind: DESC}], first: 3) {
        totalCount nodes { id kind }
      }
      links(where: {year: {eq: 2020}, source: {id: {eq: "TB-230102"}}, date: {gte: "2020-06-01"}},
            orderBy: [{date: DESC}]) {
        totalCount nodes { id date target { id } }
      }
      unitsAggregate(where: {regionWithin: "230102"}) { count byKind { kind count } }
      linksAggregate(where: {year: {eq: 2020}, unit: {id: {eq: "TB-230102"}}}, groupBy: [FAMILY]) {
        family records count participants firstDate lastDate
      }
      unit(id: "TB-230102") {
        links(where: {direction: OUT, counterpart: {kind: {eq: LOCAL_PARTY_COMMITTEE}}}, orderBy: [{date: ASC}]) {
          totalCount nodes { date kind }
        }
        timeline(years: [2020]) { year records byFamily { family records count } }
      }
    }"""
    )
    units = data["units"]
    assert units["totalCount"] == 5  # the bureau and four 中共…道里区… bodies (not the committee)
    assert [n["kind"] for n in units["nodes"]] == ["TAX_BUREAU", "PROPAGANDA_DEPARTMENT", "PARTY_SCHOOL"]
    links = data["links"]["nodes"]
    assert [n["date"] for n in links] == sorted((n["date"] for n in links), reverse=True)
    assert all(n["date"] >= "2020-06-01" for n in links)
    assert data["unitsAggregate"]["count"] == sum(k["count"] for k in data["unitsAggregate"]["byKind"])
    by_family = {g["family"]: g for g in data["linksAggregate"]}
    assert {f: g["records"] for f, g in by_family.items()} == {"EXCHANGE": 1, "LIAISON": 3, "REPORTING": 1}
    timeline = data["unit"]["timeline"][0]
    assert timeline["records"] == 5
    assert {f["family"]: f["records"] for f in timeline["byFamily"]} == {
        "REPORTING": 1,
        "LIAISON": 3,
        "EXCHANGE": 1,
    }
    mine = data["unit"]["links"]
    assert mine["totalCount"] >= 1 and [n["date"] for n in mine["nodes"]] == sorted(
        n["date"] for n in mine["nodes"]
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            '{ links(where: {counterpart: {id: {eq: "X"}}}) { totalCount } }',
            "counterpart: only where links are seen",
        ),
        ("{ links(where: {direction: OUT}) { totalCount } }", "direction: only where links are seen"),
        ('{ units(where: {regionWithin: "2301"}) { totalCount } }', "six-digit division code"),
        ("{ units(orderBy: [{id: ASC, name: DESC}]) { totalCount } }", "exactly one field per sort key"),
        ("{ units(where: {hasLink: {AND: [{atLeast: 2}]}}) { totalCount } }", "belong directly in hasLink"),
        (
            '{ units(where: {name: {contains: "' + "x" * 201 + '"}}) { totalCount } }',
            "at most 200 characters",
        ),
        ("{ units(where: {hasLink: {atLeast: -1}}) { totalCount } }", "at least 0"),
    ],
)
def test_bad_filters_are_explained(client: GraphQLClient, query: str, message: str) -> None:
    errors = client.run(query)["errors"]
    assert message in errors[0]["message"], errors
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_too_many_conditions_are_refused(client: GraphQLClient) -> None:
    many = ", ".join(f'{{id: {{eq: "TB-{i}"}}}}' for i in range(70))
    errors = client.errors("{ units(where: {OR: [" + many + "]}) { totalCount } }")
    assert "at most 64 conditions" in errors[0]


def test_where_cost() -> None:
    from graph.api.graphql.where_cost import PER_LINK_FILTER, where_cost

    assert where_cost(None) == 0
    assert where_cost({"kind": {"eq": "TAX_BUREAU"}, "regionWithin": "230100"}) == 2
    analyst = {
        "kind": {"eq": "TAX_BUREAU"}, "level": {"eq": "COUNTY"}, "regionWithin": "230100",
        "hasLink": {"family": {"eq": "REPORTING"}, "direction": "OUT", "year": {"eq": 2020}, "atLeastEvents": 3},
        "noLink": {"family": {"eq": "LIAISON"}, "year": {"eq": 2020}, "counterpart": {"kind": {"eq": "X"}}},
    }  # fmt: skip
    assert where_cost(analyst) == 3 + PER_LINK_FILTER * (1 + 3) + PER_LINK_FILTER * (1 + 2 + 2)
    nested = {"hasLink": {"counterpart": {"hasLink": {"year": {"eq": 2020}}}}}
    assert where_cost(nested) == PER_LINK_FILTER * (1 + 1 + PER_LINK_FILTER * (1 + 1))
