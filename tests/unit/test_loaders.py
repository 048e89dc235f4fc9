"""Ledger loading: encodings, headers, XLSX, every validation error, ids, idempotency, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import importlib.util
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import LoadError
from graph.ingest.cells import DATE_FORMATS, cell_text, parse_date, parse_int
from graph.model import Region, Unit
from graph.store import open_store
from graph.store.base import LinkQuery, Store, UnitQuery
from graph.store.embedded import EmbeddedStore
from loaders import build_dataset, link_id, link_key, load_paths, read_ledgers, rows_to_dataset
from loaders.readers import decode_csv

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"

REGIONS = "code,name,level,parent_code\n230000,黑龙江省,province,\n230100,哈尔滨市,prefecture,230000\n"
UNITS = (
    "id,name,kind,level,region_code,parent_id\n"
    "B1,省税务局,tax_bureau,provincial,230000,\n"
    "B2,哈尔滨市税务局,tax_bureau,prefecture,230100,B1\n"
    "C1,省委,local_party_committee,provincial,230000,\n"
    "C2,哈尔滨市委,local_party_committee,prefecture,230100,C1\n"
)
LINK_HEADER = "date,kind,source_id,target_id,count,participants,title\n"


def _make_xlsx(path: Path, bad: bool = False) -> Path:
    spec = importlib.util.spec_from_file_location("make_xlsx", DATA / "make_xlsx.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(path, bad=bad)


class CountingStore(EmbeddedStore):
    """The embedded store, counting lookups: loads must ask in batches, never per row."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.calls: dict[str, int] = {"units": 0, "regions": 0}

    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        self.calls["units"] += 1
        return super().get_units(ids)

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        self.calls["regions"] += 1
        return super().get_regions(codes)


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """An empty embedded store, kept outside ``tmp_path`` so that tests may load all of tmp_path."""
    return open_store(tmp_path_factory.mktemp("store") / "g.tkg")


