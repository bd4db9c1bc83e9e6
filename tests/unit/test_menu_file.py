"""The menu file (docs/menu.md): what a spreadsheet writes is read as the owner meant it, a
bad row is named by its line, and writing a menu then reading it back gives the same menu,
as CSV and as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tableside.core.errors import InvalidRequest
from tableside.menu import menu_file
from tableside.menu.menu_file import CategorySpec, GroupSpec, ItemSpec, MenuFile, OptionSpec

HEADER = "category,item,price_cents,modifier_group,min,max,option,option_price_cents\n"


def refusal(raw: str | bytes, fmt: menu_file.FileFormat = "csv") -> str:
    with pytest.raises(InvalidRequest) as refused:
        menu_file.read(raw.encode() if isinstance(raw, str) else raw, fmt)
    return refused.value.message


def test_a_spreadsheet_of_items_reads_as_categories_in_the_order_they_appear() -> None:
    menu = menu_file.read(
        (
            b"Category,Item,Price cents\n"
            b"Starters,Soup,650\n"
            b"Mains,Steak,2800\n"
            b",,\n"  # the blank rows a spreadsheet leaves are skipped
            b"starters ,Salad,900\n"
        ),
        "csv",
    )
    assert [(c.name, [i.name for i in c.items]) for c in menu.categories] == [
        ("Starters", ["Soup", "Salad"]),
        ("Mains", ["Steak"]),
    ]
    soup = menu.categories[0].items[0]
    # Columns the file does not have are left as they are (None), not set to defaults.
    assert (soup.price_cents, soup.station, soup.course, soup.available) == (650, None, None, None)
    assert menu.rows == 3


def test_modifier_rows_follow_their_item_and_give_the_group_its_min_and_max() -> None:
    menu = menu_file.read(
        (
            HEADER + "Mains,Burger,1500,,,,,\n"
            "Mains,Burger,,Temperature,1,1,Rare,\n"
            "Mains,Burger,,Temperature,,,Medium,\n"
            "Mains,Burger,,Add-ons,0,3,Bacon,150\n"
            "Mains,Burger,,Add-ons,0,3,Cheese,100\n"
            "Mains,Burger,,Sauce on the side,,,,\n"
        ).encode(),
        "csv",
    )
    burger = menu.categories[0].items[0]
    assert burger.groups == [
        GroupSpec("Temperature", 1, 1, [OptionSpec("Rare", 0), OptionSpec("Medium", 0)]),
        GroupSpec("Add-ons", 0, 3, [OptionSpec("Bacon", 150), OptionSpec("Cheese", 100)]),
        GroupSpec("Sauce on the side", 0, 1, []),
    ]


def test_every_bad_row_is_named_by_its_line_and_nothing_is_read() -> None:
    message = refusal(
        HEADER + "Mains,Burger,12.50,,,,,\n"  # line 2
        "Mains,Steak,2800,,,,,\n"
        "Mains,Steak,2900,,,,,\n"  # line 4: twice
        "Mains,Fries,,,,,,\n"  # line 5: no price
        "Mains,Pie,-5,,,,,\n"  # line 6
        "Mains,Ghost,,Sauce,,,Mayo,\n"  # line 7: no item row above
        "Mains,Steak,,Temperature,2,1,Rare,\n"  # line 8: min > max
        ",Nameless,100,,,,,\n"  # line 9
    )
    assert message.startswith("Nothing was imported")
    lines = message.splitlines()[1:]
    assert (
        lines[0]
        == "line 2: price_cents is in cents, a whole number: write 1250 for 12.50, not '12.50'."
    )
    assert lines[1].startswith("line 4: 'Steak' in 'Mains' already has its row on line 3")
    assert lines[2].startswith("line 5: an item row needs its price_cents")
    assert lines[3].startswith("line 6: price_cents must be a whole number")
    assert lines[4].startswith("line 7: 'Ghost' in 'Mains' has no item row above this one")
    assert lines[5] == "line 8: a modifier group's minimum (2) cannot be more than its maximum (1)."
    assert lines[6] == "line 9: a category needs a name."


def test_a_description_over_several_lines_still_names_the_right_line_after_it() -> None:
    message = refusal(
        'category,item,price_cents,description\nMains,Stew,1800,"Slow cooked.\nServed hot."\n'
        "Mains,Bread,abc,\n"
    )
    assert "line 4: price_cents must be a whole number, not 'abc'." in message


def test_the_header_must_name_known_columns() -> None:
    assert "line 1: unknown column 'Colour'" in refusal("category,item,Colour\nA,B,red\n")
    assert "the column 'item' is missing" in refusal("category,price_cents\nA,100\n")
    assert "line 1: the column 'item' appears twice" in refusal("category,item,Item\nA,B,C\n")
    assert "a cell outside the header's columns" in refusal("category,item\nA,B,C\n")


def test_what_spreadsheets_write_is_read() -> None:
    # Excel's "CSV UTF-8" starts with a byte-order mark; in much of Europe it separates
    # cells with semicolons; "yes"/"no" and lists of allergens read as the owner meant.
    raw = "\ufeffcategory;item;price_cents;allergens;available\nPlats;Crêpe;850;gluten, lait;non\n"
    with pytest.raises(InvalidRequest):
        menu_file.read(raw.encode(), "csv")  # "non" is not yes or no
    menu = menu_file.read(raw.replace("non", "no").encode("utf-8"), "csv")
    crepe = menu.categories[0].items[0]
    assert (crepe.name, crepe.allergens, crepe.available) == ("Crêpe", ["gluten", "lait"], False)
    assert "UTF-8" in refusal("category,item\nPlats,Cr\xeape\n".encode("latin-1"))
    assert "UTF-16" in refusal("category,item\n".encode("utf-16"))
    assert "empty" in refusal("")


def test_a_json_file_names_the_line_a_bad_row_starts_on() -> None:
    document = (
        '{"format": "tableside-menu", "version": 1, "rows": [\n'
        '{"category": "Mains", "item": "Burger", "price_cents": 1500},\n'
        '{"category": "Mains", "item": "Steak",\n  "price_cents": "lots"}\n'
        "]}"
    )
    assert "line 3: price_cents must be a whole number, not 'lots'." in refusal(document, "json")
    assert "not valid JSON (line 1" in refusal('{"rows": [', "json")
    assert "unknown column 'colour'" in refusal(
        '{"rows": [{"category": "A", "colour": 1}]}', "json"
    )
    assert "Unknown field 'menu'" in refusal('{"menu": []}', "json")
    assert "format" in refusal('{"format": "excel", "rows": []}', "json")
    assert "not a menu file" in refusal("[" * 100_000, "json")
    assert "holds no rows" in refusal('{"rows": [{}]}', "json")
    assert "not a number" in refusal('{"rows": [{"category": NaN}]}', "json")


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_quoted_and_read_back() -> None:
    menu = MenuFile(
        [
            CategorySpec(
                "=Specials",
                [ItemSpec("@home", 100, description="-spicy"), ItemSpec("'@", 100)],
            )
        ]
    )
    written = menu_file.write_csv(menu)
    assert "'=Specials" in written and "'@home" in written and "'-spicy" in written
    read = menu_file.read(written.encode(), "csv").categories[0]
    assert (read.name, read.items[0].name, read.items[0].description) == (
        "=Specials",
        "@home",
        "-spicy",
    )
    assert read.items[1].name == "'@"
    # An apostrophe the owner typed stays.
    typed = menu_file.read(b"category,item,price_cents\n'Nduja,'Nduja pizza,1200\n", "csv")
    assert typed.categories[0].name == "'Nduja"


# --- round trips -----------------------------------------------------------------------------

names = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
        min_size=1,
        max_size=20,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
cents = st.integers(min_value=0, max_value=100_000)


def unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i.casefold() in seen or seen.add(i.casefold()))]


options = (
    st.lists(names, max_size=3)
    .map(unique)
    .flatmap(lambda found: st.tuples(*(st.builds(OptionSpec, st.just(n), cents) for n in found)))
)
groups = (
    st.lists(names, max_size=2)
    .map(unique)
    .flatmap(
        lambda found: st.tuples(
            *(
                st.builds(
                    lambda name, low, extra, opts: GroupSpec(name, low, low + extra, list(opts)),
                    st.just(n),
                    st.integers(0, 3),
                    st.integers(1, 3),
                    options,
                )
                for n in found
            )
        )
    )
)
items = (
    st.lists(names, min_size=1, max_size=4)
    .map(unique)
    .flatmap(
        lambda found: st.tuples(
            *(
                st.builds(
                    ItemSpec,
                    st.just(n),
                    cents,
                    tax_rate=st.sampled_from(["", "Food", "Alcohol 20%"]),
                    station=st.sampled_from(["", "grill", "bar"]),
                    course=st.integers(1, 9),
                    description=st.sampled_from(["", "Two lines,\nwith a comma", '"Quoted"; -5']),
                    allergens=st.lists(st.sampled_from(["gluten", "dairy", "nuts"]), unique=True),
                    available=st.booleans(),
                    groups=groups.map(list),
                )
                for n in found
            )
        )
    )
)
menus = (
    st.lists(names, min_size=1, max_size=4)
    .map(unique)
    .flatmap(
        lambda found: st.tuples(
            *(
                st.builds(CategorySpec, st.just(n), st.one_of(st.just(()), items).map(list))
                for n in found
            )
        )
    )
    .map(lambda categories: MenuFile(list(categories)))
)


@settings(max_examples=80, deadline=None)
@given(menus)
def test_a_menu_written_as_csv_or_json_reads_back_the_same(menu: MenuFile) -> None:
    for fmt in ("csv", "json"):
        written = menu_file.write(menu, fmt)  # type: ignore[arg-type]
        assert menu_file.read(written.encode(), fmt) == menu, written  # type: ignore[arg-type]
    as_json = json.loads(menu_file.write_json(menu))
    assert as_json["format"] == "tableside-menu" and as_json["version"] == 1


def test_the_examples_in_the_docs_are_one_menu_as_export_writes_it() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "menu.md").read_text()
    as_csv = re.search(r"```csv\n(.*?)```", doc, re.S)
    as_json = re.search(r"```json\n(.*?)```", doc, re.S)
    assert as_csv and as_json
    menu = menu_file.read(as_csv.group(1).encode(), "csv")
    assert menu_file.read(as_json.group(1).encode(), "json") == menu
    assert menu_file.write_csv(menu).replace("\r\n", "\n") == as_csv.group(1)
    assert menu_file.write_json(menu) == as_json.group(1)
