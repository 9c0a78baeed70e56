"""A receiving scan over HTTP, against the thinnest Flask app doing one scan (the floor yardstick).

    .venv/bin/python benchmarks/floor_scan.py [--seconds 10] [--rounds 3] [--workers 4]

Both apps run under the same gunicorn settings on PostgreSQL and are loaded by the same wrk
in interleaved rounds (this machine is shared and noisy: the ratio is the figure to read).
The floor app (`../shared/bench/floor/`) locks one quant, changes it, appends a move and an
event, renders ~1 KB. Ours is a full receiving scan as a phone sends it: session cookie,
CSRF header, scan_id; resolve the JAN, lock the receipt, post SUPPLIER → DOCK through the
ledger (availability lock, event), record the receipt entry and the scan record, render the
step partial. Afterwards the ledger is verified and every 200 answer must be one entry.
Needs wrk (apt-get install wrk) and PostgreSQL.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ROOT.parent / "shared" / "bench" / "floor"
SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BIN = Path(sys.executable).parent

LUA = """
local codes = {%(codes)s}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "%(cookie)s"
  wrk.headers["X-CSRFToken"] = "%(csrf)s"
  wrk.headers["HX-Request"] = "true"
end
local n = 0
function request()
  n = n + 1
  local id = string.format("bench%%d-%%d-%%d", tid or 0, n, math.random(1, 1000000000))
  return wrk.format(nil, "%(path)s", nil, "code=" .. codes[math.random(1, #codes)] .. "&scan_id=" .. id)
end
"""


def database(name: str) -> str:
    engine = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def run(cmd: list[str], cwd: Path, env: dict) -> None:
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def gunicorn(cwd: Path, env: dict, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping" if cwd == FLOOR else f"http://127.0.0.1:{port}/health")
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not start")


def our_session(port: int) -> tuple[str, str, str]:
    """Log in as the demo receiver, start a blind receipt; return (cookie, csrf token, scan path)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    token = re.search(r'name="csrf-token" content="([^"]+)"', opener.open(base + "/login").read().decode()).group(1)
    form = {"login": "receiver1", "password": "receiver1-pass", "csrf_token": token}
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode())
    token = re.search(r'name="csrf-token" content="([^"]+)"', opener.open(base + "/receiving").read().decode()).group(1)
    page = opener.open(base + "/receiving/blind", data=urllib.parse.urlencode({"csrf_token": token}).encode())
    receipt = re.search(r"/receiving/(\d+)$", page.geturl()).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token, f"/receiving/{receipt}/scan"


def plain_jans(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        codes = conn.execute(sa.text(
            "SELECT b.code FROM product_barcode b JOIN product p ON p.id = b.product_id"
            " WHERE p.tracking = 'none' AND NOT p.is_kit AND b.pack_qty = 1 AND b.kind = 'ean13'"
        )).scalars().all()
    engine.dispose()
    return list(codes)


def wrk(port: int, script: Path, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout
    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(\w+)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency("50"), "p99": latency("99"), "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    ours_url, floor_url = database(f"tana_bench_http_{os.getpid()}"), database(f"tana_bench_floor_{os.getpid()}")
    instance = tempfile.mkdtemp(prefix="tana-bench-")
    ours_env = {"PATH": os.environ["PATH"], "DATABASE_URL": ours_url, "TANA_INSTANCE_PATH": instance}
    floor_env = {"PATH": os.environ["PATH"], "DATABASE_URL": floor_url}
    run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], ROOT, ours_env)
    run([str(BIN / "flask"), "--app", "app", "demo", "load"], ROOT, ours_env)
    run([str(BIN / "flask"), "--app", "app", "init-db"], FLOOR, floor_env)
    servers = [gunicorn(ROOT, ours_env, 8091, args.workers), gunicorn(FLOOR, floor_env, 8092, args.workers)]
    try:
        cookie, csrf, path = our_session(8091)
        codes = ",".join(f'"{c}"' for c in plain_jans(ours_url))
        ours_lua = Path(instance) / "receive.lua"
        ours_lua.write_text(LUA % {"codes": codes, "cookie": cookie, "csrf": csrf, "path": path})
        floor_lua = FLOOR / "wrk" / "scan.lua"
        results: dict[tuple[str, int], list[dict]] = {}
        for connections in (1, 8):
            for _ in range(args.rounds):
                for name, port, script in (("floor", 8092, floor_lua), ("tana", 8091, ours_lua)):
                    results.setdefault((name, connections), []).append(wrk(port, script, args.seconds, connections))
        report(results)
        check_ledger(ours_url, results)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    return 0


def report(results: dict) -> None:
    print(f"{'app':<8}{'conns':>6}{'scans/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs floor':>10}")
    for connections in (1, 8):
        floor = _merged(results[("floor", connections)])
        for name in ("floor", "tana"):
            run_ = _merged(results[(name, connections)])
            ratio = "" if name == "floor" else f"{run_['rate'] / floor['rate']:.0%}"
            print(f"{name:<8}{connections:>6}{run_['rate']:>10.0f}{run_['p50']:>9.2f}{run_['p99']:>9.2f}"
                  f"{run_['errors']:>8}{ratio:>10}")


def _merged(runs: list[dict]) -> dict:
    return {
        "rate": sum(r["rate"] for r in runs) / len(runs),
        "p50": sorted(r["p50"] for r in runs)[len(runs) // 2],
        "p99": max(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
    }


def check_ledger(url: str, results: dict) -> None:
    answered = sum(r["requests"] - r["errors"] for (name, _c), runs in results.items() if name == "tana" for r in runs)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        entries = conn.execute(sa.text("SELECT count(*) FROM receipt_entry")).scalar()
    engine.dispose()
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "TANA_INSTANCE_PATH": tempfile.mkdtemp()}
    verify = subprocess.run([str(BIN / "flask"), "--app", "app", "stock", "verify"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    print(f"ledger: {verify.stdout.strip() or verify.stderr.strip()}; {entries} receipt entries "
          f"for {answered} answered scans (wrk may count a few cut off at the end of a run)")


if __name__ == "__main__":
    sys.exit(main())
