"""The portal's invoice list (GET /api/facturas as the demo's cliente) through nginx with 1, 2
and 3 replicas, with the tenant look-up cache in Redis and without it (each replica's own),
in one run so the figures sit side by side on a noisy box.

    python scripts/bench_cluster.py [--seconds 10] [--connections 32] [--rounds 1]

Each configuration is brought up with scripts/cluster.sh (the machine's PostgreSQL and Redis,
its own database) and driven with wrk (apt-get install wrk) on the nginx port. The portal's
rate limits are lifted for the measure.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
from benchlib import ROOT, wrk

PORT = 8400
CLUSTER_DIR = str(Path(tempfile.gettempdir()) / "cunservicios-bench")
LOGIN = {"username": "cliente@acueducto-demo.co", "password": "demo-cliente-2026"}


def cluster(command: str, replicas: int, redis: bool) -> None:
    env = os.environ | {
        "CLUSTER_PORT": str(PORT), "CLUSTER_REPLICAS": str(replicas),
        "CLUSTER_DB": "cunservicios_bench_cluster", "CLUSTER_DIR": CLUSTER_DIR,
        "REDIS_URL": "redis://127.0.0.1:6379/12" if redis else "",
        "PORTAL_RATE_LIMIT": "100000000/minute", "PORTAL_ADDRESS_RATE_LIMIT": "100000000/minute",
    }
    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), command], env=env,
                   check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    url = f"http://127.0.0.1:{PORT}"
    results: dict[tuple[int, bool], list[tuple[float, float, float]]] = {}
    try:
        for _ in range(args.rounds):
            for replicas in (1, 2, 3):
                for redis in (True, False):
                    cluster("up", replicas, redis)
                    token = httpx.post(f"{url}/api/auth/login", data=LOGIN, headers={
                        "X-Tenant-ID": "acueducto-demo"}).json()["access_token"]
                    headers = {"Authorization": f"Bearer {token}"}
                    wrk(f"{url}/api/facturas", headers, 8, 2)  # warm up
                    results.setdefault((replicas, redis), []).append(
                        wrk(f"{url}/api/facturas", headers, args.connections, args.seconds))
    finally:
        cluster("down", 1, False)
    print(f"\nGET /api/facturas as the portal's cliente, through nginx, wrk -c{args.connections}"
          f" -d{args.seconds}s, {os.cpu_count()} cores")
    print(f"{'replicas':>8}  {'tenant cache':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for (replicas, redis), runs in results.items():
        for rate, p50, p99 in runs:
            print(f"{replicas:>8}  {'Redis' if redis else 'in-process':<14}{rate:>9.0f}"
                  f"{p50:>9.1f}{p99:>9.1f}")


if __name__ == "__main__":
    main()
