"""Access: mutations only with a valid key (compared in constant time), keys never logged, a key for
reads on request, CORS closed unless configured, and an audit record for every write."""

from __future__ import annotations

import ast
import hmac
import inspect
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apihelp import API_KEY, OTHER_KEY, LogCapture, check_response, serving
from relhelp import GOOD, clean_env, cli, live_server, serve_process

from graph.api.audit import AUDIT_LOGGER, key_id, records_from_lines
from graph.store import Store, open_store
from loaders import load_paths

UPSERT = 'mutation Add { upsertUnits(units: [{id: "ACC-1", name: "测试局", kind: "tax_bureau", level: "county", regionCode: "230102", parentId: "HRB"}]) { written } }'  # fmt: skip
INVALID_ROWS = 'mutation { upsertUnits(units: [{id: "ACC-2", name: "x", kind: "no_such_kind", level: "county", regionCode: "230102"}]) { written } }'  # fmt: skip
TWO = 'mutation Two { a: recordLinks(links: [{date: "2020-07-01", kind: "visit", sourceId: "DL", targetId: "DL-LPC"}, {date: "2020-07-02", kind: "visit", sourceId: "DL", targetId: "DL-LPC"}]) { written created } b: upsertUnits(units: [{id: "ACC-3", name: "y", kind: "tax_bureau", level: "county", regionCode: "230102", parentId: "HRB"}]) { written } }'  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "access.tkg")
    load_paths(s, [GOOD])
    yield s
    s.close()


def _post(http: httpx.Client, query: str, auth: str | None = None, **kwargs: object) -> dict:
    headers = {"Authorization": auth} if auth is not None else {}
    return check_response(http.post("/graphql", json={"query": query}, headers=headers, **kwargs))  # type: ignore[arg-type]


def _codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def test_mutations_need_a_valid_key(store: Store) -> None:
    units = store.count_units()
    with serving(store) as http:
        refused = [
            None,
            "",
            "Bearer",
            f"Bearer {API_KEY[:-1]}",
            f"Bearer {API_KEY}x",
            f"Bearer {API_KEY.upper()}",
            f"Basic {API_KEY}",
            API_KEY,
            f"Bearer  {API_KEY[:8]}",
        ]
        for auth in refused:
            body = _post(http, UPSERT, auth)
            assert _codes(body) == ["UNAUTHENTICATED"], (auth, body)
        # a key anywhere but the Authorization header does not count
        body = check_response(http.post(f"/graphql?api_key={API_KEY}", json={"query": UPSERT}))
        assert _codes(body) == ["UNAUTHENTICATED"]
        body = check_response(http.post("/graphql", json={"query": UPSERT, "extensions": {"key": API_KEY}}))
        assert _codes(body) == ["UNAUTHENTICATED"]
        assert store.count_units() == units, "a refused mutation wrote"
        for key in (API_KEY, OTHER_KEY):
            assert _post(http, UPSERT, f"Bearer {key}")["data"]["upsertUnits"]["written"] == 1
    with serving(store, api_keys=[]) as http:
        assert _codes(_post(http, UPSERT, f"Bearer {API_KEY}")) == ["FORBIDDEN"]


