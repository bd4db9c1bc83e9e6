"""The menu file (docs/menu.md): one format of rows and columns, written as CSV or as JSON.

Each row is a category, an item, or one option of an item's modifier group, told apart by
which columns it fills. Reading a file checks every row before anything is used: a file
with a bad row is refused whole, naming each bad row's line and what is wrong with it.
Writing one and reading it back gives the same menu (in either encoding). Pure: bytes and
text in, text and plain data out.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from tableside.core.errors import InvalidRequest
from tableside.menu import rules
from tableside.menu.rules import Kind

FORMAT = "tableside-menu"
VERSION = 1
COLUMNS = (
    "category",
    "item",
    "price_cents",
    "tax_rate",
    "station",
    "course",
    "description",
    "allergens",
    "available",
    "modifier_group",
    "min",
    "max",
    "option",
    "option_price_cents",
)
ITEM_COLUMNS = (
    "price_cents",
    "tax_rate",
    "station",
    "course",
    "description",
    "allergens",
    "available",
)
MODIFIER_COLUMNS = ("min", "max", "option", "option_price_cents")
MAX_ROWS = 5000
MAX_PROBLEMS = 20  # a file wrong everywhere is told about its first few rows

FileFormat = Literal["csv", "json"]
Row = dict[str, Any]  # column → cell, only the columns the file has

_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}
_WHOLE = re.compile(r"\s*\+?(\d{1,12})\s*")
_DECIMAL = re.compile(r"\s*\d+[.,]\d*\s*")
# A spreadsheet runs a cell that starts with one of these as a formula: written with a
# leading apostrophe, which reading takes off again (as it does from a cell written with an
# apostrophe of its own, which writing doubles).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_START = (*_FORMULA_START, "'")


@dataclass
class OptionSpec:
    name: str
    price_cents: int | None  # None: the file has no option_price_cents column
    line: int = field(default=0, compare=False)


@dataclass
class GroupSpec:
    name: str
    min: int | None  # None: not given (kept as it is; a new group gets 0)
    max: int | None  # None: not given (kept as it is; a new group gets 1)
    options: list[OptionSpec] = field(default_factory=list)
    line: int = field(default=0, compare=False)


@dataclass
class ItemSpec:
    """An item row. A field is None when the file has no such column (the item keeps what
    it has; a new item gets the default); a blank cell is the default itself."""

    name: str
    price_cents: int
    tax_rate: str | None = None  # a tax rate's name; "": the restaurant's default rate
    station: str | None = None
    course: int | None = None
    description: str | None = None
    allergens: list[str] | None = None
    available: bool | None = None
    groups: list[GroupSpec] = field(default_factory=list)
    line: int = field(default=0, compare=False)


@dataclass
class CategorySpec:
    name: str
    items: list[ItemSpec] = field(default_factory=list)
    line: int = field(default=0, compare=False)


@dataclass
class MenuFile:
    categories: list[CategorySpec]
    rows: int = field(default=0, compare=False)  # rows read (blank ones not counted)


# --- reading ------------------------------------------------------------------------------


def format_of(content_type: str) -> FileFormat | None:
    """The encoding a request's Content-Type names, if it names one of ours."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in {"text/csv", "application/csv", "text/comma-separated-values"}:
        return "csv"
    return None


