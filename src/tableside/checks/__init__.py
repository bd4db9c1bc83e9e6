"""Checks: lines rung by seat, voids, discounts and comps, totals, and split plans. A check may
have a table (dine in) or none (takeout, online).
"""
