"""The floor: sections and tables, seating a party, moving it, merging two tables' checks. A
table is occupied exactly when it has an open check.
"""
