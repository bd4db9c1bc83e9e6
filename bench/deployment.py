"""The production deployment's throughput: `tableside rush` across two `tableside serve`
processes on a PostgreSQL of the bench's own, through PgBouncer in transaction pooling mode
with the LISTEN connections direct (docs/deployment.md), or straight to PostgreSQL with
``--direct`` for comparison.

    .venv/bin/python bench/deployment.py --actions 1000
    .venv/bin/python bench/deployment.py --actions 1000 --direct

Needs what tests/e2e/test_deployment.py needs: PostgreSQL's server programs and Debian's
pgbouncer (the cluster and PgBouncer come from tests/own_postgres.py). No processor faults
and no kills: the floor's own pace. The last line printed is the JSON summary: actions/s
of the walk, and the p50/p99 of every request the terminals sent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from own_postgres import OwnPostgres, PgBouncer, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--terminals", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--direct", action="store_true", help="no PgBouncer: straight to it")
    args = parser.parse_args()
    lacking = missing()
    if lacking is not None:
        print(f"bench/deployment.py: {lacking}", file=sys.stderr)
        return 2
    with OwnPostgres() as postgres, contextlib.ExitStack() as stack:
        postgres.create_database("tableside")
        direct = postgres.url("tableside")
        env = dict(os.environ)
        if args.direct:
            url = direct
        else:
            url = stack.enter_context(PgBouncer(postgres)).url("tableside")
            env["TABLESIDE_LISTEN_DATABASE_URL"] = direct
        env["TABLESIDE_DATABASE_URL"] = url
        summary_path = Path(tempfile.mkdtemp(prefix="tableside-bench-")) / "summary.json"
        subprocess.run(
            [
                *(sys.executable, "-m", "tableside.cli", "rush", "--database-url", url),
                *("--actions", str(args.actions), "--terminals", str(args.terminals)),
                *("--seed", str(args.seed), "--fault-every", "0", "--kill-every", "0"),
                *("--json", str(summary_path)),
            ],
            env=env,
            check=False,
        )
        summary = json.loads(summary_path.read_text())
    print(
        json.dumps(
            {
                "deployment": "direct" if args.direct else "pgbouncer (transaction pooling)",
                "servers": summary["servers"],
                "terminals": summary["terminals"],
                "actions": summary["actions"],
                "ok": summary["ok"],
                "walk_s": summary["walk_s"],
                "actions_per_s": summary["actions_per_s"],
                "latency_ms": summary["latency_ms"],
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
