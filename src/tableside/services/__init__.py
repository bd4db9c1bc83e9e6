"""Use cases: each one a function over a unit of work, guaranteeing the invariants it names."""
