"""Demo data: a Nansha-shaped organisation tree, members and one account per role."""
