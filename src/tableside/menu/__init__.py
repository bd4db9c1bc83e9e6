"""The menu: categories, items, modifier groups and options, and 86 (availability)."""
