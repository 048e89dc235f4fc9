"""Every core query over HTTP against a live server, on both stores, checked against the library.

The expected answers come from the library itself on the embedded store (``rules``, ``stats``,
``paths``, ``find_units``/``find_links``): the API must say exactly what the CLI says, and Neo4j
exactly what the embedded store says.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from graphql_client import GraphQLClient

from graph import rules
from graph.queries import paths
from graph.queries.stats import stats as compute_stats
from graph.store import LinkQuery, Store, UnitQuery

UNIT_FIELDS = """
  id name nameEn kind level regionCode side
  region { code name level }
  parent { id name }
  counterparts { id kind }
"""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


def enumish(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def collect(
    client: GraphQLClient, query: str, path: str, variables: dict[str, Any], page: int
) -> tuple[list, int]:
    """Follow endCursor until hasNextPage is false; (all nodes, totalCount of the first page)."""
    nodes: list[Any] = []
    after = None
    total = None
    for _ in range(1000):
        data = client.data(query, {**variables, "first": page, "after": after})
        conn = data[path]
        total = conn["totalCount"] if total is None else total
        assert conn["totalCount"] == total
        nodes += [e["node"] for e in conn["edges"]]
        assert len(conn["edges"]) <= page
        if not conn["pageInfo"]["hasNextPage"]:
            assert conn["pageInfo"]["endCursor"] == (conn["edges"][-1]["cursor"] if conn["edges"] else None)
            break
        after = conn["pageInfo"]["endCursor"]
    assert total is not None
    return nodes, total


# -- unit -----------------------------------------------------------------------------------------


def test_unit_by_id(client: GraphQLClient) -> None:
    data = client.data("query($id: ID!) { unit(id: $id) { " + UNIT_FIELDS + " } }", {"id": "TB-230102"})
    u = data["unit"]
    assert u["name"] == "国家税务总局哈尔滨市道里区税务局"
    assert (u["kind"], u["level"], u["side"]) == ("TAX_BUREAU", "COUNTY", "BUREAU")
    assert u["region"] == {"code": "230102", "name": "道里区", "level": "COUNTY"}
    assert u["parent"] == {"id": "TB-230100", "name": "国家税务总局哈尔滨市税务局"}
    assert [c["id"] for c in u["counterparts"]] == [
        "LPC-230102", "DISC-230102", "ORG-230102", "OWC-230102", "PROP-230102", "SCH-230102",
    ]  # fmt: skip


def test_unknown_unit_is_null(client: GraphQLClient) -> None:
    assert client.data('{ unit(id: "NO-SUCH-UNIT") { id } }') == {"unit": None}


def test_counterparts_of_party_bodies_and_local_bodies(client: GraphQLClient) -> None:
    data = client.data(
        """{ branch: unit(id: "PB-230102-01") { bureau { id } counterparts { id } }
             bureau: unit(id: "TB-230102") { counterparts { id } }
             committee: unit(id: "LPC-230102") { counterparts { id } bureau { id } }
             dept: unit(id: "ORG-230100") { counterparts { id } } }"""
    )
    assert data["branch"]["bureau"] == {"id": "TB-230102"}
    assert data["branch"]["counterparts"] == data["bureau"]["counterparts"]
    assert data["committee"] == {"counterparts": [{"id": "TB-230102"}], "bureau": None}
    assert data["dept"]["counterparts"] == [{"id": "TB-230100"}]


def test_children_and_parent_agree(client: GraphQLClient, reference_store: Store) -> None:
    data = client.data(
        '{ unit(id: "TB-230100") { children(first: 500) { totalCount nodes { id parent { id } } } } }'
    )
    children = data["unit"]["children"]
    expected = [u.id for u in reference_store.children(["TB-230100"])["TB-230100"]]
    assert [n["id"] for n in children["nodes"]] == expected
    assert children["totalCount"] == len(expected)
    assert {n["parent"]["id"] for n in children["nodes"]} == {"TB-230100"}
    only = client.data('{ unit(id: "TB-230100") { children(kind: TAX_BUREAU, first: 3) { totalCount } } }')
    assert only["unit"]["children"]["totalCount"] == sum(1 for i in expected if i.startswith("TB-"))


def test_unit_links_pages_to_the_end(client: GraphQLClient, reference_store: Store) -> None:
    query = """query($first: Int, $after: String) { unit(id: "LPC-230100") {
        links(year: 2020, first: $first, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } }"""
    nodes: list[str] = []
    after = None
    while True:
        conn = client.data(query, {"first": 7, "after": after})["unit"]["links"]
        nodes += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    expected = reference_store.find_links(LinkQuery(unit_id="LPC-230100", year=2020))
    assert nodes == [lk.id for lk in expected.items]
    assert conn["totalCount"] == expected.total == len(nodes)


def test_unit_coverage_gaps_and_timeline(client: GraphQLClient, reference_store: Store) -> None:
    data = client.data(
        """{ unit(id: "TB-230102") {
             coverage(year: 2020) { unitId expected met ratio requirements { rule met observed counterpartId } }
             gaps(year: 2020) { rule counterpartId observed required }
             timeline(years: [2019, 2020]) { year records count participants byFamily { family count records } }
           }
           lpc: unit(id: "LPC-230102") { coverage(year: 2020) { met } gaps(year: 2020) { rule } } }"""
    )
    reqs = [r for r in rules.evaluate(reference_store, 2020) if r.unit_id == "TB-230102"]
    cov = data["unit"]["coverage"]
    assert cov["expected"] == len(reqs) and cov["met"] == sum(r.met for r in reqs)
    assert [(r["rule"], r["met"], r["observed"]) for r in cov["requirements"]] == [
        (r.rule, r.met, r.observed) for r in reqs
    ]
    assert [g["rule"] for g in data["unit"]["gaps"]] == [r.rule for r in reqs if not r.met]
    assert data["lpc"] == {"coverage": None, "gaps": []}
    timeline = data["unit"]["timeline"]
    assert [t["year"] for t in timeline] == [2019, 2020]
    for t in timeline:
        links = reference_store.find_links(LinkQuery(unit_id="TB-230102", year=t["year"])).items
        assert t["records"] == len(links)
        assert t["count"] == sum(lk.count for lk in links)
        assert sum(f["count"] for f in t["byFamily"]) == t["count"]
        assert {f["family"] for f in t["byFamily"]} == {"REPORTING", "LIAISON", "EXCHANGE"}


# -- units and links ------------------------------------------------------------------------------

UNITS = """query($kind: UnitKind, $level: Level, $region: String, $name: String, $first: Int, $after: String) {
  units(kind: $kind, level: $level, regionCode: $region, nameContains: $name, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""


@pytest.mark.parametrize(
    ("variables", "query"),
    [
        ({}, UnitQuery()),
        ({"kind": "TAX_BUREAU", "level": "COUNTY"}, UnitQuery(kind="tax_bureau", level="county")),
        ({"region": "230100"}, UnitQuery(region_code="230100")),
        ({"kind": "PARTY_BRANCH", "region": "232700"}, UnitQuery(kind="party_branch", region_code="232700")),
        ({"name": "哈尔滨"}, UnitQuery(name_contains="哈尔滨")),
        ({"name": "harbin"}, UnitQuery(name_contains="harbin")),
    ],
)
def test_units_filters_and_pagination(
    client: GraphQLClient, reference_store: Store, variables: dict[str, Any], query: UnitQuery
) -> None:
    nodes, total = collect(client, UNITS, "units", variables, page=500)
    expected = reference_store.find_units(query)
    assert [n["id"] for n in nodes] == [u.id for u in expected.items]
    assert total == expected.total == len(nodes)


LINKS = """query($unit: ID, $family: Family, $kind: LinkKind, $year: Int, $first: Int, $after: String) {
  links(unitId: $unit, family: $family, kind: $kind, year: $year, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id family kind date year count participants title sourceId targetId
                          source { id } target { id } provenance { file row } } } } }"""


@pytest.mark.parametrize(
    ("variables", "query"),
    [
        ({"year": 2020}, LinkQuery(year=2020)),
        ({"year": 2021, "family": "EXCHANGE"}, LinkQuery(year=2021, family="exchange")),
        ({"kind": "JOINT_RESEARCH"}, LinkQuery(kind="joint_research")),
        ({"unit": "TB-230000", "family": "REPORTING"}, LinkQuery(unit_id="TB-230000", family="reporting")),
    ],
)
def test_links_filters_and_pagination(
    client: GraphQLClient, reference_store: Store, variables: dict[str, Any], query: LinkQuery
) -> None:
    nodes, total = collect(client, LINKS, "links", variables, page=500)
    expected = reference_store.find_links(query)
    assert total == expected.total == len(nodes)
    assert [n["id"] for n in nodes] == [lk.id for lk in expected.items]
    first, lk = nodes[0], expected.items[0]
    assert first["kind"] == lk.kind.upper() and first["family"] == lk.family.upper()
    assert first["date"] == lk.date.isoformat() and first["year"] == lk.year
    assert (first["count"], first["participants"], first["title"]) == (lk.count, lk.participants, lk.title)
    assert (first["source"]["id"], first["target"]["id"]) == (lk.source_id, lk.target_id)
    assert first["provenance"] == {"file": lk.source_file, "row": lk.source_row}


def test_links_between(client: GraphQLClient, reference_store: Store) -> None:
    data = client.data('{ linksBetween(aId: "LPC-230102", bId: "TB-230102") { totalCount nodes { id } } }')
    expected = reference_store.find_links(LinkQuery(unit_id="LPC-230102", other_id="TB-230102"))
    assert data["linksBetween"]["totalCount"] == expected.total > 0
    assert [n["id"] for n in data["linksBetween"]["nodes"]] == [lk.id for lk in expected.items]


# -- coverage, gaps, stats ------------------------------------------------------------------------

COVERAGE = """query($year: Int!, $level: Level, $region: String) {
  coverage(year: $year, level: $level, regionCode: $region) {
    year expected met ratio
    byLevel { level expected met ratio }
    byRule { rule expected met ratio }
    byRegion { regionCode name expected met ratio }
    units { unitId name expected met ratio } } }"""


def as_api(value: Any, enum_fields: tuple[str, ...] = ("level", "family", "counterpart_kind")) -> Any:
    """The library's JSON shape as the API shows it: camelCase keys, enum values UPPER_SNAKE."""
    if isinstance(value, list):
        return [as_api(v, enum_fields) for v in value]
    if isinstance(value, dict):
        return {
            camel(k): enumish(v) if k in enum_fields else as_api(v, enum_fields) for k, v in value.items()
        }
    return value


@pytest.mark.parametrize(
    ("variables", "kwargs"),
    [
        ({"year": 2020}, {}),
        ({"year": 2019, "level": "PREFECTURE"}, {"level": "prefecture"}),
        ({"year": 2021, "region": "230100"}, {"region_code": "230100"}),
    ],
)
def test_coverage_matches_the_library(
    client: GraphQLClient, reference_store: Store, variables: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    data = client.data(COVERAGE, variables)
    expected = rules.coverage(reference_store, variables["year"], **kwargs).as_dict()
    assert data["coverage"] == as_api(expected)


def test_gaps_match_the_library(client: GraphQLClient, reference_store: Store) -> None:
    query = """query($rule: String, $level: Level) { gaps(year: 2020, rule: $rule, level: $level) {
        unitId rule family counterpartKind counterpartId required observed met } }"""
    data = client.data(query, {})
    expected = [g.as_gap() for g in rules.gaps(reference_store, 2020)]
    assert [{k: v for k, v in g.items() if k != "met"} for g in data["gaps"]] == as_api(expected)
    assert not any(g["met"] for g in data["gaps"])
    some = client.data(query, {"rule": "liaison_propaganda_department", "level": "COUNTY"})["gaps"]
    expected_some = rules.gaps(reference_store, 2020, rule="liaison_propaganda_department", level="county")
    assert [g["unitId"] for g in some] == [g.unit_id for g in expected_some]


def test_gap_with_missing_counterpart_has_null_id(client: GraphQLClient) -> None:
    gaps = client.data('{ gaps(year: 2020, rule: "liaison_organs_work_committee") { unitId counterpartId } }')
    assert any(g["counterpartId"] is None for g in gaps["gaps"])  # some remote regions lack an OWC


def test_stats_match_the_library(client: GraphQLClient, reference_store: Store) -> None:
    data = client.data(
        "{ stats(year: 2020) { year units links byFamily { family count participants } "
        "byKind { kind family count participants } } }"
    )["stats"]
    expected = compute_stats(reference_store, 2020)
    assert (data["year"], data["units"], data["links"]) == (2020, expected["units"], expected["links"])
    assert {
        f["family"].lower(): {"count": f["count"], "participants": f["participants"]}
        for f in data["byFamily"]
    } == (expected["by_family"])
    assert {
        k["kind"].lower(): {"count": k["count"], "participants": k["participants"]} for k in data["byKind"]
    } == (expected["by_kind"])
    assert sum(k["count"] for k in data["byKind"] if k["kind"] == "VISIT") == 996  # the case study's figure


def test_coverage_trend_years_rules_vocabulary(client: GraphQLClient, reference_store: Store) -> None:
    data = client.data(
        """{ years coverageTrend { year ratio } rules { id family linkKinds counterpartKinds perSubordinateBureau
             direction min unitKind levels } vocabulary { unitKinds { kind zh side } linkKinds { kind family zh } } }"""
    )
    assert data["years"] == [2019, 2020, 2021]
    trend = [t["ratio"] for t in data["coverageTrend"]]
    assert trend == [rules.coverage(reference_store, y).ratio for y in (2019, 2020, 2021)]
    assert trend[0] < trend[1] < trend[2]
    ids = [r["id"] for r in data["rules"]]
    assert ids == [r.id for r in rules.load_rules()]
    coord = data["rules"][ids.index("coordinate_lower_localities")]
    assert coord["perSubordinateBureau"] and coord["counterpartKinds"] == ["LOCAL_PARTY_COMMITTEE"]
    assert {"kind": "VISIT", "family": "LIAISON", "zh": "走访"} in data["vocabulary"]["linkKinds"]


# -- shortest path --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"), [("TB-230102", "TB-230103"), ("PB-230102-01", "SCH-232700"), ("ORG-230100", "DISC-231100")]
)
def test_shortest_path_is_the_same_on_every_store(
    client: GraphQLClient, reference_store: Store, a: str, b: str
) -> None:
    data = client.data(
        "query($a: ID!, $b: ID!) { shortestPath(fromId: $a, toId: $b, maxHops: 8) { id } }", {"a": a, "b": b}
    )
    got = [u["id"] for u in data["shortestPath"]]
    assert got == paths.shortest_path(reference_store, a, b, 8)
    assert got[0] == a and got[-1] == b
    hops = len(got) - 1
    short = client.data(
        "query($a: ID!, $b: ID!, $h: Int!) { shortestPath(fromId: $a, toId: $b, maxHops: $h) { id } }",
        {"a": a, "b": b, "h": hops - 1},
    )
    assert short["shortestPath"] == []


def test_shortest_path_to_itself_and_unknown(client: GraphQLClient) -> None:
    assert client.data('{ shortestPath(fromId: "TB-230102", toId: "TB-230102") { id } }') == {
        "shortestPath": [{"id": "TB-230102"}]
    }
    [msg] = client.errors('{ shortestPath(fromId: "TB-230102", toId: "NOPE") { id } }')
    assert msg == "unknown unit id: NOPE"


# -- bad arguments --------------------------------------------------------------------------------

NO_TRACE = re.compile(r"Traceback|File \"|\.py\b|line \d+")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("{ units(first: 501) { totalCount } }", "first must be at most 500"),
        ("{ units(first: -1) { totalCount } }", "first must be at least 0"),
        ('{ units(after: "bm9wZQ==") { totalCount } }', "is not a cursor from this API"),
        ('{ units(after: "%%%") { totalCount } }', "is not a cursor from this API"),
        ("{ units(kind: SPACESHIP) { totalCount } }", "SPACESHIP"),
        ('{ units(regionCode: "23") { totalCount } }', "six-digit division code"),
        ('{ units(regionCode: "990000") { totalCount } }', "unknown region 990000"),
        (
            '{ gaps(year: 2020, rule: "be_nice") { unitId } }',
            "unknown rule 'be_nice'; rules are: report_to_local",
        ),
        ("{ coverage(year: 0) { met } }", "year must be a calendar year"),
        ('{ shortestPath(fromId: "A", toId: "B", maxHops: 99) { id } }', "maxHops must be between 0 and 12"),
        ("{ stats { year } }", "is required, but it was not provided"),
        ('{ unit(id: "TB-230102") { links(first: 100000) { totalCount } } }', "first must be at most 500"),
        ("{ nope }", "Cannot query field 'nope'"),
    ],
)
def test_bad_arguments_say_what_is_wrong(client: GraphQLClient, query: str, says: str) -> None:
    messages = client.errors(query)
    assert any(says in m for m in messages), messages
    assert not any(NO_TRACE.search(m) for m in messages), messages


def test_depth_limit(client: GraphQLClient) -> None:
    deep = '{ unit(id: "PB-230102-01") { ' + "parent { " * 14 + "id" + " }" * 14 + " } }"
    [msg] = client.errors(deep)
    assert "exceeds maximum operation depth of 12" in msg
    shallow = '{ unit(id: "PB-230102-01") { ' + "parent { " * 4 + "id" + " }" * 4 + " } }"
    assert client.data(shallow)["unit"]["parent"]["parent"]["parent"]["parent"]["id"] == "TB-230000"


def test_queries_via_get(client: GraphQLClient) -> None:
    response = client.http.get("/graphql", params={"query": '{ unit(id: "TB-230000") { name } }'})
    assert response.status_code == 200
    assert response.json() == {
        "data": {"unit": {"name": "国家税务总局黑龙江省税务局"}},
        "extensions": {"cost": 1},
    }
