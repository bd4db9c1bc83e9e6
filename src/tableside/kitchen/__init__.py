"""The kitchen: firing a check's lines as tickets, and tickets through new → in progress →
ready → served.
"""
