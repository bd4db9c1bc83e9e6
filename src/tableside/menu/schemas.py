"""The menu as screens and API clients see it, and the requests that change it.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tableside.core.schemas import Body, Documented, Id, Text
from tableside.menu import rules


class ModifierOptionView(BaseModel):
    id: str
    name: str
    price_cents: int


class ModifierGroupView(BaseModel):
    id: str
    name: str
    min: int
    max: int
    options: list[ModifierOptionView]


class MenuItemView(BaseModel):
    id: str
    name: str
    category_id: str
    price_cents: int
    available: bool
    modifier_groups: list[ModifierGroupView]
    description: str = ""
    allergens: list[str] = []
    station: str = ""  # the kitchen station that makes it; "" for none in particular
    course: int = 1
    tax_rate_id: str | None = None  # None: the restaurant's default rate


class MenuCategoryView(BaseModel):
    id: str
    name: str


class MenuView(BaseModel):
    categories: list[MenuCategoryView]
    items: list[MenuItemView]


class AvailabilityRequest(Body):
    available: bool


MenuItemResponse = MenuItemView


# --- the menu editor ------------------------------------------------------------------------
# Everything of the menu, archived rows too (``archived``), with its order (``position``).

Cents = Annotated[int, Field(strict=True, ge=0, le=rules.MAX_CENTS)]
# What menu/rules.py takes (shown in the OpenAPI document): a name on one line, not blank
# (runs of spaces, tabs and line breaks become one space; other control characters are
# refused), a description with its line breaks, an allergen without separators.
_KEPT = r"\x00-\x08\x0e-\x1b\x7f"  # control characters that no cleaning removes
ItemName = Annotated[
    Text,
    Field(max_length=rules.Kind.ITEM.max_name),
    Documented(pattern=rf"^[^{_KEPT}]*[^\s{_KEPT}][^{_KEPT}]*$"),
]
Name = Annotated[
    Text,
    Field(max_length=rules.Kind.CATEGORY.max_name),
    Documented(pattern=rf"^[^{_KEPT}]*[^\s{_KEPT}][^{_KEPT}]*$"),
]
Station = Annotated[
    Text, Field(max_length=rules.MAX_STATION), Documented(pattern=rf"^[^{_KEPT}]*$")
]
Description = Annotated[
    Text,
    Field(max_length=rules.MAX_DESCRIPTION),
    Documented(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"),
]
Allergens = Annotated[
    list[
        Annotated[
            Text, Field(max_length=rules.MAX_ALLERGEN), Documented(pattern=rf"^[^{_KEPT},;]*$")
        ]
    ],
    Field(max_length=rules.MAX_ALLERGENS),
]
Course = Annotated[int, Field(strict=True, ge=1, le=rules.MAX_COURSE)]
Choices = Annotated[int, Field(strict=True, ge=0, le=rules.MAX_CHOICES)]


class OptionEditView(BaseModel):
    id: str
    group_id: str
    name: str
    price_cents: int
    position: int
    archived: bool


class GroupEditView(BaseModel):
    id: str
    menu_item_id: str
    name: str
    min: int
    max: int
    position: int
    archived: bool
    options: list[OptionEditView]


class ItemEditView(BaseModel):
    id: str
    category_id: str
    name: str
    price_cents: int
    available: bool
    tax_rate_id: str | None
    station: str
    course: int
    description: str
    allergens: list[str]
    position: int
    archived: bool
    modifier_groups: list[GroupEditView]


class CategoryEditView(BaseModel):
    id: str
    name: str
    position: int
    archived: bool


class TaxRateChoice(BaseModel):
    id: str
    name: str
    rate_bp: int


class MenuEditorView(BaseModel):
    categories: list[CategoryEditView]
    items: list[ItemEditView]
    tax_rates: list[TaxRateChoice]  # the rates an item may name (none archived)
    default_tax_rate_bp: int  # what an item without a rate of its own is taxed at


class NewCategory(Body):
    name: Name


class CategoryChange(Body):
    name: Name | None = None


class NewItem(Body):
    category_id: Id
    name: ItemName
    price_cents: Cents
    tax_rate_id: Id | None = Field(
        default=None, description="One of the restaurant's tax rates; null: its default rate"
    )
    station: Station = ""
    course: Course = 1
    description: Description = ""
    allergens: Allergens = Field(default_factory=list)


class ItemChange(Body):
    """Only the fields sent change (``tax_rate_id: null`` sets the default rate); moving an
    item to another category puts it last there. Availability is ``…/availability`` (86)."""

    category_id: Id | None = None
    name: ItemName | None = None
    price_cents: Cents | None = None
    tax_rate_id: Id | None = None
    station: Station | None = None
    course: Course | None = None
    description: Description | None = None
    allergens: Allergens | None = None


class NewGroup(Body):
    name: Name
    min: Choices = 0
    max: Choices = 1


class GroupChange(Body):
    """Only the fields sent change; ``menu_item_id`` moves the group (with its options) to
    another item, last there."""

    name: Name | None = None
    min: Choices | None = None
    max: Choices | None = None
    menu_item_id: Id | None = None


class NewOption(Body):
    name: Name
    price_cents: Cents = 0


class OptionChange(Body):
    name: Name | None = None
    price_cents: Cents | None = None


class NewOrder(Body):
    """Every live (not archived) one of them, each once, in the new order."""

    ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]


class OrderView(BaseModel):
    ids: list[str]


# --- import and export (docs/menu.md) -----------------------------------------------------

FileFormat = Literal["csv", "json"]
ImportMode = Literal["merge", "replace"]


class KindCounts(BaseModel):
    categories: int = 0
    items: int = 0
    groups: int = 0
    options: int = 0


class ImportResult(BaseModel):
    mode: ImportMode
    format: FileFormat
    rows: int  # rows read from the file (blank ones not counted)
    created: KindCounts
    updated: KindCounts
    archived: KindCounts
