"""The committed schema/schema.graphql is what the code defines; enums come from the vocabulary."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from graphql import build_schema as parse_sdl

from graph.api.graphql.schema import schema_sdl
from graph.cli import cli
from graph.model.vocabulary import vocabulary

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def test_committed_schema_has_not_drifted() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema/schema.graphql is out of date; regenerate it with: tiaokuai schema --out schema/schema.graphql"
    )


def test_schema_command_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    runner = CliRunner()
    assert runner.invoke(cli, ["schema", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == schema_sdl()
    assert runner.invoke(cli, ["schema", "--out", str(out), "--check"]).exit_code == 0
    out.write_text("type Query { stale: Int }\n", encoding="utf-8")
    result = runner.invoke(cli, ["schema", "--out", str(out), "--check"])
    assert result.exit_code == 1 and "out of date" in result.output
    assert runner.invoke(cli, ["schema"]).output == schema_sdl()


def test_contract_names_and_enums_from_the_vocabulary() -> None:
    schema = parse_sdl(schema_sdl())
    vocab = vocabulary()
    enum_values = {
        name: set(schema.type_map[name].values) for name in ("UnitKind", "Level", "Family", "LinkKind")
    }  # type: ignore[attr-defined]
    assert enum_values["UnitKind"] == {k.upper() for k in vocab.unit_kinds}
    assert enum_values["Level"] == {lv.upper() for lv in vocab.unit_levels}
    assert enum_values["Family"] == {f.upper() for f in vocab.families}
    assert enum_values["LinkKind"] == {k.upper() for k in vocab.link_kinds}
    query = schema.query_type.fields  # type: ignore[union-attr]
    for field, args in {
        "unit": {"id"},
        "units": {"kind", "level", "regionCode", "nameContains", "first", "after"},
        "links": {"unitId", "family", "kind", "year", "first", "after"},
        "coverage": {"year", "level", "regionCode"},
        "gaps": {"year", "level", "regionCode", "rule"},
        "stats": {"year"},
        "shortestPath": {"fromId", "toId", "maxHops"},
    }.items():
        assert args <= set(query[field].args), field
    unit = schema.type_map["Unit"].fields  # type: ignore[attr-defined]
    assert {"id", "name", "nameEn", "kind", "level", "region", "parent", "children", "counterparts", "links",
            "coverage"} <= set(unit)  # fmt: skip
    link = schema.type_map["Link"].fields  # type: ignore[attr-defined]
    assert {"id", "family", "kind", "date", "count", "participants", "source", "target", "provenance"} <= set(
        link
    )
    gap = schema.type_map["Requirement"].fields  # type: ignore[attr-defined]
    assert {"unitId", "rule", "family", "counterpartKind", "counterpartId", "required", "observed"} <= set(
        gap
    )
    cov = schema.type_map["Coverage"].fields  # type: ignore[attr-defined]
    assert {"year", "expected", "met", "ratio", "byLevel", "byRule", "byRegion", "units"} <= set(cov)
    for conn in ("UnitConnection", "LinkConnection"):
        assert {"edges", "pageInfo", "totalCount"} <= set(schema.type_map[conn].fields)  # type: ignore[attr-defined]
    mutation = schema.mutation_type.fields  # type: ignore[union-attr]
    assert set(mutation["upsertUnits"].args) == {"units"} and set(mutation["recordLinks"].args) == {"links"}
