"""What the server's PostgreSQL sessions are doing, sampled from pg_stat_activity.

A session ``idle in transaction`` is PostgreSQL waiting for Tableside (Python) while the
transaction holds its locks; ``Lock`` waits are sessions queued behind such a holder;
``active`` without a wait event is PostgreSQL working; ``IO``/``IPC`` waits are mostly the
commit's WAL flush. Sampled every 50 ms over the measured window.

Alongside, ``holding <table>``: how many transactions hold a write lock on a counter table
(``COUNTERS``; taken by the write, held to the transaction's end). Its mean over the
samples ÷ the writes per second is how long each write holds it (Little's law).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg

QUERY = """
SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, '')
FROM pg_stat_activity
WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


COUNTERS = ["check_number_counters", "outbox_counters"]
HOLDERS = """
SELECT c.relname, count(DISTINCT l.pid)
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.mode = 'RowExclusiveLock' AND l.granted AND c.relname = ANY(%s)
GROUP BY c.relname
"""


class ActivitySampler:
    def __init__(self, conninfo: str, database: str, interval_s: float = 0.05) -> None:
        self.conninfo = conninfo
        self.database = database
        self.interval_s = interval_s
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Average number of sessions in each state over the samples taken."""
        self._stop.set()
        self._thread.join(10)
        if not self.samples:
            return {}
        return {
            state: round(count / self.samples, 2 if state.startswith(("active", "idle")) else 4)
            for state, count in self.counts.most_common()
        }

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.is_set():
                for state, kind, event in conn.execute(QUERY, (self.database,)).fetchall():
                    if state == "idle":
                        continue  # a pooled connection between requests
                    label = state if not kind else f"{state}: {kind}/{event}"
                    self.counts[label] += 1
                for table, holders in conn.execute(HOLDERS, (COUNTERS,)).fetchall():
                    self.counts[f"holding {table}"] += holders
                self.samples += 1
                time.sleep(self.interval_s)
