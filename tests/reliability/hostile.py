"""Hypothesis strategies for hostile ledger folders: the good test ledgers, damaged in many ways.

A drawn case is ``{file name: bytes}``. Damage is applied one to three times to one file each:
random bytes, truncation, flipped bytes, another encoding, hostile cells (control characters,
formulas, Cypher, huge text, huge numbers), mixed and broken headers, ragged rows, broken quoting,
and XLSX: a workbook of the same rows with odd cell types, a sheet of garbage, a truncated zip, a
zip that is not a workbook, CSV bytes named ``.xlsx``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from relhelp import GOOD, INJECTIONS

from loaders.headers import SPECS, detect_header
from loaders.readers import decode_csv

Files = dict[str, bytes]

GOOD_FILES: Files = {p.name: p.read_bytes() for p in sorted(GOOD.glob("*.csv"))}

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1",
             "cp1252", "shift_jis", "big5", "koi8-r"]  # fmt: skip

CONTROL = "".join(chr(c) for c in [*range(0, 32), 127]) + "\u0085\u2028\u2029\ufffe\ufeff"

hostile_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(alphabet=st.sampled_from(CONTROL + "a,\"'\n=+-@;\t税务局"), max_size=30),
    st.text(max_size=40),
    st.sampled_from(["", " ", "9" * 5000, "9" * 25, "-1", "0", "1e308", "NaN", "inf", "1,000,000", "3.5",
                     "2020-02-30", "0000-01-01", "9999-12-31", "2020年13月1日", "99999999"]),
    st.integers(min_value=1_000, max_value=300_000).map(lambda n: "长" * n),
)  # fmt: skip


def _rows(data: bytes) -> list[list[str]]:
    try:
        text = decode_csv(data)
    except Exception:  # noqa: BLE001 - undecodable: treat as one cell
        text = data.decode("latin-1")
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        return [[text]]


def _csv(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors="surrogatepass")


Damage = Callable[[st.DrawFn, Files, str], Files]


def random_bytes(draw: st.DrawFn, files: Files, name: str) -> Files:
    return {**files, name: draw(st.binary(max_size=3000))}


def truncate(draw: st.DrawFn, files: Files, name: str) -> Files:
    data = files[name]
    return {**files, name: data[: draw(st.integers(0, max(0, len(data) - 1)))]}


def flip_bytes(draw: st.DrawFn, files: Files, name: str) -> Files:
    data = bytearray(files[name])
    if not data:
        return files
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return {**files, name: bytes(data)}


def reencode(draw: st.DrawFn, files: Files, name: str) -> Files:
    try:
        text = decode_csv(files[name])
    except Exception:  # noqa: BLE001
        return files
    encoding = draw(st.sampled_from(ENCODINGS))
    return {**files, name: text.encode(encoding, errors="replace")}


def hostile_cells(draw: st.DrawFn, files: Files, name: str) -> Files:
    rows = _rows(files[name])
    if not rows:
        return files
    for _ in range(draw(st.integers(1, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            rows[r] = [""]
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(hostile_text)
    return {**files, name: _csv(rows, draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))}


def _alias(draw: st.DrawFn, column: str, table: str) -> str:
    spec = SPECS[table]  # type: ignore[index]
    word = draw(st.sampled_from([column, *spec.aliases.get(column, ())]))
    return draw(st.sampled_from([word, word.upper(), word.title(), f" {word}* ", word.replace("_", " ")]))


def mixed_header(draw: st.DrawFn, files: Files, name: str) -> Files:
    """Rename header cells to aliases (any mix of Chinese and English), duplicate, drop or add some."""
    rows = _rows(files[name])
    if not rows:
        return files
    header = rows[0]
    found = detect_header([h.strip() for h in header])
    table = found.table if hasattr(found, "table") else draw(st.sampled_from(list(SPECS)))
    columns = list(getattr(found, "columns", {}) or {})
    by_index = {i: c for c, i in getattr(found, "columns", {}).items()}
    new = [_alias(draw, by_index[i], table) if i in by_index else h for i, h in enumerate(header)]
    action = draw(st.sampled_from(["rename", "duplicate", "drop", "extra", "shuffle", "blank"]))
    body = rows[1:]
    if action == "duplicate" and new:
        i = draw(st.integers(0, len(new) - 1))
        new.append(new[i])
        body = [[*r, r[i] if i < len(r) else ""] for r in body]
    elif action == "drop" and new:
        i = draw(st.integers(0, len(new) - 1))
        new.pop(i)
        body = [r[:i] + r[i + 1 :] for r in body]
    elif action == "extra":
        new.append(draw(hostile_text))
        body = [[*r, draw(hostile_text)] for r in body[:3]] + body[3:]
    elif action == "shuffle" and new:
        order = draw(st.permutations(range(len(new))))
        new = [new[i] for i in order]
        body = [[r[i] if i < len(r) else "" for i in order] for r in body]
    elif action == "blank" and new:
        new[draw(st.integers(0, len(new) - 1))] = ""
    del columns
    return {**files, name: _csv([new, *body])}


def ragged_rows(draw: st.DrawFn, files: Files, name: str) -> Files:
    rows = _rows(files[name])
    for _ in range(draw(st.integers(1, 4))):
        if not rows:
            break
        r = draw(st.integers(0, len(rows) - 1))
        if draw(st.booleans()):
            rows[r] = rows[r] + ["extra"] * draw(st.integers(1, 30))
        else:
            rows[r] = rows[r][: draw(st.integers(0, len(rows[r])))]
    return {**files, name: _csv(rows)}


def broken_quoting(draw: st.DrawFn, files: Files, name: str) -> Files:
    data = files[name]
    at = draw(st.integers(0, len(data)))
    junk = draw(st.sampled_from([b'"', b'""', b'"\r\n"', b"\x00", b"\r", b'"a"b', b"\xef\xbb\xbf"]))
    return {**files, name: data[:at] + junk + data[at:]}


_cell = st.one_of(
    st.none(),
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 1, 1)),
)


def _xlsx(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    wb.remove(wb.active)
    for i, (title, rows) in enumerate(sheets):
        ws = wb.create_sheet(title=f"{i}-{ILLEGAL_CHARACTERS_RE.sub('', title)[:20]}".replace("/", "_"))
        for row in rows:
            clean = []
            for v in row:
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)[:32767]  # what Excel itself can hold
                elif isinstance(v, float) and not math.isfinite(v) or isinstance(v, int) and abs(v) > 2**53:
                    v = str(v)
                clean.append(v)
            ws.append(clean)
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue())


def _deterministic(data: bytes) -> bytes:
    """The workbook with fixed zip times and document dates: the same rows give the same bytes, as
    hypothesis needs (it replays draws, and later damage draws positions within these bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)  # fmt: skip
    return out.getvalue()


