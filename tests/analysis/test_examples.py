"""The example scripts run, as users run them, against a store loaded with the sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == {
        "weakest_channels.py", "compare_years.py", "ego_network.py", "brokers.py",
    }  # fmt: skip


def test_weakest_channels(sample_store_path):
    out = run("weakest_channels.py", "--store", str(sample_store_path), "--year", "2020", "--prefecture",
              "230700", "--json", "--top", "500")  # fmt: skip
    rows = json.loads(out)
    # Yichun: the city bureau and ten county bureaus, each with up to six local counterparts
    assert {r["bureau_id"] for r in rows} >= {"TB-230700", "TB-230717"}
    assert all(r["bureau_id"].startswith("TB-2307") for r in rows)
    links = [r["links"] for r in rows]
    assert links == sorted(links) and links[0] == 0
    assert all(r["links"] == r["bureau_to_local"] + r["local_to_bureau"] for r in rows)
    text = run(
        "weakest_channels.py", "--store", str(sample_store_path), "--year", "2020", "--prefecture", "230700"
    )
    assert "without any link" in text


def test_compare_years(sample_store_path):
    out = json.loads(run("compare_years.py", "--store", str(sample_store_path), "2019", "2020"))
    assert out["years"] == [2019, 2020]
    assert out["coverage"]["2020"]["ratio"] > out["coverage"]["2019"]["ratio"]  # the sample improves
    assert out["lapsed"] > 0 and out["revived"] > 0
    assert out["channels"]["2020"] - out["channels"]["2019"] == out["revived"] - out["lapsed"]


def test_ego_network(sample_store_path, tmp_path):
    out = tmp_path / "ego.gexf"
    text = run("ego_network.py", "--store", str(sample_store_path), "--bureau", "TB-230102", "--year", "2020",
               "--out", str(out))  # fmt: skip
    assert "wrote" in text
    ego = nx.read_gexf(out)
    assert "TB-230102" in ego and "TB-230100" in ego  # its superior bureau, through the line
    assert ego.nodes["TB-230102"]["kind"] == "tax_bureau"
    assert all(n == "TB-230102" or ego.has_edge("TB-230102", n) for n in ego)
    assert not any(n.startswith(("BPC-", "PB-")) for n in ego)  # the bureau side is one node
    graphml = tmp_path / "ego.graphml"
    run("ego_network.py", "--store", str(sample_store_path), "--bureau", "TB-230102", "--year", "2019",
        "--year", "2020", "--out", str(graphml))  # fmt: skip
    assert nx.read_graphml(graphml).number_of_nodes() >= ego.number_of_nodes()


def test_brokers(sample_store_path):
    out = run("brokers.py", "--store", str(sample_store_path), "--year", "2020", "--top", "3")
    lines = out.strip().splitlines()
    assert lines[0].startswith("bureau") and len(lines) == 4
    assert all(line.split()[0].startswith("TB-") for line in lines[1:])


@pytest.mark.parametrize(
    "script", ["weakest_channels.py", "compare_years.py", "ego_network.py", "brokers.py"]
)
def test_examples_explain_themselves(script):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--help"], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 0 and "--store" in proc.stdout