@pytest.fixture
def base(tmp_path_factory: pytest.TempPathFactory, store: Store) -> Store:
    """A store holding two regions and four units (B1, B2 bureaus; C1, C2 committees)."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "regions.csv").write_text(REGIONS, encoding="utf-8")
    (folder / "units.csv").write_text(UNITS, encoding="utf-8")
    load_paths(store, [folder])
    return store


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def problems(store: Store | None, *paths: Path) -> list[str]:
    """The problem lines a load of ``paths`` reports (asserting that it fails)."""
    with pytest.raises(LoadError) as info:
        build_dataset(read_ledgers(list(paths)), store)
    return [str(p) for p in info.value.problems]


def one_problem(store: Store | None, *paths: Path) -> str:
    found = problems(store, *paths)
    assert len(found) == 1, found
    return found[0]


def all_links(store: Store) -> list:
    return store.find_links(LinkQuery()).items


# -- cells ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["2020-05-04", "2020/5/4", "2020/05/04", "2020.05.04", "2020年5月4日", "2020年05月04日", "20200504",
     "2020-05-04 00:00:00", dt.datetime(2020, 5, 4, 9, 30), dt.date(2020, 5, 4)],
)  # fmt: skip
def test_dates_accepted(text: object) -> None:
    assert parse_date(text) == dt.date(2020, 5, 4)


@pytest.mark.parametrize(
    "text", ["2020-02-30", "2020-13-01", "20201301", "05/04/2020", "2020-5", "昨天", "43955"]
)
def test_dates_rejected(text: str) -> None:
    assert parse_date(text) is None


def test_numbers_and_cells() -> None:
    assert [parse_int(x) for x in ["3", "3.0", "1,200", 2.0, 7, "-1"]] == [3, 3, 1200, 2, 7, -1]
    assert [parse_int(x) for x in ["2.5", "x", 2.5, True, "1,20"]] == [None] * 5
    assert cell_text(230100.0) == "230100"
    assert cell_text(dt.datetime(2020, 1, 2)) == "2020-01-02"
    assert cell_text("  =SUM(A1:A3)\u3000") == "=SUM(A1:A3)"
    assert cell_text(None) == ""


# -- encodings, headers, files -------------------------------------------------------------------
def test_decode_csv_encodings() -> None:
    text = "编号,名称\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(("\ufeff" + text).encode("utf-8")) == text
    assert decode_csv(text.encode("gb18030")) == text
    assert decode_csv(text.encode("utf-16")) == text


def test_undecodable_csv_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"code,name,level,parent_code\n230000,\xff\xff,province,\n")
    message = one_problem(None, path)
    assert message == (
        "broken.csv:2: file: the file cannot be decoded as UTF-8 or GB18030 (byte 0xff at row 2); "
        "save it as 'CSV UTF-8' from Excel"
    )


def test_damaged_utf8_is_not_read_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "damaged.csv"
    path.write_bytes(
        ("区划代码,名称,级别,上级代码\n230000,黑龙江省,省,\n").encode() + b"230100,\xe5\x93,x,230000\n"
    )
    assert one_problem(None, path).startswith(
        "damaged.csv:3: file: the file is UTF-8 but has an invalid byte (byte 0xe5 at row 3)"
    )


def test_good_ledgers_gb18030_bom_chinese(store: Store) -> None:
    parsed = read_ledgers([GOOD])
    assert [(t.name, t.table) for t in parsed.tables] == [
        ("links.csv", "links"), ("regions.csv", "regions"), ("units.csv", "units"),
    ]  # fmt: skip
    report = load_paths(store, [GOOD])
    assert (report.files, report.regions, report.units, report.links) == (3, 3, 11, 8)
    assert report.links_created == 8
    assert report.warnings == []
    hlj = store.get_units(["HLJ"])["HLJ"]
    assert (hlj.kind, hlj.level, hlj.name_en) == (
        "tax_bureau",
        "provincial",
        "Heilongjiang Provincial Tax Service",
    )
    assert hlj.extra == {"备注": "省局"}
    assert store.get_units(["HRB-PC"])["HRB-PC"].kind == "bureau_party_committee"
    assert store.get_units(["DL-LPC"])["DL-LPC"].kind == "local_party_committee"
    links = all_links(store)
    kinds = sorted({(lk.kind, lk.family) for lk in links})
    assert ("party_school_training", "exchange") in kinds and ("instruction", "reporting") in kinds
    visits = [lk for lk in links if lk.kind == "visit" and lk.source_id == "DL"]
    assert len(visits) == 2  # identical rows are two events with distinct ids
    assert {lk.title for lk in visits} == {"=走访区委"}  # formula-looking text stays text
    assert sorted(lk.source_row for lk in visits) == [7, 8]
    assert all(lk.source_file == "links.csv" for lk in links)
    secondment = next(lk for lk in links if lk.kind == "secondment")
    assert (secondment.source_row, secondment.participants) == (10, 2)  # blank row 9 still counted


def test_header_fitting_no_type(tmp_path: Path) -> None:
    message = one_problem(None, write(tmp_path / "x.csv", "单位,走访次数\n哈尔滨,3\n"))
    assert message.startswith("x.csv:1: header: fits no ledger type")
    for needed in [
        "regions need code (区划代码)",
        "units need id (编号)",
        "links need date (日期)",
        "missing",
    ]:
        assert needed in message


def test_header_missing_one_column_is_named(tmp_path: Path) -> None:
    message = one_problem(None, write(tmp_path / "l.csv", "date,kind,source_id\n2020-01-01,visit,B1\n"))
    assert message.startswith("l.csv:1: header: fits no ledger type. links need")
    assert "missing target_id" in message


def test_header_duplicate_column(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "code,名称,name,level,parent_code\n230000,a,b,province,\n")
    assert one_problem(None, path) == "r.csv:1: header: column name appears more than once"


def test_quhua_daima_means_code_or_region_code_by_file_type(tmp_path: Path) -> None:
    write(tmp_path / "r.csv", "区划代码,名称,级别,上级代码\n230000,黑龙江省,省,\n")
    write(tmp_path / "u.csv", "编号,名称,类型,级别,区划代码,上级编号\nB1,省局,税务局,省,230000,\n")
    parsed = read_ledgers([tmp_path])
    assert {t.name: t.table for t in parsed.tables} == {"r.csv": "regions", "u.csv": "units"}
    dataset, _ = build_dataset(parsed, None)
    assert dataset.units[0].region_code == "230000" and dataset.regions[0].level == "province"


def test_header_case_whitespace_and_title_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", "地区台账,,,\n\n  CODE , Name ,LEVEL,Parent Code\n230000,黑龙江省,province,\n"
    )
    dataset, warnings = build_dataset(read_ledgers([path]), None)
    assert dataset.regions == [Region("230000", "黑龙江省", "province", None)]
    assert warnings == ["r.csv: rows above the header (row 3) ignored"]


def test_folder_expansion_ignores_other_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "regions.csv", REGIONS)
    write(tmp_path / "README.txt", "notes")
    write(tmp_path / "~$regions.xlsx", "lock file")
    parsed = read_ledgers([tmp_path])
    assert [t.name for t in parsed.tables] == ["sub/regions.csv"]
    assert parsed.warnings == [f"{(tmp_path / 'README.txt').as_posix()}: not a .csv or .xlsx file; ignored"]
    assert parsed.problems == []


def test_named_unsupported_or_missing_file_is_an_error(tmp_path: Path) -> None:
    found = problems(None, write(tmp_path / "a.xls", "x"), tmp_path / "nope.csv")
    assert "a.xls:1: file: not a ledger file; save it as .csv or .xlsx" in found
    assert f"{tmp_path / 'nope.csv'}:1: file: no such file or folder" in found


def test_semicolon_and_tab_delimiters(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", REGIONS.replace(",", ";"))
    write(tmp_path / "b.csv", "code\tname\tlevel\tparent_code\n230102\t道里区\tcounty\t230100\n")
    dataset, _ = build_dataset(read_ledgers([tmp_path]), None)
    assert [r.code for r in dataset.regions] == ["230000", "230100", "230102"]


# -- XLSX ----------------------------------------------------------------------------------------
def test_xlsx_every_sheet(tmp_path: Path, store: Store) -> None:
    path = _make_xlsx(tmp_path / "ledgers.xlsx")
    report = load_paths(store, [path])
    assert (report.files, report.tables, report.regions, report.units, report.links) == (1, 4, 2, 3, 4)
    assert "ledgers.xlsx[空]: empty; nothing to read" in report.warnings
    assert "ledgers.xlsx[单位]: rows above the header (row 2) ignored" in report.warnings
    assert store.get_regions(["230100"])["230100"].parent_code == "230000"  # numbers became codes
    assert store.get_units(["1002"])["1002"].parent_id == "1001"
    links = {(lk.source_file, lk.source_row): lk for lk in all_links(store)}
    assert set(links) == {("ledgers.xlsx[2020]", 2), ("ledgers.xlsx[2020]", 4),
                          ("ledgers.xlsx[2021]", 2), ("ledgers.xlsx[2021]", 3)}  # fmt: skip
    first = links[("ledgers.xlsx[2020]", 2)]
    assert (first.date, first.count, first.participants) == (dt.date(2020, 3, 1), 2, 3)
    assert links[("ledgers.xlsx[2020]", 4)].title == '=HYPERLINK("http://x")'


def test_xlsx_problem_names_sheet(tmp_path: Path) -> None:
    path = _make_xlsx(tmp_path / "ledgers.xlsx", bad=True)
    assert one_problem(None, path).startswith('ledgers.xlsx[2021]:3: kind: unknown link kind "拜访"')


def test_unreadable_xlsx(tmp_path: Path) -> None:
    message = one_problem(None, write(tmp_path / "fake.xlsx", "not a zip"))
    assert message.startswith("fake.xlsx:1: file: not a readable XLSX workbook")


# -- validation errors, one class at a time --------------------------------------------------------
def test_unknown_unit_kind_and_level(tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", "编号,名称,类型,级别,区划代码,上级编号\nB1,省局,税务分局,乡,230000,\n")
    found = problems(None, write(tmp_path / "r.csv", REGIONS), path)
    assert found[0].startswith(
        'u.csv:2: 类型: unknown unit kind "税务分局" (did you mean "税务局"?); valid kinds: '
    )
    assert "tax_bureau, bureau_party_committee, party_branch" in found[0]
    assert found[1].startswith(
        'u.csv:2: 级别: unknown level "乡"; use national, provincial, prefecture, county'
    )
    assert len(found) == 2


def test_unknown_link_kind_lists_valid_ones(base: Store, tmp_path: Path) -> None:
    message = one_problem(base, write(tmp_path / "l.csv", LINK_HEADER + "2020-01-01,vist,B1,C1,,,\n"))
    assert message.startswith(
        'l.csv:2: kind: unknown link kind "vist" (did you mean "visit"?); valid kinds: '
    )
    assert "comprehensive_report" in message and "recommendation" in message


def test_region_code_and_level(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "code,name,level,parent_code\n23000,x,province,\n230100,y,city,2301\n")
    assert problems(None, path) == [
        'r.csv:2: code: "23000" is not a six-digit region code (GB/T 2260)',
        'r.csv:3: level: unknown level "city"; use province, prefecture, county '
        "(Chinese such as 省, 市, 县 accepted)",
        'r.csv:3: parent_code: "2301" is not a six-digit region code',
    ]


def test_region_parent_must_exist_and_be_above(tmp_path: Path) -> None:
    text = ("code,name,level,parent_code\n230000,黑龙江省,province,\n230100,哈尔滨市,prefecture,230102\n"
            "230102,道里区,county,230100\n230103,南岗区,county,239999\n"
            "220000,吉林省,province,230000\n")  # fmt: skip
    assert problems(None, write(tmp_path / "r.csv", text)) == [
        "r.csv:3: parent_code: 230102 is a county and cannot contain 230100, a prefecture",
        "r.csv:3: parent_code: region parent cycle: 230100 → 230102 → 230100",
        'r.csv:5: parent_code: unknown region "239999" (not in this load or the store)',
        "r.csv:6: parent_code: a province has no parent region; leave it empty",
    ]


def test_bad_dates_counts_participants(base: Store, tmp_path: Path) -> None:
    rows = ["2020-02-30,visit,B1,C1,1,,", "2020-03-01,visit,B1,C1,0,,", "2020-03-01,visit,B1,C1,1.5,-2,",
            ",visit,B1,C1,,abc,"]  # fmt: skip
    path = write(tmp_path / "l.csv", LINK_HEADER + "\n".join(rows) + "\n")
    assert problems(base, path) == [
        f'l.csv:2: date: "2020-02-30" is not a date; use {DATE_FORMATS}',
        'l.csv:3: count: "0" is not a positive integer',
        'l.csv:4: count: "1.5" is not a positive integer',
        'l.csv:4: participants: "-2" is not a non-negative integer',
        "l.csv:5: date: missing value",
        'l.csv:5: participants: "abc" is not a non-negative integer',
    ]


def test_missing_required_values(base: Store, tmp_path: Path) -> None:
    write(tmp_path / "u.csv", "id,name,kind,level,region_code,parent_id\n,x,tax_bureau,national,,\n"
          "B9,,,county,,\n")  # fmt: skip
    write(tmp_path / "l.csv", LINK_HEADER + "2020-01-01,,B1,,,,\n")
    assert problems(base, tmp_path) == [
        "l.csv:2: kind: missing value",
        "l.csv:2: target_id: missing value",
        "u.csv:2: id: missing value",
        "u.csv:3: kind: missing value",
        "u.csv:3: name: missing value",
        "u.csv:3: region_code: missing value (required for a county unit)",
    ]


def test_unknown_references(base: Store, tmp_path: Path) -> None:
    write(
        tmp_path / "u.csv", "id,name,kind,level,region_code,parent_id\nB3,县局,tax_bureau,county,230199,B0\n"
    )
    write(tmp_path / "l.csv", LINK_HEADER + "2020-01-01,visit,B1,NOBODY,,,\n2020-01-02,visit,B3,C1,,,\n")
    assert problems(base, tmp_path) == [
        'l.csv:2: target_id: unknown unit "NOBODY" (not in this load or the store)',
        'u.csv:2: parent_id: unknown unit "B0" (not in this load or the store)',
        'u.csv:2: region_code: unknown region "230199" (not in this load or the store)',
    ]  # B3 is defined in the load, so the second link is fine


def test_references_need_the_store_without_one(tmp_path: Path) -> None:
    assert problems(None, write(tmp_path / "l.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,,,\n")) == [
        'l.csv:2: source_id: unknown unit "B1" (not in this load or the store)',
        'l.csv:2: target_id: unknown unit "C1" (not in this load or the store)',
    ]


def test_rows_defined_with_problems_do_not_cascade(tmp_path: Path) -> None:
    write(tmp_path / "r.csv", REGIONS)
    write(tmp_path / "u.csv", "id,name,kind,level,region_code,parent_id\nB1,x,bureau,provincial,230000,\n")
    write(tmp_path / "l.csv", LINK_HEADER + "2020-01-01,visit,B1,B1,,,\n")
    assert one_problem(None, tmp_path).startswith('u.csv:2: kind: unknown unit kind "bureau"')


def test_unit_parent_cycles(tmp_path: Path) -> None:
    text = "id,name,kind,level,region_code,parent_id\n" + "".join(
        f"{uid},{uid.lower()},tax_bureau,national,,{parent}\n"
        for uid, parent in [("A", "C"), ("B", "A"), ("C", "B"), ("S", "S"), ("T", "A")]
    )
    assert problems(None, write(tmp_path / "u.csv", text)) == [
        "u.csv:2: parent_id: unit parent cycle: A → C → B → A",
        "u.csv:5: parent_id: unit parent cycle: S → S",
    ]


def test_unit_parent_cycle_through_the_store(base: Store, tmp_path: Path) -> None:
    # the store has B2 under B1; making B1 a child of B2 closes a cycle that only the store can show
    path = write(
        tmp_path / "u.csv",
        "id,name,kind,level,region_code,parent_id\nB1,省税务局,tax_bureau,provincial,230000,B2\n",
    )
    assert one_problem(base, path) == "u.csv:2: parent_id: unit parent cycle: B1 → B2 → B1"


def test_conflicting_duplicates(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "code,name,level,parent_code\n230000,黑龙江省,province,\n")
    write(
        tmp_path / "b.csv",
        "code,name,level,parent_code\n230000,黑龙江,province,\n230000,黑龙江省,province,\n",
    )
    write(tmp_path / "u.csv", "id,name,kind,level,region_code,parent_id\nB1,x,tax_bureau,provincial,230000,\n"
          "B1,x,local_party_committee,county,230000,\n")  # fmt: skip
    write(
        tmp_path / "v.csv",
        "id,date,kind,source_id,target_id\nL1,2020-01-01,visit,B1,B1\nL1,2020-01-02,visit,B1,B1\n",
    )
    assert problems(None, tmp_path) == [
        "b.csv:2: code: 230000 is already defined at a.csv:2 with a different name",
        "u.csv:3: id: B1 is already defined at u.csv:2 with a different kind, level",
        "v.csv:3: id: L1 is already used at v.csv:2 by a different link (date)",
    ]


def test_same_row_in_two_files_with_different_count(base: Store, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,1,,\n")
    write(tmp_path / "b.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,2,,\n")
    assert one_problem(base, tmp_path).startswith(
        "b.csv:2: count: same date, kind, units and title as a.csv:2 but a different count"
    )


def test_identical_duplicates_collapse(base: Store, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,1,,\n")
    write(tmp_path / "b.csv", LINK_HEADER + "2020-01-01,走访,B1,C1,1,,\n")
    write(tmp_path / "r.csv", REGIONS)
    write(tmp_path / "u.csv", UNITS + UNITS.split("\n", 1)[1])  # every unit twice
    report = load_paths(base, [tmp_path])
    assert (report.regions, report.units, report.links, report.links_created) == (2, 4, 1, 1)
    assert report.warnings == [
        "b.csv: 1 link row(s) repeat rows of a.csv (same date, kind, units, title, count) "
        "and were loaded once"
    ]


def test_all_problems_at_once(tmp_path: Path) -> None:
    found = problems(None, GOOD, BAD)
    assert found == [
        f'links.csv:2: date: "2020-02-30" is not a date; use {DATE_FORMATS}',
        'links.csv:3: kind: unknown link kind "拜访"; valid kinds: ' + found[1].split("valid kinds: ")[1],
        'links.csv:4: count: "0" is not a positive integer',
        'links.csv:4: target_id: unknown unit "NOBODY" (not in this load or the store)',
        'links.csv:5: participants: "-3" is not a non-negative integer',
        "links.csv:5: source_id: missing value",
        "summary.csv:1: header: " + found[6].split(": header: ")[1],
    ]
    parsed = read_ledgers([GOOD, BAD])
    assert f"{(BAD / 'notes.txt').as_posix()}: not a .csv or .xlsx file; ignored" in parsed.warnings
    assert "links.csv: columns not used by links ledgers ignored: remark" in parsed.warnings


# -- writing: all or nothing, dry runs, ids, idempotency -----------------------------------------
def test_a_load_with_any_error_writes_nothing(base: Store, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,1,,\n")
    write(tmp_path / "b.csv", LINK_HEADER + "2020-01-01,visit,B1,C1,-1,,\n")
    with pytest.raises(LoadError):
        load_paths(base, [tmp_path])
    assert all_links(base) == []


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.tkg")
    report = load_paths(store, [GOOD], dry_run=True)
    assert report.dry_run and (report.units, report.links, report.links_created) == (11, 8, 8)
    assert report.summary is None
    assert store.count_units() == 0 and not (tmp_path / "g.tkg").exists()


def test_deterministic_ids_and_reload_is_idempotent(store: Store, tmp_path: Path) -> None:
    first = load_paths(store, [GOOD])
    ids = sorted(lk.id for lk in all_links(store))
    again = load_paths(store, [GOOD])
    assert (first.links_created, again.links_created) == (8, 0)
    assert sorted(lk.id for lk in all_links(store)) == ids
    assert len(ids) == 8
    key = link_key(dt.date(2020, 6, 12), "visit", "DL", "DL-LPC", "=走访区委")
    assert {link_id(key, 1), link_id(key, 2)} <= set(ids)
    assert all(i.startswith("L") and len(i) == 17 for i in ids)
    assert load_paths(store, [GOOD], dry_run=True).links_created == 0


def test_explicit_link_ids_are_kept(base: Store, tmp_path: Path) -> None:
    load_paths(
        base, [write(tmp_path / "l.csv", "编号,日期,类型,发起单位,对象单位\nR-1,2020-01-01,visit,B1,C1\n")]
    )
    assert [lk.id for lk in all_links(base)] == ["R-1"]


def test_extra_columns_kept_for_units_warned_elsewhere(tmp_path: Path) -> None:
    write(tmp_path / "r.csv", REGIONS.replace("parent_code\n", "parent_code,人口\n", 1))
    write(tmp_path / "u.csv", "id,name,kind,level,region_code,parent_id,phone,备注\n"
          "B1,省局,tax_bureau,provincial,230000,,0451-1,\n")  # fmt: skip
    dataset, warnings = build_dataset(read_ledgers([tmp_path]), None)
    assert dataset.units[0].extra == {"phone": "0451-1"}  # empty cells are not properties
    assert warnings == ["r.csv: columns not used by regions ledgers ignored: 人口"]


def test_lookups_are_batched(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    store = CountingStore(tmp_path_factory.mktemp("store") / "g.tkg")
    write(tmp_path / "r.csv", REGIONS)
    write(tmp_path / "u.csv", UNITS)
    load_paths(store, [tmp_path])
    store.calls = {"units": 0, "regions": 0}
    rows = "".join(f"2020-01-{d % 28 + 1:02d},visit,B{d % 2 + 1},C{d % 2 + 1},1,,{d}\n" for d in range(2000))
    links = tmp_path / "links"
    links.mkdir()
    write(links / "l.csv", LINK_HEADER + rows)
    write(
        links / "u.csv",
        "id,name,kind,level,region_code,parent_id\nP1,支部,party_branch,provincial,230000,B1\n",
    )
    report = load_paths(store, [links])
    assert report.links == 2000
    assert store.calls == {"units": 1, "regions": 1}


def test_progress_is_reported(base: Store, tmp_path: Path) -> None:
    rows = "".join(f"2020-02-01,visit,B1,C1,1,,{i}\n" for i in range(12000))
    seen: list[tuple[int, int]] = []
    load_paths(
        base, [write(tmp_path / "l.csv", LINK_HEADER + rows)], progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(5000, 12000), (10000, 12000), (12000, 12000)]


# -- API rows ------------------------------------------------------------------------------------
def test_rows_to_dataset_validates_like_a_load(base: Store) -> None:
    dataset = rows_to_dataset(
        "links",
        [{"date": "2021-03-01", "kind": "走访", "source_id": "B2", "target_id": "C2", "count": 2},
         {"date": dt.date(2021, 3, 2), "kind": "instruction", "source_id": "C2", "target_id": "B2",
          "title": None}],
        base,
    )  # fmt: skip
    assert [(lk.kind, lk.count, lk.source_file, lk.source_row) for lk in dataset.links] == [
        ("visit", 2, "api", 2), ("instruction", 1, "api", 3),
    ]  # fmt: skip
    with pytest.raises(LoadError) as info:
        rows_to_dataset(
            "units",
            [{"id": "X1", "name": "x", "kind": "tax_bureau", "level": "county", "region_code": "230100",
              "parent_id": "B2"},
             {"id": "X2", "name": "y", "kind": "bureau", "level": "county", "region_code": "230100",
              "parent_id": "X9"}],
            base, source="upsertUnits",
        )  # fmt: skip
    assert [str(p).split(";")[0] for p in info.value.problems] == [
        'upsertUnits:3: kind: unknown unit kind "bureau" (did you mean "tax_bureau"?)',
        'upsertUnits:3: parent_id: unknown unit "X9" (not in this load or the store)',
    ]


def test_rows_to_dataset_units_and_regions(base: Store) -> None:
    regions = rows_to_dataset("regions", [{"code": "230102", "name": "道里区", "level": "county",
                                           "parent_code": "230100"}], base)  # fmt: skip
    assert regions.regions == [Region("230102", "道里区", "county", "230100")]
    units = rows_to_dataset(
        "units", [{"id": "N1", "name": "总局", "kind": "tax_bureau", "level": "national"}], base
    )
    assert units.units == [Unit("N1", "总局", "tax_bureau", "national")]


# -- property: loading twice equals loading once -------------------------------------------------
KINDS = [
    "visit",
    "走访",
    "comprehensive_report",
    "全面报",
    "instruction",
    "secondment",
    "party_school_training",
]


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[str, str, str]:
    n_units = draw(st.integers(1, 5))
    unit_rows = []
    for i in range(n_units):
        parent = draw(st.sampled_from([""] + [f"U{j}" for j in range(i)]))
        unit_rows.append(f"U{i},单位{i},{draw(st.sampled_from(['税务局', 'party_branch', '市委']))},"
                         f"{draw(st.sampled_from(['市', 'county']))},230100,{parent}")  # fmt: skip
    link_rows = []
    for _ in range(draw(st.integers(0, 12))):
        day = draw(st.dates(dt.date(2019, 1, 1), dt.date(2021, 12, 31)))
        date = draw(st.sampled_from([day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%Y%m%d"),
                                     f"{day.year}年{day.month}月{day.day}日"]))  # fmt: skip
        ends = [f"U{draw(st.integers(0, n_units - 1))}" for _ in range(2)]
        link_rows.append(f"{date},{draw(st.sampled_from(KINDS))},{ends[0]},{ends[1]},"
                         f"{draw(st.sampled_from(['', '1', '3']))},{draw(st.sampled_from(['', '0', '7']))},"
                         f"{draw(st.sampled_from(['', 'a', '=b']))}")  # fmt: skip
    return (
        REGIONS,
        "id,name,kind,level,region_code,parent_id\n" + "\n".join(unit_rows),
        LINK_HEADER + "\n".join(link_rows),
    )


def _snapshot(store: Store) -> tuple[list, list, list]:
    return (store.find_units(UnitQuery()).items, all_links(store), store.regions())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_loading_twice_equals_loading_once(files: tuple[str, str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for name, text in zip(["regions.csv", "units.csv", "links.csv"], files, strict=True):
            write(folder / name, text, "gb18030")
        once, twice = open_store(Path(tmp) / "once.tkg"), open_store(Path(tmp) / "twice.tkg")
        first = load_paths(once, [folder])
        load_paths(twice, [folder])
        second = load_paths(twice, [folder])
        assert second.links_created == 0
        assert _snapshot(once) == _snapshot(twice)
        assert len(all_links(once)) == first.links == len(files[2].splitlines()) - 1


def test_extra_column_whose_name_would_break_the_message_is_named_by_its_letter(tmp_path):
    """A header cell such as ':' keeps every message parseable as FILE:ROW: column: message."""
    import re

    path = tmp_path / "units.csv"
    path.write_text(
        "id,name,kind,level,region_code,parent_id,name_en,:\nX,某局,tax_bureau,national,,,,\x1b\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as caught:
        build_dataset(read_ledgers([path]), None)
    line = str(caught.value.problems[0])
    assert line == "units.csv:2: column H: contains the control character U+001B"
    assert re.match(r"^(?P<file>.+?):(?P<row>\d+): (?P<column>[^:]+): (?P<message>.+)$", line)
