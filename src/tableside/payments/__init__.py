"""Payments: the one settlement every way money enters goes through, refunds, recovery of
pending payments, ``tableside check``, and the card processor's port and Stripe adapter.
"""
