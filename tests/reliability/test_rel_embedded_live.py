"""One writer and many readers at once on the embedded (SQLite) store: a running ``tiaokuai serve``
answers from what a ``tiaokuai load`` beside it commits, at once and without a restart, and keeps
answering while the load runs."""

from __future__ import annotations

import subprocess
import time
from dataclasses import replace
from pathlib import Path

import httpx
from relhelp import assert_clean_exit, clean_env, serve_process, tiaokuai_command

from graph.model import Dataset
from graph.store import open_store
from graph.synthetic.national import build_national, write_dataset_csv

QUERY = """query($unit: ID!) {
  years
  links(unitId: $unit, first: 1) { totalCount }
  stats(year: 2031) { links }
}"""


def _ask(http: httpx.Client, unit: str) -> dict[str, object]:
    r = http.post("/graphql", json={"query": QUERY, "variables": {"unit": unit}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


def test_serve_sees_a_load_beside_it_without_restart(tmp_path: Path) -> None:
    base = build_national(0.005, seed=1)
    path = tmp_path / "graph.tkg"
    with open_store(path) as store:
        store.write(base)
    unit = base.links[0].source_id
    # new ledgers: the base's links again under new ids, dated in 2031
    new = [
        replace(lk, id=f"N-{lk.id}", date=lk.date.replace(year=2031), source_file=None, source_row=None)
        for lk in base.links
    ]
    folder = tmp_path / "new"
    folder.mkdir()
    write_dataset_csv(Dataset(links=new), folder)
    mine = sum(1 for lk in new if unit in (lk.source_id, lk.target_id))

    with serve_process(str(path)) as url, httpx.Client(base_url=url, timeout=60) as http:
        before = _ask(http, unit)
        assert 2031 not in before["years"]  # type: ignore[operator]
        load = subprocess.Popen(
            [*tiaokuai_command(), "load", "-q", str(folder), "--store", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        answers = 0
        while load.poll() is None:  # the server keeps answering while the load writes
            seen = _ask(http, unit)
            assert seen["links"]["totalCount"] in (  # type: ignore[index]
                before["links"]["totalCount"],  # type: ignore[index]
                before["links"]["totalCount"] + mine,  # type: ignore[index]
            )
            answers += 1
            time.sleep(0.02)
        out, err = load.communicate()
        assert load.returncode == 0, err
        after = _ask(http, unit)  # the first request after the commit: no restart, no waiting
        assert 2031 in after["years"]  # type: ignore[operator]
        assert after["links"]["totalCount"] == before["links"]["totalCount"] + mine  # type: ignore[index]
        assert after["stats"]["links"] == len(new)  # type: ignore[index]
        assert answers > 0
    assert "Traceback" not in serve_process.last_stderr  # type: ignore[attr-defined]


def test_a_second_load_while_serve_reads_lands_whole(tmp_path: Path) -> None:
    """The CLI's own view: load, serve, load again; the second load's summary and a fresh read agree."""
    base = build_national(0.002, seed=2)
    path = tmp_path / "graph.tkg"
    folder = tmp_path / "base"
    folder.mkdir()
    write_dataset_csv(base, folder)
    env = clean_env()
    first = subprocess.run(
        [*tiaokuai_command(), "load", str(folder), "--store", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert_clean_exit(first, allowed=(0,))
    with serve_process(str(path)) as url, httpx.Client(base_url=url, timeout=60) as http:
        again = subprocess.run(
            [*tiaokuai_command(), "load", str(folder), "--store", str(path)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert_clean_exit(again, allowed=(0,))
        assert "(0 new)" in again.stderr  # reloading the same ledgers changes nothing
        r = http.post("/graphql", json={"query": "{ links(first: 1) { totalCount } }"})
        assert r.json()["data"]["links"]["totalCount"] == len(base.links)
