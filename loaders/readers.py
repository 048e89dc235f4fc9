"""Reading ledger files: folders, CSV encodings, XLSX sheets, header rows.

Reading never stops at the first bad file: unreadable files and unknown headers become
:class:`~graph.errors.RowProblem` entries so that a load reports every problem at once. Cells are
kept raw (XLSX numbers and dates as openpyxl gives them) and interpreted later by the validator,
which knows what each column should hold.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain, islice
from pathlib import Path

from graph.errors import LoadError, RowProblem
from graph.gcpause import collector_paused
from graph.ingest.cells import cell_text
from graph.ingest.tables import ParsedLedgers, Row, Table

from .headers import Header, HeaderMismatch, detect_header

__all__ = ["Table", "ParsedLedgers", "read_ledgers", "decode_csv", "CSV_SUFFIXES", "XLSX_SUFFIXES"]

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 5  # a title row or two above the header is common in hand-made ledgers


class _Unreadable(Exception):
    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row = row
        self.message = message


# -- paths ---------------------------------------------------------------------------------------
def _expand(paths: Sequence[Path], out: ParsedLedgers) -> list[tuple[Path, str]]:
    """(path, display name) of every file to read; folders expanded recursively, sorted.

    The display name is the basename for a file named directly and the path relative to the folder
    for a file found in one, so messages stay short but files in sibling folders stay distinct.
    """
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    supported = CSV_SUFFIXES + XLSX_SUFFIXES

    def add(path: Path, name: str) -> None:
        key = path.resolve()
        if key in seen:
            out.warnings.append(f"{name}: named more than once; read once")
            return
        seen.add(key)
        found.append((path, name))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                name = rel.as_posix()
                if any(part.startswith(".") for part in rel.parts) or child.name.startswith("~$"):
                    continue  # hidden files, editor backups and Excel lock files
                if child.suffix.lower() in supported:
                    add(child, name)
                else:
                    out.warnings.append(f"{(path / rel).as_posix()}: not a .csv or .xlsx file; ignored")
        elif path.is_file():
            if path.suffix.lower() in supported:
                add(path, path.name)
            else:
                out.problems.append(
                    RowProblem(path.name, 1, "file", "not a ledger file; save it as .csv or .xlsx")
                )
        else:
            out.problems.append(RowProblem(str(raw), 1, "file", "no such file or folder"))
    return found


# -- CSV -----------------------------------------------------------------------------------------
def decode_csv(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else GB18030, else UTF-16 with a BOM.

    UTF-8 is tried strictly first because GB18030 accepts many byte sequences that are really
    UTF-8; text that fails UTF-8 but decodes as GB18030 is what Excel in China writes.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _bad_encoding(data, exc, "is UTF-16 but has an invalid byte") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data, exc.start):
            raise _bad_encoding(data, exc, "is UTF-8 but has an invalid byte") from None
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _bad_encoding(data, exc, "cannot be decoded as UTF-8 or GB18030") from None


def _mostly_utf8(data: bytes, bad: int) -> bool:
    """True when plenty of non-ASCII UTF-8 precedes the first bad byte: a damaged UTF-8 file.

    GB18030 would "decode" such a file into nonsense without complaint, so it must not be tried.
    GBK text almost never forms valid multi-byte UTF-8 for long; eight characters are ample proof.
    """
    prefix = data[:bad]
    return len(prefix) - len(prefix.decode("utf-8", "ignore")) >= 16


def _bad_encoding(data: bytes, exc: UnicodeDecodeError, what: str) -> _Unreadable:
    row = data.count(b"\n", 0, exc.start) + 1
    byte = data[exc.start : exc.start + 1].hex()
    return _Unreadable(
        row, f"the file {what} (byte 0x{byte} at row {row}); save it as 'CSV UTF-8' from Excel"
    )


def _delimiter(text: str) -> str:
    """Comma unless the first non-blank line clearly uses tabs or semicolons (some Excel locales)."""
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";")}
            return max(counts, key=lambda d: (counts[d], d == ","))
    return ","


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _codec(path: Path) -> str:
    """The codec :func:`decode_csv` would decode the file with, checked on the whole file (its
    problems raised as :func:`decode_csv` raises them) without holding its text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unreadable(1, f"cannot read the file: {exc.strerror or exc}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            _decodes(data, "utf-16")
        except UnicodeDecodeError as exc:
            raise _bad_encoding(data, exc, "is UTF-16 but has an invalid byte") from None
        return "utf-16"
    try:
        _decodes(data, "utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data, exc.start):
            raise _bad_encoding(data, exc, "is UTF-8 but has an invalid byte") from None
    try:
        _decodes(data, "gb18030")
    except UnicodeDecodeError as exc:
        raise _bad_encoding(data, exc, "cannot be decoded as UTF-8 or GB18030") from None
    return "gb18030"


def _decodes(data: bytes, codec: str, step: int = 1 << 20) -> None:
    """Raise what ``data.decode(codec)`` would raise, decoding a megabyte at a time (a national
    ledger's text is several times its bytes)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        data.decode(codec)  # the same error, with its place in the whole file


def _read_csv(path: Path, codec: str) -> Iterator[tuple[int, Row]]:
    """The numbered rows of a CSV file, parsed as the file is read (nothing else is held)."""
    try:
        with open(path, encoding=codec, newline="") as f:
            delimiter = _delimiter(_first_lines(f))
            f.seek(0)
            reader = csv.reader(f, delimiter=delimiter)
            try:
                yield from enumerate(reader, start=1)
            except csv.Error as exc:
                raise _Unreadable(reader.line_num or 1, f"malformed CSV: {exc}") from None
    except OSError as exc:
        raise _Unreadable(1, f"cannot read the file: {exc.strerror or exc}") from None


def _first_lines(f: Iterable[str]) -> str:
    """The file's text up to its first non-blank line (what :func:`_delimiter` looks at)."""
    lines = []
    for line in f:
        lines.append(line)
        if line.strip():
            break
    return "".join(lines)


class _CsvRows:
    """The data rows of one CSV table (below its header, blank rows left out), read from the file
    again each time they are iterated.

    Why: a load validates every row before it writes any, then writes in a second pass; holding a
    national load's rows between the two passes was most of the client's memory. The file is
    checked to be unchanged since it was first read: a file edited during a load stops the load
    (before anything becomes visible) rather than writing rows that were never validated."""

    def __init__(self, path: Path, name: str, header_row: int, *, codec: str, stamp: tuple[int, int]):
        self.path, self.name, self.header_row, self.stamp = path, name, header_row, stamp
        self.codec = codec

    def __iter__(self) -> Iterator[tuple[int, Row]]:
        try:
            same = _stamp(self.path) == self.stamp
        except OSError:
            same = False
        if not same:
            raise LoadError(
                [RowProblem(self.name, 1, "file", "the file changed (or went) while it was being loaded; "
                            "nothing was written. Load it again.")]
            )  # fmt: skip
        header_row, blank = self.header_row, _is_blank
        try:
            for n, row in _read_csv(self.path, self.codec):
                if n > header_row and not blank(row):
                    yield n, row
        except _Unreadable as exc:  # it was readable a moment ago
            raise LoadError([RowProblem(self.name, exc.row, "file", exc.message)]) from None


# -- XLSX ----------------------------------------------------------------------------------------
def _read_xlsx(path: Path) -> list[tuple[str, list[tuple[int, Row]]]]:
    """Every worksheet as (title, numbered rows). data_only: cached formula results, never formulas."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same thing to a user
        raise _Unreadable(1, f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        return [(ws.title, list(enumerate(ws.iter_rows(values_only=True), start=1))) for ws in wb.worksheets]
    except Exception as exc:
        raise _Unreadable(1, f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    finally:
        wb.close()


# -- headers -------------------------------------------------------------------------------------
def _is_blank(row: Row) -> bool:
    if row and row[0].__class__ is str and row[0].strip():
        return False  # the usual data row, decided without a generator (this runs for every row)
    return all(cell is None or (cell.__class__ is str and not cell.strip()) for cell in row)


def _make_table(
    name: str,
    file: str,
    rows: Iterable[tuple[int, Row]],
    out: ParsedLedgers,
    text_only: bool,
    again: Callable[[int], Iterable[tuple[int, Row]]] | None = None,
) -> None:
    """Find the header, then keep the non-blank rows below it (or record why there is none).

    ``rows`` is read once, here. With ``again`` (a CSV file) the rows are not kept: the table's
    rows are ``again(header_row)``, which reads the file again when they are needed."""
    it = iter(rows)
    head = list(islice(it, HEADER_SEARCH_ROWS * 4))
    candidates = [(n, r) for n, r in head if not _is_blank(r)][:HEADER_SEARCH_ROWS]
    if not candidates:
        for _ in it:  # read to the end: a malformed line further down is still reported
            pass
        out.warnings.append(f"{name}: empty; nothing to read")
        return
    first_mismatch: HeaderMismatch | None = None
    header: Header | None = None
    header_row = 0
    for number, row in candidates:
        found = detect_header([cell_text(c) for c in row])
        if isinstance(found, Header):
            header, header_row = found, number
            break
        first_mismatch = first_mismatch or found
    if header is None:
        assert first_mismatch is not None
        for _ in it:
            pass
        out.problems.append(RowProblem(name, candidates[0][0], "header", first_mismatch.message()))
        return
    if header_row != candidates[0][0]:
        out.warnings.append(f"{name}: rows above the header (row {header_row}) ignored")
    for column in dict.fromkeys(header.duplicates):
        out.problems.append(RowProblem(name, header_row, "header", f"column {column} appears more than once"))
    blank = set(header.blank_columns)
    blank_values = False
    data: list[tuple[int, Row]] = []
    count = 0
    for n, r in chain(head, it):
        if n <= header_row or _is_blank(r):
            continue
        count += 1
        if again is None:
            data.append((n, r))
        if blank and not blank_values:
            blank_values = any(i < len(r) and not _is_blank((r[i],)) for i in blank)
    if header.extras and header.table != "units":
        ignored = ", ".join(text for text, _ in header.extras)
        out.warnings.append(f"{name}: columns not used by {header.table} ledgers ignored: {ignored}")
    if blank_values:
        out.warnings.append(f"{name}: values in columns without a header ignored")
    if again is None:
        out.tables.append(Table(name, file, header, data, text_only))
    else:
        out.tables.append(Table(name, file, header, again(header_row), text_only, count=count))


def read_ledgers(paths: Sequence[Path]) -> ParsedLedgers:
    """Read files and folders (``*.csv``, ``*.xlsx``; other files in folders ignored with a warning).

    Returns the recognised tables plus any problems (unreadable files, headers that fit no type)
    and warnings; :func:`loaders.build_dataset` raises for the problems together with its own.
    """
    out = ParsedLedgers()
    with collector_paused():
        _read_all(_expand(paths, out), out)
    return out


def _read_all(files: list[tuple[Path, str]], out: ParsedLedgers) -> None:
    for path, name in files:
        out.files += 1
        try:
            if path.suffix.lower() in CSV_SUFFIXES:
                try:
                    stamp = _stamp(path)
                except OSError as exc:
                    raise _Unreadable(1, f"cannot read the file: {exc.strerror or exc}") from None
                codec = _codec(path)
                again = partial(_CsvRows, path, name, codec=codec, stamp=stamp)
                _make_table(name, name, _read_csv(path, codec), out, text_only=True, again=again)
            else:
                sheets = _read_xlsx(path)
                if not sheets:
                    out.warnings.append(f"{name}: no worksheets; nothing to read")
                for title, rows in sheets:
                    _make_table(f"{name}[{title}]", name, rows, out, text_only=False)
        except _Unreadable as exc:
            out.problems.append(RowProblem(name, exc.row, "file", exc.message))
