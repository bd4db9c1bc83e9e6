"""The menu as screens and API clients see it, and the requests that change it.

Read models are built from rows and never written back; request bodies are bounded, so bad
input is a 422 before any use case runs.
"""

from __future__ import annotations

from pydantic import BaseModel

from tableside.core.schemas import Body


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


class MenuCategoryView(BaseModel):
    id: str
    name: str


class MenuView(BaseModel):
    categories: list[MenuCategoryView]
    items: list[MenuItemView]


class AvailabilityRequest(Body):
    available: bool


MenuItemResponse = MenuItemView