def to_xlsx(draw: st.DrawFn, files: Files, name: str) -> Files:
    """The same rows as a workbook, numbers and dates typed the way Excel users type them."""
    rows: list[list[Any]] = [list(r) for r in _rows(files[name])]
    for _ in range(draw(st.integers(0, 4))):
        if len(rows) > 1:
            r = draw(st.integers(1, len(rows) - 1))
            if rows[r]:
                rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(_cell)
    out = {k: v for k, v in files.items() if k != name}
    out[name.rsplit(".", 1)[0] + ".xlsx"] = _xlsx([(name, rows)])
    return out


def garbage_sheet(draw: st.DrawFn, files: Files, name: str) -> Files:
    rows = draw(st.lists(st.lists(_cell, max_size=8), max_size=12))
    sheets = [("good", [list(r) for r in _rows(files[name])]), ("garbage", rows)]
    out = {k: v for k, v in files.items() if k != name}
    out[name.rsplit(".", 1)[0] + ".xlsx"] = _xlsx(sheets if draw(st.booleans()) else sheets[1:])
    return out


def broken_zip(draw: st.DrawFn, files: Files, name: str) -> Files:
    kind = draw(st.sampled_from(["truncated", "not-xlsx", "csv-named-xlsx", "bad-xml"]))
    base = name.rsplit(".", 1)[0] + ".xlsx"
    out = {k: v for k, v in files.items() if k != name}
    if kind == "truncated":
        data = _xlsx([(name, [list(r) for r in _rows(files[name])])])
        out[base] = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "not-xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(draw(st.sampled_from(["a.txt", "[Content_Types].xml", "xl/workbook.xml"])),
                       draw(st.binary(max_size=200)))  # fmt: skip
        out[base] = buf.getvalue()
    elif kind == "csv-named-xlsx":
        out[base] = files[name]
    else:
        data = io.BytesIO(_xlsx([(name, [list(r) for r in _rows(files[name])])]))
        buf = io.BytesIO()
        with zipfile.ZipFile(data) as src, zipfile.ZipFile(buf, "w") as dst:
            for item in src.infolist():
                body = src.read(item)
                if item.filename.startswith("xl/worksheets/"):
                    body = body[: len(body) // 2] + draw(st.binary(max_size=50))
                dst.writestr(item, body)
        out[base] = buf.getvalue()
    return out


def rename(draw: st.DrawFn, files: Files, name: str) -> Files:
    new = draw(st.sampled_from(["ledger.CSV", "ledger.xlsm", "ledger.txt", "~$lock.xlsx", ".hidden.csv",
                                "名册 (1).csv", "a b;c.csv"]))  # fmt: skip
    out = {k: v for k, v in files.items() if k != name}
    out[new] = files[name]
    return out


DAMAGE: list[Damage] = [random_bytes, truncate, flip_bytes, reencode, hostile_cells, mixed_header,
                        ragged_rows, broken_quoting, to_xlsx, garbage_sheet, broken_zip, rename]  # fmt: skip
CSV_DAMAGE = [d for d in DAMAGE if d not in (to_xlsx, garbage_sheet, broken_zip)]


@st.composite
def hostile_ledgers(draw: st.DrawFn) -> Files:
    """The good ledgers with one to three kinds of damage."""
    files = dict(GOOD_FILES)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        damage = draw(st.sampled_from(DAMAGE if name.endswith(".csv") else CSV_DAMAGE[:4]))
        files = damage(draw, files, name)
    return files
