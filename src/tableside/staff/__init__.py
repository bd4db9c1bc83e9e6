"""Staff: logging in with a PIN, sessions, the login throttle, the staff list, and the typed
route dependencies that say who may call a route.
"""