def read(raw: bytes, fmt: FileFormat | None) -> MenuFile:
    """The menu in ``raw``, every row checked; InvalidRequest naming each bad row's line."""
    if fmt is None:
        raise InvalidRequest(
            "Send the menu file as CSV (Content-Type: text/csv) or JSON (application/json), "
            "or say which with ?format=csv or ?format=json.",
            code="unsupported_format",
        )
    text = _decode(raw)
    rows = _csv_rows(text) if fmt == "csv" else _json_rows(text)
    if not rows:
        raise InvalidRequest("The file holds no rows: nothing was imported.", code="empty_file")
    if len(rows) > MAX_ROWS:
        raise InvalidRequest(
            f"The file has {len(rows)} rows; a menu file can have at most {MAX_ROWS}.",
            code="invalid_menu_file",
        )
    return _Reader().read(rows)


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidRequest(
            "The file is UTF-16 text; save it as UTF-8 (in a spreadsheet: “CSV UTF-8”).",
            code="invalid_menu_file",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidRequest(
            f"The file is not UTF-8 text (line {line}); save it as UTF-8 "
            "(in a spreadsheet: “CSV UTF-8”).",
            code="invalid_menu_file",
        ) from error
    text = text.removeprefix("\ufeff")  # the byte-order mark spreadsheets write
    if not text.strip():
        raise InvalidRequest("The file is empty: nothing was imported.", code="empty_file")
    return text


def _csv_rows(text: str) -> list[tuple[int, Row]]:
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in much of Europe separate cells with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        raise _bad_csv(reader.line_num, error) from error
    columns = [_column_name(name) for name in header]
    problems = Problems()
    for index, name in enumerate(columns):
        if name and name not in COLUMNS:
            problems.add(1, f"unknown column {header[index].strip()!r} ({_known_columns()}).")
        elif name and columns.index(name) != index:
            problems.add(1, f"the column {name!r} appears twice.")
    for required in ("category", "item"):
        if required not in columns:
            problems.add(1, f"the column {required!r} is missing ({_known_columns()}).")
    problems.refuse_if_any()
    rows: list[tuple[int, Row]] = []
    ended = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise _bad_csv(ended + 1, error) from error
        line, ended = ended + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        extra = [cell for cell in record[len(columns) :] if cell.strip()]
        unnamed = [
            cell for name, cell in zip(columns, record, strict=False) if not name and cell.strip()
        ]
        if extra or unnamed:
            problems.add(line, "a cell outside the header's columns holds something.")
            continue
        cells = record + [""] * (len(columns) - len(record))
        named = zip(columns, cells, strict=True)
        rows.append((line, {name: _unquote(cell) for name, cell in named if name}))
    problems.refuse_if_any()
    return rows


def _column_name(raw: str) -> str:
    return raw.strip().lower().replace(" ", "_")


def _known_columns() -> str:
    return "the columns are " + ", ".join(COLUMNS)


def _bad_csv(line: int, error: csv.Error) -> InvalidRequest:
    return InvalidRequest(
        f"Nothing was imported: line {line} is not valid CSV ({error}).", code="invalid_menu_file"
    )


def _unquote(cell: str) -> str:
    if cell.startswith("'") and cell[1:].startswith(_QUOTED_START):
        return cell[1:]
    return cell


def _json_rows(text: str) -> list[tuple[int, Row]]:
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise InvalidRequest(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
            code="invalid_menu_file",
        ) from error
    except (RecursionError, ValueError) as error:
        raise InvalidRequest(
            f"The file is not a menu file ({error}).", code="invalid_menu_file"
        ) from error
    if not isinstance(document, dict):
        raise InvalidRequest(
            'A JSON menu file is an object: {"format": "tableside-menu", "version": 1, '
            '"rows": [...]}.',
            code="invalid_menu_file",
        )
    unknown = sorted(set(document) - {"format", "version", "rows"})
    if unknown:
        raise InvalidRequest(
            f"Unknown field {unknown[0]!r}: a menu file has format, version and rows.",
            code="invalid_menu_file",
        )
    if "format" in document and document["format"] != FORMAT:
        raise InvalidRequest(f'"format" must be {FORMAT!r}.', code="invalid_menu_file")
    version = document.get("version", VERSION)
    if isinstance(version, bool) or version != VERSION:
        raise InvalidRequest(
            f"This server reads version {VERSION} of the menu file.", code="invalid_menu_file"
        )
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise InvalidRequest('"rows" must be a list of rows.', code="invalid_menu_file")
    lines = _row_lines(text, decoder, len(rows))
    problems = Problems()
    found: list[tuple[int, Row]] = []
    for line, row in zip(lines, rows, strict=True):
        if not isinstance(row, dict):
            problems.add(line, "a row must be an object of columns and their values.")
            continue
        unknown = [key for key in row if key not in COLUMNS]
        if unknown:
            problems.add(line, f"unknown column {unknown[0]!r} ({_known_columns()}).")
            continue
        if all(_blank(value) for value in row.values()):
            continue
        found.append((line, row))
    problems.refuse_if_any()
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a menu can hold")


_SPACE = " \t\n\r"


def _row_lines(text: str, decoder: json.JSONDecoder, count: int) -> list[int]:
    """The line on which each of the document's rows starts (the file decoded already, so
    this walk meets only valid JSON)."""
    position, line, lines = 0, 1, [0] * count

    def skip(index: int) -> int:
        while index < len(text) and text[index] in _SPACE:
            index += 1
        return index

    def line_at(index: int) -> int:
        nonlocal position, line
        line += text.count("\n", position, index)
        position = index
        return line

    index = skip(0) + 1  # past the document's "{"
    while True:
        index = skip(index)
        if text[index] == "}":
            break
        key, index = decoder.raw_decode(text, index)
        index = skip(index) + 1  # past ":"
        index = skip(index)
        if key == "rows":
            index += 1  # past "["
            n = 0
            while True:
                index = skip(index)
                if text[index] == "]":
                    index += 1
                    break
                if n < count:
                    lines[n] = line_at(index)
                n += 1
                _, index = decoder.raw_decode(text, index)
                index = skip(index)
                if text[index] == ",":
                    index += 1
        else:
            _, index = decoder.raw_decode(text, index)
        index = skip(index)
        if text[index] == ",":
            index += 1
    return lines


class Problems:
    """Bad rows, each with its line: refused together, the first few named."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def add(self, line: int, problem: str) -> None:
        self.found.append((line, _sentence(problem)))

    def refuse_if_any(self) -> None:
        if not self.found:
            return
        found = sorted(self.found)
        shown = [f"line {line}: {problem}" for line, problem in found[:MAX_PROBLEMS]]
        more = len(found) - MAX_PROBLEMS
        if more > 0:
            shown.append(f"… and {more} more.")
        rows = "this row" if len({line for line, _ in found}) == 1 else "these rows"
        raise InvalidRequest(
            f"Nothing was imported: fix {rows} and import the file again.\n" + "\n".join(shown),
            code="invalid_menu_file",
        )


@dataclass
class _Group:
    spec: GroupSpec
    min_line: int = 0
    max_line: int = 0
    given: set[str] = field(default_factory=set)  # "min", "max": a column of its rows
    options: dict[str, int] = field(default_factory=dict)  # option key → its line


class _Reader:
    def __init__(self) -> None:
        self.problems = Problems()
        self.categories: dict[str, CategorySpec] = {}
        self.items: dict[tuple[str, str], ItemSpec] = {}
        self.groups: dict[tuple[str, str, str], _Group] = {}

    def read(self, rows: list[tuple[int, Row]]) -> MenuFile:
        for line, row in rows:
            try:
                self._row(line, row)
            except InvalidRequest as error:
                self.problems.add(line, error.message)
        for group in self.groups.values():
            spec = group.spec
            if spec.min is None and "min" in group.given:
                spec.min = 0
            if spec.max is None and "max" in group.given:
                spec.max = 1
            try:
                rules.check_choices(
                    0 if spec.min is None else spec.min, 1 if spec.max is None else spec.max
                )
            except InvalidRequest as error:
                self.problems.add(group.max_line or group.min_line or spec.line, error.message)
        self.problems.refuse_if_any()
        return MenuFile(list(self.categories.values()), rows=len(rows))

    def _row(self, line: int, row: Row) -> None:
        category = rules.clean_name(_text(row, "category"), Kind.CATEGORY)
        key = rules.name_key(category)
        if not _text(row, "item").strip():
            filled = [c for c in row if c not in ("category", "item") and not _blank(row[c])]
            if filled:
                raise InvalidRequest(
                    f"a row without an item names a category only, but it fills "
                    f"{', '.join(filled)} (name the item, or leave them empty)."
                )
            self.categories.setdefault(key, CategorySpec(category, line=line))
            return
        name = rules.clean_name(_text(row, "item"), Kind.ITEM)
        where = (key, rules.name_key(name))
        if not _text(row, "modifier_group").strip():
            self._item(line, row, category, key, name, where)
        else:
            self._option(line, row, category, name, where)

    def _item(
        self, line: int, row: Row, category: str, key: str, name: str, where: tuple[str, str]
    ) -> None:
        stray = [c for c in MODIFIER_COLUMNS if not _blank(row.get(c))]
        if stray:
            raise InvalidRequest(
                f"{_columns(stray)} on a modifier row: name its modifier_group, "
                "or leave them empty."
            )
        if where in self.items:
            raise InvalidRequest(
                f"{name!r} in {category!r} already has its row on line {self.items[where].line} "
                "(an item has one row; its modifiers go on rows of their own)."
            )
        price = _whole(row, "price_cents")
        if price is None:
            raise InvalidRequest("an item row needs its price_cents (1250 for 12.50).")
        item = ItemSpec(name, rules.check_price(price), line=line)
        if "tax_rate" in row:
            item.tax_rate = rules.clean_line(_text(row, "tax_rate"), "tax rate's name", 60)
        if "station" in row:
            item.station = rules.clean_station(_text(row, "station"))
        if "course" in row:
            course = _whole(row, "course")
            item.course = 1 if course is None else rules.check_course(course)
        if "description" in row:
            item.description = rules.clean_description(_text(row, "description"))
        if "allergens" in row:
            item.allergens = rules.clean_allergens(_list(row, "allergens"))
        if "available" in row:
            item.available = _yes_no(row, "available")
        self.categories.setdefault(key, CategorySpec(category, line=line)).items.append(item)
        self.items[where] = item

    def _option(
        self, line: int, row: Row, category: str, item_name: str, where: tuple[str, str]
    ) -> None:
        stray = [c for c in ITEM_COLUMNS if not _blank(row.get(c))]
        if stray:
            raise InvalidRequest(f"{_columns(stray)} on the item's own row, not on a modifier row.")
        item = self.items.get(where)
        if item is None:
            raise InvalidRequest(
                f"{item_name!r} in {category!r} has no item row above this one "
                "(put the item's row first, then its modifier rows)."
            )
        name = rules.clean_name(_text(row, "modifier_group"), Kind.GROUP)
        group = self.groups.get((*where, rules.name_key(name)))
        if group is None:
            group = _Group(GroupSpec(name, None, None, line=line))
            item.groups.append(group.spec)
            self.groups[(*where, rules.name_key(name))] = group
        for column in ("min", "max"):
            if column not in row:
                continue
            group.given.add(column)
            value = _whole(row, column)
            if value is None:
                continue
            known = getattr(group.spec, column)
            if known is None:
                setattr(group.spec, column, value)
                setattr(group, f"{column}_line", line)
            elif known != value:
                raise InvalidRequest(
                    f"{column} {value} differs from the {column} {known} given for {name!r} "
                    f"on line {getattr(group, f'{column}_line')}."
                )
        if not _text(row, "option").strip():
            if not _blank(row.get("option_price_cents")):
                raise InvalidRequest("option_price_cents needs an option to price.")
            return
        option = rules.clean_name(_text(row, "option"), Kind.OPTION)
        option_key = rules.name_key(option)
        if option_key in group.options:
            raise InvalidRequest(
                f"the option {option!r} of {name!r} is already on line {group.options[option_key]}."
            )
        price: int | None = None
        if "option_price_cents" in row:
            price = rules.check_price(_whole(row, "option_price_cents") or 0, "option's price")
        group.options[option_key] = line
        group.spec.options.append(OptionSpec(option, price, line=line))


def _columns(names: list[str]) -> str:
    return f"{names[0]} belongs" if len(names) == 1 else f"{', '.join(names)} belong"


def _sentence(message: str) -> str:
    """A rule's message as the tail of "line 12: …" ("A category…" → "a category…")."""
    return message if message[1:2].isupper() else message[:1].lower() + message[1:]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _show(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "…"


def _text(row: Row, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a name a spreadsheet took for a number ("1664")
    raise InvalidRequest(f"{column} must be text, not {_show(value)}.")


def _whole(row: Row, column: str) -> int | None:
    """A whole number, or None for a blank cell."""
    value = row.get(column)
    if _blank(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        found = _WHOLE.fullmatch(value)
        if found:
            return int(found.group(1))
        if column.endswith("_cents") and _DECIMAL.fullmatch(value):
            raise InvalidRequest(
                f"{column} is in cents, a whole number: write 1250 for 12.50, not {_show(value)}."
            )
    raise InvalidRequest(f"{column} must be a whole number, not {_show(value)}.")


def _yes_no(row: Row, column: str) -> bool:
    value = row.get(column)
    if _blank(value):
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise InvalidRequest(f"{column} must be yes or no, not {_show(value)}.")


def _list(row: Row, column: str) -> list[str]:
    value = row.get(column)
    if _blank(value):
        return []
    if isinstance(value, str):
        return re.split(r"[,;]", value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise InvalidRequest(f"{column} must be a list of names, not {_show(value)}.")


# --- writing ------------------------------------------------------------------------------


def write(menu: MenuFile, fmt: FileFormat) -> str:
    return write_csv(menu) if fmt == "csv" else write_json(menu)


def write_csv(menu: MenuFile) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _rows(menu):
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def write_json(menu: MenuFile) -> str:
    """One row per line, so a row's line in the file is easy to find and to name."""
    rows = [json.dumps(row, ensure_ascii=False) for row in _rows(menu)]
    head = json.dumps({"format": FORMAT, "version": VERSION})[:-1]
    return head + ', "rows": [\n' + ",\n".join(rows) + "\n]}\n"


def _rows(menu: MenuFile) -> Iterator[Row]:
    for category in menu.categories:
        if not category.items:
            yield {"category": category.name}
        for item in category.items:
            yield {
                "category": category.name,
                "item": item.name,
                "price_cents": item.price_cents,
                "tax_rate": item.tax_rate or None,
                "station": item.station or "",
                "course": item.course or 1,
                "description": item.description or "",
                "allergens": item.allergens or [],
                "available": True if item.available is None else item.available,
            }
            for group in item.groups:
                head = {
                    "category": category.name,
                    "item": item.name,
                    "modifier_group": group.name,
                    "min": 0 if group.min is None else group.min,
                    "max": 1 if group.max is None else group.max,
                }
                if not group.options:
                    yield head
                for option in group.options:
                    yield {
                        **head,
                        "option": option.name,
                        "option_price_cents": option.price_cents or 0,
                    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, str) and value.startswith(_QUOTED_START):
        return "'" + value
    return str(value)