def test_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every configured key is compared with hmac.compare_digest, with no early exit, and the code
    that handles keys never compares them with ==, != or in."""
    from graph.api import auth, deps

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    keys = [API_KEY, OTHER_KEY, "third-key-aaaaaaaaaaaaaaaa"]
    assert auth.key_is_valid(API_KEY, keys)
    assert len(calls) == len(keys), "stopped at the first match: the time tells which key matched"
    calls.clear()
    assert not auth.key_is_valid("wrong-key-bbbbbbbbbbbbbbbb", keys)
    assert len(calls) == len(keys)

    for module in (auth, deps):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Eq | ast.NotEq | ast.In) for op in node.ops
            ):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                assert not names & {"token", "key", "keys", "presented"}, ast.unparse(node)


def test_keys_never_reach_the_logs(store: Store) -> None:
    with LogCapture().installed() as logs, serving(store) as http:
        _post(http, UPSERT, f"Bearer {API_KEY}")
        _post(http, INVALID_ROWS, f"Bearer {API_KEY}")
        _post(http, UPSERT, f"Bearer {API_KEY}-wrong")
        _post(http, "{ years }", f"Bearer {API_KEY}")
        http.get(f"/graphql?query={{years}}&key={API_KEY}", headers={"Authorization": f"Bearer {API_KEY}"})
        http.get("/readyz", headers={"Authorization": f"Bearer {API_KEY}"})
        http.post("/graphql", content=b"{bad json", headers={"Authorization": f"Bearer {API_KEY}"})
    text = "\n".join(logs.lines)
    assert logs.records, "nothing was logged: the capture is broken"
    assert API_KEY not in text and API_KEY[:12] not in text
    assert key_id(API_KEY) in text, "the audit record names the key by its fingerprint"


def test_keys_never_reach_the_server_output(tmp_path: Path) -> None:
    """``tiaokuai serve`` with its own logging, in both formats: the key is never printed."""
    store = tmp_path / "serve.tkg"
    assert cli("load", "-q", str(GOOD), store=str(store)).returncode == 0
    for fmt in ("json", "text"):
        env = clean_env(TIAOKUAI_API_KEYS=f"{API_KEY},{OTHER_KEY}", TIAOKUAI_LOG_FORMAT=fmt)
        with serve_process(str(store), env=env) as base, httpx.Client(base_url=base, timeout=30) as http:
            _post(http, UPSERT, f"Bearer {API_KEY}")
            _post(http, INVALID_ROWS, f"Bearer {OTHER_KEY}")
            _post(http, UPSERT, "Bearer not-a-key-0000000000000")
            http.get(f"/graphql?query={{years}}&token={API_KEY}")
        out = serve_process.last_stderr  # type: ignore[attr-defined]
        assert "request" in out or "POST" in out, out[-2000:]
        assert API_KEY not in out and OTHER_KEY not in out, out[-3000:]
    # a key too short is refused at start, without echoing it
    result = cli("serve", "--port", "1", store=str(store), env=clean_env(TIAOKUAI_API_KEYS="hunter2hunter"))
    assert result.returncode == 2 and "hunter2hunter" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_reads_can_require_a_key(store: Store) -> None:
    with serving(store, require_key_for_reads=True) as http:
        r = http.post("/graphql", json={"query": "{ years }"})
        assert r.status_code == 401 and "Traceback" not in r.text
        r = http.post(
            "/graphql", json={"query": "{ years }"}, headers={"Authorization": f"Bearer {API_KEY}x"}
        )
        assert r.status_code == 401
        r = http.get("/graphql", params={"query": "{ years }"})
        assert r.status_code == 401
        ok = _post(http, "{ years }", f"Bearer {API_KEY}")
        assert 2020 in ok["data"]["years"]
        assert http.get("/healthz").status_code == 200  # probes stay open
    with serving(store) as http:
        assert 2020 in _post(http, "{ years }")["data"]["years"]


def test_cors_closed_by_default_and_configurable(store: Store) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    with serving(store) as http:
        r = http.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        r = http.post("/graphql", json={"query": "{ years }"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    allowed = "https://dashboard.example.org"
    with serving(store, cors_origins=[allowed]) as http:
        r = http.options("/graphql", headers={**preflight, "Origin": allowed})
        assert r.headers.get("access-control-allow-origin") == allowed
        assert "authorization" in r.headers.get("access-control-allow-headers", "").lower()
        assert r.headers.get("access-control-allow-credentials") != "true"
        r = http.options("/graphql", headers=preflight)
        assert r.headers.get("access-control-allow-origin") != "https://evil.example"
        r = http.post("/graphql", json={"query": "{ years }"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    from graph.config import load_settings
    from graph.errors import ConfigError

    for bad in (["*"], ["https://*.example.org"], ["dashboard.example.org"]):
        with pytest.raises(ConfigError):
            load_settings(cors_origins=bad)


def _audit(logs: LogCapture) -> list[dict]:
    return records_from_lines(r.getMessage() for r in logs.records if r.name == AUDIT_LOGGER)


def test_every_write_is_audited(store: Store) -> None:
    with LogCapture().installed() as logs, serving(store) as http:
        _post(http, UPSERT, f"Bearer {API_KEY}")
        _post(http, TWO, f"Bearer {OTHER_KEY}")
        _post(http, INVALID_ROWS, f"Bearer {API_KEY}")
        _post(http, UPSERT, None)
        _post(http, UPSERT, "Bearer not-a-key-0000000000000")
        _post(http, "{ years units { totalCount } }", f"Bearer {API_KEY}")
    records = _audit(logs)
    assert len(records) == 6, records  # one per mutation field; none for the query
    ok, links, unit, invalid, anonymous, wrong = records
    assert ok["outcome"] == "ok" and ok["mutation"] == "upsertUnits" and ok["operation"] == "Add"
    assert ok["key_id"] == key_id(API_KEY) and ok["key"] == "valid" and ok["client"] == "127.0.0.1"
    assert ok["rows"] == 1 and ok["written"] == {"regions": 0, "units": 1, "links": 0, "links_created": 0}
    assert ok["ts"].endswith("+00:00") and ok["duration_ms"] >= 0
    assert links["mutation"] == "recordLinks" and links["key_id"] == key_id(OTHER_KEY)
    assert links["rows"] == 2 and links["written"]["links"] == 2 and links["written"]["links_created"] == 2
    assert unit["mutation"] == "upsertUnits" and unit["written"]["units"] == 1
    assert invalid["outcome"] == "invalid" and invalid["written"] is None and "problem" in invalid["error"]
    assert anonymous["outcome"] == "refused" and anonymous["key"] == "none" and anonymous["key_id"] is None
    assert wrong["outcome"] == "refused" and wrong["key"] == "invalid" and wrong["key_id"] is None
    for record in records:
        assert API_KEY not in str(record) and OTHER_KEY not in str(record)


def test_app_factory_wires_audit_and_safe_json(store: Store) -> None:
    """The factory itself audits writes (once each) and answers undecodable bytes with 400."""
    from graph.api import create_app
    from graph.config import Settings

    app = create_app(Settings(api_keys=[API_KEY]), store)
    with LogCapture().installed() as logs, live_server(app) as base, httpx.Client(base_url=base) as http:
        assert (
            http.post("/graphql", content=b"\xff", headers={"Content-Type": "application/json"}).status_code
            == 400
        )
        _post(http, UPSERT, f"Bearer {API_KEY}")
    assert len(_audit(logs)) == 1
