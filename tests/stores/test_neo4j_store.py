"""What only the Neo4j store has: the graph's shape in Neo4j, its schema, transactions, settings
and error mapping. The shared behaviour is in test_store_contract.py (run on both stores)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace
from typing import Any

import pytest
from cypherlog import CypherLog
from neo4j.time import Date
from store_data import clear_neo4j, neo4j_database, small_dataset, snapshot

from graph.errors import StoreError, StoreUnavailable
from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.resources import schema_path
from graph.store import LinkQuery, UnitQuery, cypher, open_store
from graph.store.neo4j import Neo4jStore


def rows(driver: Any, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=neo4j_database())
    return [r.data() for r in records]


def graph_counts(driver: Any) -> dict[str, int]:
    nodes = rows(driver, "MATCH (n) RETURN count(n) AS n")[0]["n"]
    rels = rows(driver, "MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n")
    return {"nodes": nodes, **{r["t"]: r["n"] for r in rels}}


# -- settings, no server needed --------------------------------------------------------------


def test_from_env_reads_settings_and_hides_credentials() -> None:
    store = Neo4jStore.from_env("neo4j+s://alice:s3cret@db.example.org:7687", env={})
    try:
        assert store.location == "neo4j+s://db.example.org:7687"
        assert "s3cret" not in repr(store) and store.database == "neo4j"
    finally:
        store.close()
    store = Neo4jStore.from_env("bolt://127.0.0.1:7687", env={"NEO4J_DATABASE": "graph"})
    try:
        assert (store.location, store.database) == ("bolt://127.0.0.1:7687", "graph")
    finally:
        store.close()


def test_open_store_picks_neo4j_for_bolt_and_neo4j_uris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    for uri in ("bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"):
        with open_store(uri) as store:  # constructing connects to nothing
            assert isinstance(store, Neo4jStore) and store.location == uri


def test_bad_uri_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=re.escape("bolt://db.example.org?policy=eu")):
        Neo4jStore("bolt://db.example.org?policy=eu")  # routing context on a direct URI


def test_unreachable_server_raises_store_unavailable_naming_the_uri() -> None:
    store = Neo4jStore("bolt://127.0.0.1:1", max_transaction_retry_time=0.2, connection_timeout=2)
    calls = [
        store.ping,
        store.count_units,
        store.regions,
        store.years,
        lambda: store.get_units(["x"]),
        lambda: store.find_units(UnitQuery()),
        lambda: store.find_links(LinkQuery(year=2020)),
        lambda: store.pair_counts([2020]),
        lambda: store.write(small_dataset()),
    ]
    try:
        for call in calls:
            with pytest.raises(StoreUnavailable, match=re.escape("bolt://127.0.0.1:1")):
                call()
    finally:
        store.close()


def test_cypher_names_come_from_the_vocabulary() -> None:
    vocab = vocabulary()
    assert set(cypher.UNIT_LABELS) == {k.label for k in vocab.unit_kinds.values()}
    assert set(cypher.REL_TYPES) == {vocab.rel_type(f) for f in vocab.families} == {
        "REPORTING", "LIAISON", "EXCHANGE",
    }  # fmt: skip
    assert set(cypher.UNIT_MERGE) == set(cypher.UNIT_LABELS)
    assert all(re.fullmatch("[A-Za-z]+", n) for n in (*cypher.UNIT_LABELS, *cypher.REL_TYPES))
    with pytest.raises(ValueError, match="plain word"):
        cypher.checked_names(["Tax`) DETACH DELETE (n"], "label")


def test_constraints_file_covers_every_link_type() -> None:
    statements = cypher.schema_statements(schema_path("constraints.cypher").read_text(encoding="utf-8"))
    assert statements and all(" IF NOT EXISTS " in s for s in statements)
    text = "\n".join(statements)
    assert "FOR (u:Unit) REQUIRE u.id IS UNIQUE" in text
    assert "FOR (r:Region) REQUIRE r.code IS UNIQUE" in text
    for rel in cypher.REL_TYPES:
        assert f"FOR ()-[r:{rel}]-() REQUIRE r.id IS UNIQUE" in text
        assert f"FOR ()-[r:{rel}]-() ON (r.year)" in text


# -- against the server ----------------------------------------------------------------------


@pytest.mark.neo4j
def test_graph_has_the_contract_shape(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    data = small_dataset()
    neo4j_store.write(data)
    vocab = vocabulary()
    got = {
        r["id"]: r
        for r in rows(
            neo4j_driver, "MATCH (u) WHERE u:Unit RETURN u.id AS id, labels(u) AS labels, properties(u) AS p"
        )
    }
    assert set(got) == {u.id for u in data.units}
    for u in data.units:
        assert set(got[u.id]["labels"]) == {"Unit", vocab.label(u.kind)}
        expected = {
            "id": u.id, "name": u.name, "name_en": u.name_en, "kind": u.kind, "level": u.level,
            "region_code": u.region_code, "parent_id": u.parent_id,
        }  # fmt: skip
        assert {k: got[u.id]["p"].get(k) for k in expected} == expected
    # every bureau-side unit carries its system, tax's too (a Browser user's {system: 'tax'} finds it)
    assert got["HLJ-TAX"]["p"].keys() == {
        "id",
        "name",
        "name_en",
        "kind",
        "level",
        "region_code",
        "caption",
        "system",
    }
    assert got["HLJ-TAX"]["p"]["system"] == "tax"
    sides = {k: vocab.unit_kinds[k].side for k in vocab.unit_kinds}
    assert {u.id for u in data.units if got[u.id]["p"].get("system") == "tax"} == {
        u.id for u in data.units if sides[u.kind] == "bureau"
    }
    regions = rows(neo4j_driver, "MATCH (r:Region) RETURN labels(r) AS l, properties(r) AS p ORDER BY r.code")
    assert [r["p"] for r in regions][:2] == [
        {"code": "230000", "name": "黑龙江省", "level": "province"},
        {"code": "230100", "name": "哈尔滨市", "level": "prefecture", "parent_code": "230000"},
    ]
    assert all(r["l"] == ["Region"] for r in regions)
    structure = rows(
        neo4j_driver,
        "MATCH (a)-[r]->(b) WHERE type(r) IN ['UNDER', 'IN_REGION', 'WITHIN'] "
        "RETURN type(r) AS t, coalesce(a.id, a.code) AS a, coalesce(b.id, b.code) AS b ORDER BY t, a, b",
    )
    assert [(r["a"], r["b"]) for r in structure if r["t"] == "UNDER"] == sorted(
        (u.id, u.parent_id) for u in data.units if u.parent_id
    )
    assert [(r["a"], r["b"]) for r in structure if r["t"] == "IN_REGION"] == sorted(
        (u.id, u.region_code) for u in data.units
    )
    assert [(r["a"], r["b"]) for r in structure if r["t"] == "WITHIN"] == [
        ("230100", "230000"), ("230102", "230100"), ("230200", "230000"),
    ]  # fmt: skip
    links = {
        r["p"]["id"]: r
        for r in rows(
            neo4j_driver,
            "MATCH (s:Unit)-[r]->(t:Unit) WHERE NOT type(r) = 'UNDER' "
            "RETURN type(r) AS t, s.id AS s, t.id AS e, properties(r) AS p, r.date IS :: DATE AS is_date",
        )
    }
    assert set(links) == {lk.id for lk in data.links}
    for lk in data.links:
        r = links[lk.id]
        assert (r["t"], r["s"], r["e"], r["is_date"]) == (
            vocab.rel_type(lk.family),
            lk.source_id,
            lk.target_id,
            True,
        )
    assert links["L7"]["p"] == {
        "id": "L7", "kind": "joint_research", "date": Date(2019, 12, 31), "year": 2019,
        "count": 1, "participants": 7, "title": "调研座谈", "source_file": "links-2019.csv", "source_row": 5,
    }  # fmt: skip
    assert "participants" not in links["L1"]["p"]  # None is no property, read back as None


@pytest.mark.neo4j
def test_schema_constraints_and_indexes(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    neo4j_store.write(small_dataset())
    neo4j_store.ensure_schema()  # idempotent
    with Neo4jStore.from_env(neo4j_store.uri) as other:
        other.ensure_schema()
    constraints = {
        (r["type"], tuple(r["labelsOrTypes"]), tuple(r["properties"]))
        for r in rows(neo4j_driver, "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties")
    }
    assert {
        ("UNIQUENESS", ("Unit",), ("id",)),
        ("UNIQUENESS", ("Region",), ("code",)),
        ("RELATIONSHIP_UNIQUENESS", ("REPORTING",), ("id",)),
        ("RELATIONSHIP_UNIQUENESS", ("LIAISON",), ("id",)),
        ("RELATIONSHIP_UNIQUENESS", ("EXCHANGE",), ("id",)),
    } <= constraints
    indexes = {
        (r["entityType"], tuple(r["labelsOrTypes"]), tuple(r["properties"]))
        for r in rows(
            neo4j_driver,
            "SHOW INDEXES YIELD type, entityType, labelsOrTypes, properties, state "
            "WHERE type = 'RANGE' AND state = 'ONLINE' RETURN *",
        )
    }
    assert {
        ("NODE", ("Unit",), ("kind",)),
        ("NODE", ("Unit",), ("region_code",)),
        ("NODE", ("Unit",), ("parent_id",)),
        ("NODE", ("Region",), ("parent_code",)),
        ("RELATIONSHIP", ("REPORTING",), ("year",)),
        ("RELATIONSHIP", ("LIAISON",), ("year",)),
        ("RELATIONSHIP", ("EXCHANGE",), ("year",)),
    } <= indexes


@pytest.mark.neo4j
@pytest.mark.neo4j
def test_units_carry_a_short_caption_for_the_browser(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    """``caption`` (what schema/tiaokuai.grass shows) drops the shared prefixes and, for a county
    unit, its prefecture's name, and breaks after the place (the Browser wraps only at spaces),
    also when the regions were loaded earlier than the unit."""
    data = small_dataset()
    neo4j_store.write(data)
    captions = {
        r["id"]: r["c"] for r in rows(neo4j_driver, "MATCH (u:Unit) RETURN u.id AS id, u.caption AS c")
    }
    assert captions["DL-TAX"] == "道里区 税务局"
    assert captions["HLJ-TAX"] == "黑龙江省 税务局"
    assert captions["DL-PC"] == "道里区委"
    assert captions["HEB-PROP"] == "哈尔滨市委 宣传部"
    assert all(captions.values())
    later = Unit(
        "DL-PROP", "中共哈尔滨市道里区委宣传部", "propaganda_department", "county", "230102", "DL-PC"
    )
    neo4j_store.write(Dataset(units=[later]))  # its regions are only in the store
    (got,) = rows(neo4j_driver, "MATCH (u:Unit {id: 'DL-PROP'}) RETURN u.caption AS c")
    assert got["c"] == "道里区委 宣传部"


def test_unit_kind_change_replaces_its_label_and_edges(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    data = small_dataset()
    neo4j_store.write(data)
    prop = next(u for u in data.units if u.id == "HEB-PROP")
    neo4j_store.write(
        Dataset(units=[replace(prop, kind="party_school", parent_id="HLJ-PC", region_code="230000")])
    )
    (got,) = rows(
        neo4j_driver,
        "MATCH (u:Unit {id: 'HEB-PROP'}) RETURN labels(u) AS labels, "
        "[(u)-[:UNDER]->(p) | p.id] AS parents, [(u)-[:IN_REGION]->(r) | r.code] AS regions",
    )
    assert (sorted(got["labels"]), got["parents"], got["regions"]) == (
        ["PartySchool", "Unit"],
        ["HLJ-PC"],
        ["230000"],
    )


@pytest.mark.neo4j
def test_links_do_not_store_their_family_and_reads_derive_it(
    neo4j_store: Neo4jStore, neo4j_driver: Any
) -> None:
    """The relationship type is the family: it is not stored, yet every read answers it, and a link
    written by an older version (with a ``family`` property) loses the property when rewritten."""
    data = small_dataset()
    neo4j_store.write(data)
    assert rows(neo4j_driver, "MATCH ()-[r]->() WHERE r.family IS NOT NULL RETURN r.id AS id") == []
    by_id = {lk.id: lk for lk in data.links}
    assert neo4j_store.get_links(by_id) == by_id
    for family in vocabulary().families:
        page = neo4j_store.find_links(LinkQuery(family=family))
        assert page.items and {lk.family for lk in page.items} == {family}
        assert {lk.id for lk in page.items} == {lk.id for lk in data.links if lk.family == family}
    assert neo4j_store.find_links(LinkQuery(family="no_such_family")).total == 0
    totals = {t.kind: t.family for t in neo4j_store.link_totals(2019)}
    assert totals and all(totals[lk.kind] == lk.family for lk in data.links if lk.date.year == 2019)
    # an older version stored the family; a rewrite of the link drops it
    neo4j_driver.execute_query(
        "MATCH ()-[r {id: 'L7'}]->() SET r.family = 'liaison'", database_=neo4j_database()
    )
    l7 = by_id["L7"]
    assert neo4j_store.write(Dataset(links=[replace(l7, count=2)])).links_created == 0
    (got,) = rows(neo4j_driver, "MATCH ()-[r {id: 'L7'}]->() RETURN properties(r) AS p")
    assert "family" not in got["p"] and got["p"]["count"] == 2
    assert neo4j_store.get_links(["L7"])["L7"] == replace(l7, count=2)


@pytest.mark.neo4j
def test_rewritten_link_keeps_one_relationship(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    data = small_dataset()
    neo4j_store.write(data)
    l2 = next(lk for lk in data.links if lk.id == "L2")
    for version in [
        replace(l2, target_id="HEB-PC"),
        replace(l2, kind="secondment", family="exchange"),
        replace(l2, source_id="QQHR-TAX", kind="instruction", family="reporting", participants=None),
        l2,
    ]:
        assert neo4j_store.write(Dataset(links=[version])).links_created == 0
        found = rows(
            neo4j_driver,
            "MATCH (s)-[r {id: 'L2'}]->(t) RETURN type(r) AS t, s.id AS s, t.id AS e, r.participants AS p",
        )
        assert found == [
            {"t": vocabulary().rel_type(version.family), "s": version.source_id, "e": version.target_id,
             "p": version.participants}
        ]  # fmt: skip
    assert graph_counts(neo4j_driver)["LIAISON"] == 6


@pytest.mark.neo4j
def test_existence_check_only_where_the_id_range_holds_stored_links(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write whose id range holds no stored link skips LINK_FOUND after one range check (a
    first import, a new year's ledger: ~10 µs of server CPU per link less); a reload, or new ids
    around a stored one, are checked batch by batch and id by id, and nothing is duplicated either
    way."""
    log = CypherLog(monkeypatch)
    data = small_dataset()
    neo4j_store.batch_size = 3
    batches = -(-len(data.links) // 3)
    assert neo4j_store.write(data).links_created == len(data.links)  # into an empty database
    assert log.texts.count(cypher.LINK_RANGE_CLEAR) == 1 and cypher.LINK_FOUND not in log.texts

    def later(ids: list[str]) -> Dataset:
        return Dataset(links=[replace(data.links[0], id=i) for i in ids])

    log.sent.clear()  # ids after every stored one
    assert neo4j_store.write(later(["Z1", "Z2", "Z3"])).links_created == 3
    assert cypher.LINK_FOUND not in log.texts
    log.sent.clear()  # the same links again: checked, none created
    assert neo4j_store.write(data).links_created == 0
    assert log.texts.count(cypher.LINK_FOUND) == batches
    assert log.texts.count(cypher.LINK_RANGE_CLEAR) == 1 + batches  # the whole write, then each batch
    log.sent.clear()  # new ids whose range holds a stored id (L1 lies between L0 and L10a)
    assert neo4j_store.write(later(["L0", "L10a"])).links_created == 2
    assert log.texts.count(cypher.LINK_FOUND) == 1
    assert neo4j_store.find_links(LinkQuery()).total == len(data.links) + 5


@pytest.mark.neo4j
def test_write_is_one_transaction_across_batches(neo4j_store: Neo4jStore, neo4j_driver: Any) -> None:
    data = small_dataset()
    neo4j_store.write(data)
    before, counts = snapshot(neo4j_store, data), graph_counts(neo4j_driver)
    neo4j_store.batch_size = 2  # so that several batches are sent before the failing one
    new_units = [Unit(f"N{i}", f"新{i}", "party_school", "county", "230102", "DL-PC") for i in range(5)]
    new_links = [
        Link(f"X{i}", "visit", "liaison", dt.date(2024, 1, i + 1), f"N{i % 5}", "DL-PC") for i in range(7)
    ]
    new_links[-2] = replace(new_links[-2], source_id="GHOST")  # a unit that does not exist
    changed = [replace(lk, participants=77) for lk in data.links]
    broken = Dataset(
        regions=[Region("230300", "鸡西市", "prefecture", "230000")],
        units=[*new_units, replace(data.units[0], kind="party_branch")],
        links=[*changed, *new_links],
    )
    with pytest.raises(StoreError, match="GHOST") as err:
        neo4j_store.write(broken)
    assert "nothing was written" in str(err.value) and "bolt://" in str(err.value)
    assert graph_counts(neo4j_driver) == counts
    assert snapshot(neo4j_store, data) == before
    # the same load without the broken row goes through, in batches of 2
    new_links[-2] = replace(new_links[-2], source_id="N0")
    summary = neo4j_store.write(replace(broken, links=[*changed, *new_links]))
    assert (summary.links, summary.links_created) == (17, 7)
    assert neo4j_store.find_links(LinkQuery(year=2024)).total == 7
    assert neo4j_store.count_units() == 16


@pytest.mark.neo4j
@pytest.mark.parametrize("ghost", [0, 5, 9])
def test_missing_unit_in_any_pipelined_batch_rolls_back(
    neo4j_store: Neo4jStore, neo4j_driver: Any, ghost: int
) -> None:
    """Batches of new links are sent before the answer to the one before is read; a batch that
    could not create all its links (a missing unit) is noticed a batch later or at the end, and
    still names the unit and writes nothing: the first, a middle and the last batch."""
    data = small_dataset()
    neo4j_store.write(data)
    counts = graph_counts(neo4j_driver)
    neo4j_store.batch_size = 2
    links = [
        Link(f"Y{i}", "visit", "liaison", dt.date(2024, 1, i + 1), "DL-PC", data.units[0].id)
        for i in range(10)
    ]
    links[ghost] = replace(links[ghost], target_id=f"GHOST{ghost}")
    with pytest.raises(StoreError, match=f"GHOST{ghost}.*nothing was written"):
        neo4j_store.write(Dataset(links=links))
    assert graph_counts(neo4j_driver) == counts


@pytest.mark.neo4j
def test_reads_are_routed_and_work_through_neo4j_scheme(neo4j_uri: str, neo4j_driver: Any) -> None:
    clear_neo4j(neo4j_driver)
    routed = neo4j_uri.replace("bolt://", "neo4j://", 1)
    with Neo4jStore.from_env(routed) as store:
        store.ping()
        store.write(small_dataset())
        assert store.count_units() == 11 and store.years() == [2019, 2020, 2021]


@pytest.mark.neo4j
def test_unknown_database_is_store_unavailable(neo4j_uri: str) -> None:
    with Neo4jStore.from_env(neo4j_uri, env={"NEO4J_DATABASE": "nosuchdb"}) as store:
        with pytest.raises(StoreUnavailable, match="nosuchdb"):
            store.ping()
        with pytest.raises(StoreUnavailable, match="NEO4J_DATABASE"):
            store.count_units()


@pytest.mark.neo4j
def test_fresh_database_without_schema(
    neo4j_store: Neo4jStore, neo4j_driver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Reads work (quietly) before any schema exists; the first write creates it."""
    for r in rows(neo4j_driver, "SHOW CONSTRAINTS YIELD name"):
        rows(neo4j_driver, f"DROP CONSTRAINT `{r['name']}`")
    for r in rows(neo4j_driver, "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"):
        rows(neo4j_driver, f"DROP INDEX `{r['name']}`")
    caplog.set_level(logging.INFO)
    assert neo4j_store.get_units(["x"]) == {} and neo4j_store.get_links(["L1"]) == {}
    assert neo4j_store.children(["x"]) == {"x": []} and neo4j_store.neighbours(["x"]) == {"x": set()}
    assert neo4j_store.find_units(UnitQuery(region_code="230100")).total == 0
    assert neo4j_store.link_totals(2020) == [] and neo4j_store.years() == []
    assert neo4j_store.generation() == 0
    assert [r.getMessage() for r in caplog.records if r.name.startswith("neo4j")] == []
    neo4j_store.write(small_dataset())
    assert len(rows(neo4j_driver, "SHOW CONSTRAINTS YIELD name")) == 6  # with meta_id (the generation)
    assert neo4j_store.count_units() == 11 and neo4j_store.years() == [2019, 2020, 2021]
