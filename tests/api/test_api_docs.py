"""docs/graphql.md shows real answers: every ```graphql block is run on the sample and must give the
```json block after it. Regenerate the answers after a deliberate change with

    .venv/bin/python tests/api/test_api_docs.py --write
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "graphql.md"
DOC_KEY = "doc-example-key-please-change-me"
BLOCK = re.compile(
    r"```graphql\n(?P<query>.*?)```\n(?P<between>(?:(?!```).)*?)```json\n(?P<answer>.*?)```\n", re.S
)


def run_examples(text: str) -> list[tuple[re.Match[str], Any]]:
    """Run each example in order on a fresh embedded store holding the sample."""
    from fastapi.testclient import TestClient

    from graph.api import create_app
    from graph.config import Settings
    from graph.store import open_store
    from graph.synthetic.sample import write_sample
    from loaders import load_paths

    tmp = Path(tempfile.mkdtemp(prefix="tiaokuai-doc-"))
    try:
        write_sample(tmp / "sample")
        store = open_store(tmp / "graph.tkg")
        load_paths(store, [tmp / "sample"])
        app = create_app(Settings(api_keys=[DOC_KEY]), store)
        out = []
        with TestClient(app) as client:
            for m in BLOCK.finditer(text):
                query = m.group("query")
                headers = (
                    {"Authorization": f"Bearer {DOC_KEY}"} if query.lstrip().startswith("mutation") else {}
                )
                out.append((m, client.post("/graphql", json={"query": query}, headers=headers).json()))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def render(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False, indent=2) + "\n"


def test_doc_answers_are_real() -> None:
    text = DOC.read_text(encoding="utf-8")
    results = run_examples(text)
    assert len(results) >= 8
    for m, answer in results:
        assert json.loads(m.group("answer")) == answer, (
            f"docs/graphql.md example is stale:\n{m.group('query')}\n"
            "regenerate with: .venv/bin/python tests/api/test_api_docs.py --write"
        )


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    pieces, last = [], 0
    for m, answer in run_examples(text):
        pieces.append(text[last : m.start("answer")])
        pieces.append(render(answer))
        last = m.end("answer")
    pieces.append(text[last:])
    DOC.write_text("".join(pieces), encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:
    write()
