"""tiaokuai's GraphQL against @neo4j/graphql 7 (Apollo Server 5) over the same Neo4j database.

``bench/run.py --only peer`` (``--quick`` for shorter runs) empties the Neo4j database, loads the
bundled sample, starts ``tiaokuai serve`` and the peer (``bench/peer/server.mjs``), checks that
both answer each question the same, and then measures, interleaved, the latency with one client
and the throughput with eight. Bolt round trips per request are counted for both through a
counting TCP proxy in front of Neo4j (a round trip: bytes to the server, then bytes back).

The peer needs Node 20+, ``npm ci`` in bench/peer (``bench/peer/setup`` does it and installs APOC)
and APOC in the server (``scripts/neo4j plugins apoc`` and a restart). Where Node or APOC is
missing the step is skipped with a message saying so.

Keys (per question Q in ``units_of_prefecture``, ``links_two_hops``, ``links_by_family``,
``analyst``): ``graphql_vs_neo4j_graphql_p50_Q`` (tiaokuai p50 / peer p50, target <= 1),
``graphql_vs_neo4j_graphql_rps_Q`` (tiaokuai req/s / peer req/s with 8 clients, target >= 1),
``peer_Q_{tiaokuai,neo4j_graphql}_{p50_ms,p99_ms,rps_8_clients,p99_ms_8_clients,bolt_round_trips}``;
and ``graphql_vs_neo4j_graphql_p50`` / ``_rps``: the worst ratio over the questions.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import REPO, free_port, percentile, stop

PEER_DIR = REPO / "bench" / "peer"

# -- the questions --------------------------------------------------------------------------------

_LINK_CONNS = [f"{fam}{d}" for fam in ("reporting", "liaison", "exchange") for d in ("Out", "In")]
_FAMILY = {"reporting": "REPORTING", "liaison": "LIAISON", "exchange": "EXCHANGE"}
_YEAR_EDGE = "(where: {edge: {year: {eq: 2020}}})"

T_UNITS = """query($code: String!) {
  units(first: 50, where: {kind: {eq: TAX_BUREAU}, level: {eq: COUNTY}, regionWithin: $code}) {
    totalCount nodes { id name parent { id name } region { code name } }
  }
}"""
P_UNITS = """query($code: ID!) {
  unitsConnection(first: 50, sort: [{id: ASC}], where: {kind: {eq: "tax_bureau"}, level: {eq: "county"},
      region: {some: {parent: {some: {code: {eq: $code}}}}}}) {
    totalCount edges { node { id name parent { id name } region { code name } } }
  }
}"""

T_TWO_HOPS = """query($id: ID!) {
  unit(id: $id) {
    links(where: {year: {eq: 2020}}, first: 500) {
      totalCount
      nodes {
        id kind date count source { id name }
        target { id name links(where: {year: {eq: 2020}}, first: 500) { totalCount nodes { id kind date } } }
      }
    }
  }
}"""
_P_HOP2 = " ".join(
    f"{c}Connection{_YEAR_EDGE} {{ edges {{ properties {{ id kind date }} }} }}" for c in _LINK_CONNS
)
P_TWO_HOPS = (
    "query($id: ID!) { units(where: {id: {eq: $id}}) { id name "
    + " ".join(
        f"{c}Connection{_YEAR_EDGE} {{ totalCount edges {{ properties {{ id kind date events }} "
        + ("node { id name " + _P_HOP2 + " } } }" if c.endswith("Out") else "node { id name } } }")
        for c in _LINK_CONNS
    )
    + " } }"
)

T_BY_FAMILY = """query($id: ID!) {
  linksAggregate(where: {year: {eq: 2020}, unit: {id: {eq: $id}}}, groupBy: [FAMILY]) {
    family records count participants
  }
}"""
P_BY_FAMILY = (
    "query($id: ID!) { units(where: {id: {eq: $id}}) { "
    + " ".join(
        f"{c}Connection{_YEAR_EDGE} {{ aggregate {{ count {{ edges }} edge {{ events {{ sum }} participants {{ sum }} }} }} }}"
        for c in _LINK_CONNS
    )
    + " } }"
)

T_ANALYST = """query($code: String!) {
  units(first: 500, where: {
    kind: {eq: TAX_BUREAU}, level: {eq: COUNTY}, regionWithin: $code,
    hasLink: {family: {eq: REPORTING}, direction: OUT, year: {eq: 2020}, atLeastEvents: 3},
    noLink: {family: {eq: LIAISON}, year: {eq: 2020}, counterpart: {kind: {eq: PROPAGANDA_DEPARTMENT}}}
  }) { totalCount nodes { id name } }
}"""
# @neo4j/graphql cannot ask for "at least three reports *in 2020*" (its aggregate filters count all
# of a relationship's edges, not those matching an edge filter): it returns each candidate's 2020
# report sum and the client keeps those with three or more.
P_ANALYST = """query($code: ID!) {
  units(sort: [{id: ASC}], where: {kind: {eq: "tax_bureau"}, level: {eq: "county"},
      region: {some: {parent: {some: {code: {eq: $code}}}}},
      liaisonOutConnection: {none: {edge: {year: {eq: 2020}}, node: {kind: {eq: "propaganda_department"}}}},
      liaisonInConnection: {none: {edge: {year: {eq: 2020}}, node: {kind: {eq: "propaganda_department"}}}}}) {
    id name reportingOutConnection(where: {edge: {year: {eq: 2020}}}) { aggregate { edge { events { sum } } } }
  }
}"""


def _c_units(t: dict[str, Any] | None, p: dict[str, Any] | None) -> tuple[Any, Any]:
    def unit(n: dict[str, Any], parent: Any, region: Any) -> Any:
        return (
            n["id"],
            n["name"],
            parent and (parent["id"], parent["name"]),
            region and (region["code"], region["name"]),
        )

    tc = t and (
        t["units"]["totalCount"],
        [unit(n, n["parent"], n["region"]) for n in t["units"]["nodes"]],
    )
    pc = p and (
        p["unitsConnection"]["totalCount"],
        [
            unit(e["node"], (e["node"]["parent"] or [None])[0], (e["node"]["region"] or [None])[0])
            for e in p["unitsConnection"]["edges"]
        ],
    )
    return tc, pc


def _c_two_hops(t: dict[str, Any] | None, p: dict[str, Any] | None, uid: str) -> tuple[Any, Any]:
    tc = pc = None
    if t is not None:
        first = set()
        second: dict[str, set[str]] = {}
        for n in t["unit"]["links"]["nodes"]:
            first.add(
                (n["id"], n["kind"].lower(), n["date"], n["count"], n["source"]["id"], n["target"]["id"])
            )
            if n["target"]["id"] != uid:
                second[n["target"]["id"]] = {
                    (m["id"], m["kind"].lower(), m["date"]) for m in n["target"]["links"]["nodes"]
                }
        tc = (sorted(first), sorted((k, sorted(v)) for k, v in second.items()))
    if p is not None:
        (u,) = p["units"]
        first = set()
        second = {}
        for c in _LINK_CONNS:
            for e in u[f"{c}Connection"]["edges"]:
                pr, node = e["properties"], e["node"]
                src, tgt = (uid, node["id"]) if c.endswith("Out") else (node["id"], uid)
                first.add((pr["id"], pr["kind"], pr["date"], pr["events"], src, tgt))
                if c.endswith("Out") and node["id"] != uid:
                    second[node["id"]] = {
                        (e2["properties"]["id"], e2["properties"]["kind"], e2["properties"]["date"])
                        for c2 in _LINK_CONNS
                        for e2 in node[f"{c2}Connection"]["edges"]
                    }
        pc = (sorted(first), sorted((k, sorted(v)) for k, v in second.items()))
    return tc, pc


def _c_by_family(t: dict[str, Any] | None, p: dict[str, Any] | None) -> tuple[Any, Any]:
    tc = t and sorted((g["family"], g["records"], g["count"], g["participants"]) for g in t["linksAggregate"])
    pc = None
    if p is not None:
        (u,) = p["units"]
        sums: dict[str, list[int]] = {}
        for c in _LINK_CONNS:
            a = u[f"{c}Connection"]["aggregate"]
            fam = _FAMILY[c[:-3] if c.endswith("Out") else c[:-2]]
            row = sums.setdefault(fam, [0, 0, 0])
            row[0] += a["count"]["edges"]
            row[1] += a["edge"]["events"]["sum"] or 0
            row[2] += a["edge"]["participants"]["sum"] or 0
        pc = sorted((f, *v) for f, v in sums.items() if v[0])
    return tc, pc


def _c_analyst(t: dict[str, Any] | None, p: dict[str, Any] | None) -> tuple[Any, Any]:
    tc = t and [(n["id"], n["name"]) for n in t["units"]["nodes"]]
    pc = p and [
        (u["id"], u["name"])
        for u in p["units"]
        if (u["reportingOutConnection"]["aggregate"]["edge"]["events"]["sum"] or 0) >= 3
    ]
    return tc, pc


#: name -> (tiaokuai query, peer query, variables to rotate through, canonical form of both answers)
QUESTIONS: dict[str, tuple[str, str, list[dict[str, Any]], Callable[..., tuple[Any, Any]]]] = {
    "units_of_prefecture": (
        T_UNITS, P_UNITS, [{"code": c} for c in ("230100", "230200", "230700", "231000")],
        lambda t, p, v: _c_units(t, p),
    ),
    "links_two_hops": (
        T_TWO_HOPS, P_TWO_HOPS, [{"id": i} for i in ("TB-230102", "TB-230100", "TB-230700", "TB-230124")],
        lambda t, p, v: _c_two_hops(t, p, v["id"]),
    ),
    "links_by_family": (
        T_BY_FAMILY, P_BY_FAMILY, [{"id": i} for i in ("TB-230102", "TB-230100", "LPC-230102", "TB-230124")],
        lambda t, p, v: _c_by_family(t, p),
    ),
    "analyst": (
        T_ANALYST, P_ANALYST, [{"code": c} for c in ("230100", "230200", "230700", "231000")],
        lambda t, p, v: _c_analyst(t, p),
    ),
}  # fmt: skip


# -- a TCP proxy that counts Bolt round trips -----------------------------------------------------


class CountingProxy:
    """Forwards 127.0.0.1:port to Neo4j's Bolt port and counts round trips: a stretch of bytes
    from the client followed by bytes from the server, per connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.round_trips = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        state = {"sent": False}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, from_client: bool) -> None:
            try:
                while data := await src.read(65536):
                    if from_client:
                        state["sent"] = True
                    elif state["sent"]:
                        state["sent"] = False
                        with self._lock:
                            self.round_trips += 1
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)

    def reset(self) -> int:
        with self._lock:
            n, self.round_trips = self.round_trips, 0
        return n


