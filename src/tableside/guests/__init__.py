"""Pay at the table: guest links to one check, the guest's own view of it, and their card
payments through the one settlement."""
