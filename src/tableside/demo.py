"""Demo data (API.md "Demo data"): two restaurants, staff, a floor and a menu. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from tableside.core import models as m
from tableside.core.models import new_id, utcnow
from tableside.core.unit_of_work import Database
from tableside.restaurants import service as restaurants
from tableside.staff.service import hash_pin, installation_key, pin_lookup

STAFF = [
    ("Avery Quinn", "owner", "8888"),
    ("Sam Rivera", "server", "1234"),
    ("Riley Chen", "server", "2345"),
    ("Morgan Ellis", "manager", "9999"),
    ("Kai Brooks", "kitchen", "5555"),
]

SECTIONS = ["Dining room", "Patio", "Bar"]

# (label, capacity, shape, section index, x, y)
TABLES = [
    *[
        (
            f"T{i}",
            4 if i % 3 else 2,
            "square" if i % 3 else "round",
            0,
            (i - 1) % 4 * 3,
            (i - 1) // 4 * 3,
        )
        for i in range(1, 9)
    ],
    *[
        (f"T{i}", 6 if i % 2 else 4, "rect", 1, (i - 9) % 4 * 3, 8 + (i - 9) // 4 * 3)
        for i in range(9, 15)
    ],
    ("T15", 8, "booth", 2, 13, 0),
    ("T16", 2, "round", 2, 13, 3),
]

# (category, name, price cents, available, modifier groups)
# a group: (name, min, max, [(option, price cents)])
ADD_ONS = ("Add-ons", 0, 3, [("Add bacon", 150), ("Add cheddar", 100), ("Add avocado", 200)])
TEMP = ("Temperature", 1, 1, [("Rare", 0), ("Medium rare", 0), ("Medium", 0), ("Well done", 0)])
SIDE = ("Side", 1, 1, [("Fries", 0), ("Side salad", 0), ("Sweet potato fries", 150)])
DRESSING = ("Dressing", 0, 1, [("Ranch", 0), ("Balsamic", 0), ("Blue cheese", 50)])
MENU = [
    ("Starters", "Crispy calamari", 1295, True, []),
    ("Starters", "Burrata & heirloom tomato", 1450, True, []),
    (
        "Starters",
        "Chicken wings",
        1395,
        True,
        [("Sauce", 1, 1, [("Buffalo", 0), ("BBQ", 0), ("Honey garlic", 0)])],
    ),
    ("Starters", "Soup of the day", 895, False, []),  # 86'd
    (
        "Salads",
        "Caesar salad",
        1195,
        True,
        [("Protein", 0, 1, [("Add chicken", 500), ("Add shrimp", 700)])],
    ),
    ("Salads", "Wedge salad", 1150, True, [DRESSING, ADD_ONS]),
    ("Mains", "Ribeye 12 oz", 4200, True, [TEMP, SIDE]),
    ("Mains", "Pan-roasted salmon", 2950, True, [SIDE]),
    ("Mains", "Roast half chicken", 2600, True, [SIDE]),
    ("Mains", "Mushroom risotto", 2200, True, []),
    ("Burgers", "Bistro burger", 1795, True, [TEMP, ADD_ONS, SIDE]),
    ("Burgers", "Veggie burger", 1650, True, [ADD_ONS, SIDE]),
    ("Sides", "Truffle fries", 850, True, []),
    ("Sides", "Grilled asparagus", 795, True, []),
    ("Desserts", "Chocolate torte", 1050, True, []),
    ("Desserts", "Crème brûlée", 995, True, []),
    ("Drinks", "Sparkling water", 450, True, []),
    ("Drinks", "Fresh lemonade", 550, True, []),
    ("Drinks", "House red (glass)", 1200, True, []),
    ("Drinks", "Draft IPA", 900, True, []),
    ("Drinks", "Espresso", 400, True, [("Extra shot", 0, 1, [("Double", 150)])]),
    ("Drinks", "Old fashioned", 1500, True, []),
]


@dataclass(frozen=True)
class Seeded:
    slug: str
    created: bool


RESTAURANTS = [("demo", "Demo Bistro"), ("demo2", "Second Street Diner")]


def seed_demo(db: Database) -> list[Seeded]:
    """Create the demo restaurants if missing. Running it again changes nothing."""
    return [_seed_restaurant(db, slug, name) for slug, name in RESTAURANTS]


def _seed_restaurant(db: Database, slug: str, name: str) -> Seeded:
    with db.unit() as uow:
        if restaurants.by_code(uow, slug) is not None:
            return Seeded(slug, created=False)
        restaurant = m.Restaurant(
            id=new_id("rst"),
            slug=slug,
            name=name,
            currency="USD",
            tax_rate_bp=825,
            timezone="America/New_York",
            created_at=utcnow(),
        )
        uow.session.add(restaurant)
        uow.session.flush()
        uow.scope_to(restaurant.id)
        key = installation_key(uow)
        for staff_name, role, pin in STAFF:
            uow.session.add(
                m.Staff(
                    id=new_id("stf"),
                    restaurant_id=restaurant.id,
                    name=staff_name,
                    role=role,
                    pin_lookup=pin_lookup(key, restaurant.id, pin),
                    pin_hash=hash_pin(pin),
                    active=True,
                    created_at=utcnow(),
                )
            )
        sections = [
            m.Section(id=new_id("sec"), restaurant_id=restaurant.id, name=s, position=i)
            for i, s in enumerate(SECTIONS)
        ]
        uow.session.add_all(sections)
        uow.session.flush()
        for position, (label, capacity, shape, section, x, y) in enumerate(TABLES):
            uow.session.add(
                m.DiningTable(
                    id=new_id("tbl"),
                    restaurant_id=restaurant.id,
                    section_id=sections[section].id,
                    label=label,
                    capacity=capacity,
                    shape=shape,
                    x=x,
                    y=y,
                    width=3 if shape == "booth" else 2,
                    height=2,
                    position=position,
                )
            )
        categories: dict[str, m.MenuCategory] = {}
        for position, (category, item_name, price, available, groups) in enumerate(MENU):
            if category not in categories:
                categories[category] = m.MenuCategory(
                    id=new_id("cat"),
                    restaurant_id=restaurant.id,
                    name=category,
                    position=len(categories),
                )
                uow.session.add(categories[category])
                uow.session.flush()
            item = m.MenuItem(
                id=new_id("itm"),
                restaurant_id=restaurant.id,
                category_id=categories[category].id,
                name=item_name,
                price_cents=price,
                available=available,
                position=position,
            )
            uow.session.add(item)
            uow.session.flush()
            for g_pos, (group_name, low, high, options) in enumerate(groups):
                group = m.ModifierGroup(
                    id=new_id("mg"),
                    restaurant_id=restaurant.id,
                    menu_item_id=item.id,
                    name=group_name,
                    min_choices=low,
                    max_choices=high,
                    position=g_pos,
                )
                uow.session.add(group)
                uow.session.flush()
                uow.session.add_all(
                    m.ModifierOption(
                        id=new_id("mo"),
                        restaurant_id=restaurant.id,
                        group_id=group.id,
                        name=o_name,
                        price_cents=o_price,
                        position=o_pos,
                    )
                    for o_pos, (o_name, o_price) in enumerate(options)
                )
        uow.session.flush()
        uow.audit("restaurant.seeded", "restaurant", restaurant.id, slug=slug)
        uow.commit()
        return Seeded(slug, created=True)
