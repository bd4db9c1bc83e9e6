"""Realtime: the outbox relay and the WebSocket hub."""