# -- servers --------------------------------------------------------------------------------------


def peer_unavailable(neo4j_uri: str) -> str | None:
    """Why the peer cannot run here, or None."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return "Node.js (node and npm, 20 or newer) is not installed: the @neo4j/graphql peer needs it"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        return f"Node.js {version} is too old for @neo4j/graphql 7 (20 or newer)"
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri) as driver:
        try:
            driver.execute_query(
                "RETURN apoc.version() AS v", database_=os.environ.get("NEO4J_DATABASE") or "neo4j"
            )
        except Exception:  # noqa: BLE001 - any failure here means no APOC
            return (
                "the Neo4j server has no APOC, which @neo4j/graphql needs: run bench/peer/setup "
                "(or scripts/neo4j plugins apoc) and restart the server"
            )
    return None


def ensure_node_modules() -> None:
    if not (PEER_DIR / "node_modules" / "@neo4j" / "graphql").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


def start_peer(uri: str, log: Path) -> tuple[subprocess.Popen[Any], str]:
    port = free_port()
    proc = subprocess.Popen(
        ["node", str(PEER_DIR / "server.mjs"), "--uri", uri, "--port", str(port)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=PEER_DIR,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    import httpx

    while True:
        try:
            r = httpx.post(base + "/graphql", json={"query": "{ __typename }"}, timeout=5)
            if r.status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            stop(proc)
            raise RuntimeError(f"the peer did not start (see {log}): {log.read_text()[-2000:]}")
        time.sleep(0.3)


# -- measuring ------------------------------------------------------------------------------------


def _post(client: Any, base: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = client.post(base + "/graphql", json={"query": query, "variables": variables})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{base}: {r.status_code} {str(body)[:500]}")
    return body["data"]


async def _load(
    base: str, query: str, variables: list[dict[str, Any]], clients: int, seconds: float
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(k: int) -> None:
            i = k
            while time.perf_counter() < deadline:
                v = variables[i % len(variables)]
                i += 1
                t = time.perf_counter()
                try:
                    r = await client.post("/graphql", json={"query": query, "variables": v})
                    if r.status_code != 200 or r.json().get("errors"):
                        errors.append(f"{r.status_code} {r.text[:200]}")
                        continue
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker(k) for k in range(clients)))
        elapsed = time.perf_counter() - start
    return {"n": len(latencies), "errors": len(errors), "first_errors": errors[:3], "elapsed": elapsed,
            "lat": latencies}  # fmt: skip


def bench_peer(run: Any, start_serve: Callable[[Any, str, str], tuple[subprocess.Popen[Any], str]]) -> None:
    import httpx
    from neo4j import GraphDatabase

    from graph.store import open_store

    assert run.neo4j_uri
    reason = peer_unavailable(run.neo4j_uri)
    if reason:
        run.notes.append(f"peer skipped: {reason}")
        run.say(f"peer skipped: {reason}")
        run.put(peer_skipped=reason)
        return
    ensure_node_modules()

    # the bundled sample, alone in the database
    from graph.synthetic.sample import write_sample
    from loaders import load_paths

    sample = run.work / "peer-sample"
    write_sample(sample)
    store = open_store(run.neo4j_uri)
    try:
        with store._driver.session(database=store.database) as session:  # type: ignore[attr-defined]
            for statement in (
                "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
                "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
            ):
                session.run(statement).consume()
        load_paths(store, [sample])
    finally:
        store.close()
    with GraphDatabase.driver(run.neo4j_uri) as d:  # settle statistics after the load
        d.execute_query("CALL db.resampleOutdatedIndexes()", database_="neo4j")

    plan = run.plan
    reps = {"smoke": 10, "quick": 150, "full": 400}[plan.mode]
    seconds = {"smoke": 1.0, "quick": 6.0, "full": 15.0}[plan.mode]
    bolt_port = int(run.neo4j_uri.rsplit(":", 1)[1].split("/")[0])
    summary: dict[str, Any] = {}

    with CountingProxy(bolt_port) as proxy:
        proxied = f"bolt://127.0.0.1:{proxy.port}"
        tk, tk_base = start_serve(run, run.neo4j_uri, "peer-tiaokuai")
        peer, peer_base = start_peer(run.neo4j_uri, run.work / "peer.log")
        tk_c, tk_c_base = start_serve(run, proxied, "peer-tiaokuai-counted")
        peer_c, peer_c_base = start_peer(proxied, run.work / "peer-counted.log")
        try:
            with httpx.Client(timeout=120) as client:
                for name, (tq, pq, variables, canon) in QUESTIONS.items():
                    # equal answers, for every variable set
                    for v in variables:
                        t_ans, p_ans = canon(
                            _post(client, tk_base, tq, v), _post(client, peer_base, pq, v), v
                        )
                        if t_ans != p_ans:
                            raise RuntimeError(
                                f"{name} {v}: answers differ:\ntiaokuai {json.dumps(t_ans, ensure_ascii=False)[:800]}\n"
                                f"peer     {json.dumps(p_ans, ensure_ascii=False)[:800]}"
                            )
                    # Bolt round trips per request (warm pools first)
                    trips = {}
                    for side, base, q in (("tiaokuai", tk_c_base, tq), ("neo4j_graphql", peer_c_base, pq)):
                        for v in variables:
                            _post(client, base, q, v)
                        proxy.reset()
                        for v in variables * 3:
                            _post(client, base, q, v)
                        trips[side] = proxy.reset() / (len(variables) * 3)
                    # one client, interleaved
                    lat: dict[str, list[float]] = {"tiaokuai": [], "neo4j_graphql": []}
                    for i in range(20):  # warm-up
                        v = variables[i % len(variables)]
                        _post(client, tk_base, tq, v)
                        _post(client, peer_base, pq, v)
                    for i in range(reps):
                        v = variables[i % len(variables)]
                        order = [("tiaokuai", tk_base, tq), ("neo4j_graphql", peer_base, pq)]
                        for side, base, q in order if i % 2 else order[::-1]:
                            t0 = time.perf_counter()
                            _post(client, base, q, v)
                            lat[side].append(time.perf_counter() - t0)
                    # eight clients, interleaved rounds
                    loads: dict[str, list[dict[str, Any]]] = {"tiaokuai": [], "neo4j_graphql": []}
                    for rnd in range(2):
                        order2 = [("tiaokuai", tk_base, tq), ("neo4j_graphql", peer_base, pq)]
                        for side, base, q in order2 if rnd % 2 == 0 else order2[::-1]:
                            loads[side].append(asyncio.run(_load(base, q, variables, 8, seconds / 2)))
                    out: dict[str, Any] = {}
                    for side in ("tiaokuai", "neo4j_graphql"):
                        ls = loads[side]
                        n = sum(x["n"] for x in ls)
                        lat8 = [t for x in ls for t in x["lat"]]
                        out[side] = {
                            "p50_ms": percentile(lat[side], 50) * 1000,
                            "p99_ms": percentile(lat[side], 99) * 1000,
                            "rps_8_clients": n / sum(x["elapsed"] for x in ls),
                            "p99_ms_8_clients": percentile(lat8, 99) * 1000,
                            "errors_8_clients": sum(x["errors"] for x in ls),
                            "bolt_round_trips": trips[side],
                        }
                        for x in ls:
                            if x["first_errors"]:
                                run.notes.append(f"peer {name} {side} errors: {x['first_errors']}")
                    p50_ratio = out["tiaokuai"]["p50_ms"] / out["neo4j_graphql"]["p50_ms"]
                    rps_ratio = out["tiaokuai"]["rps_8_clients"] / out["neo4j_graphql"]["rps_8_clients"]
                    summary[name] = (p50_ratio, rps_ratio)
                    run.put(
                        **{f"graphql_vs_neo4j_graphql_p50_{name}": p50_ratio,
                           f"graphql_vs_neo4j_graphql_rps_{name}": rps_ratio},
                        **{f"peer_{name}_{side}_{k}": v for side, vals in out.items() for k, v in vals.items()},
                    )  # fmt: skip
                    t, p = out["tiaokuai"], out["neo4j_graphql"]
                    run.say(
                        f"peer {name}: p50 {t['p50_ms']:.1f} / {p['p50_ms']:.1f} ms ({p50_ratio:.2f}x), "
                        f"8 clients {t['rps_8_clients']:.0f} / {p['rps_8_clients']:.0f} req/s ({rps_ratio:.2f}x), "
                        f"p99 {t['p99_ms']:.1f} / {p['p99_ms']:.1f} ms, Bolt round trips "
                        f"{t['bolt_round_trips']:.1f} / {p['bolt_round_trips']:.1f} (tiaokuai / @neo4j/graphql)"
                    )
        finally:
            for proc in (tk, peer, tk_c, peer_c):
                stop(proc)
    if summary:
        run.put(
            graphql_vs_neo4j_graphql_p50=max(p for p, _ in summary.values()),
            graphql_vs_neo4j_graphql_rps=min(r for _, r in summary.values()),
            peer_questions=len(summary),
        )
