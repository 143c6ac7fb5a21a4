#!/usr/bin/env python3
"""`make faults`: database faults reproduced on this machine, under load, with what clients saw.

A running `fupin serve` gets steady reads and writes from four keep-alive clients while each
fault is made and undone: a long all_or_nothing import beside the writes; on PostgreSQL (its
own cluster on port 5499) a restart, the server down for ten seconds, and a full disk (the
database's tablespace on a small tmpfs); on SQLite (its file on a small tmpfs) a full disk.
For each fault it prints the answers seen, the slowest, the slowest
`/readyz`, and the seconds from the fault's end until every answer is a success again.
It fails (exit 1) on any answer but a success or a 503 (a 500, or no answer at all), and on
a service that does not recover without a restart.

Not made here: a SQLite file turning read-only under the running server. As root, file modes
do not stop writes, and a remount read-only is refused while SQLite holds the file open for
writing.

Needs root (mount, and PostgreSQL's tools run as the postgres user) and the binaries of
PostgreSQL 12 or later; builds `fupin` in debug as `make test` does.
"""

import glob
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUPIN = os.path.join(ROOT, "target", "debug", "fupin")
WORK = os.environ.get("FAULTS_DIR", "/tmp/fupin-faults")
SMALL = os.path.join(WORK, "small")
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5499"))
APP_PORT = int(os.environ.get("FAULTS_APP_PORT", "8199"))
HOUSEHOLDS = int(os.environ.get("FAULTS_HOUSEHOLDS", "2000"))
IMPORTED = int(os.environ.get("FAULTS_IMPORTED", "1500"))
COUNTY = "610199"
VILLAGE = "610199001201"
PASSWORD = "county-fault-test-passphrase"
RECOVERY_LIMIT_S = 60

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECKS = "10X98765432"
_serial = [0]
_serial_lock = threading.Lock()


def next_serial():
    with _serial_lock:
        _serial[0] += 1
        return _serial[0]


def resident_id(serial):
    """A valid number no seeded person has (address 110101), one per serial, male."""
    birth = time.gmtime(-631152000 + (serial // 500) * 86400)  # from 1950-01-01
    first = "110101" + time.strftime("%Y%m%d", birth) + "%03d" % ((serial % 500) * 2 + 1)
    check = CHECKS[sum(int(d) * w for d, w in zip(first, WEIGHTS)) % 11]
    return first + check, time.strftime("%Y-%m-%d", birth)


def household(number):
    id_number, birth = resident_id(next_serial())
    return {
        "household_number": number,
        "region_code": VILLAGE,
        "phone": "13812345678",
        "address": "三组12号",
        "attribute": "general",
        "main_cause": "disability",
        "other_causes": ["lack_of_funds"],
        "identified_year": 2016,
        "head": {
            "name": "张三",
            "id_number": id_number,
            "sex": "male",
            "birth_date": birth,
            "ethnicity": "汉族",
            "education": "junior_secondary",
            "schooling": "not_in_school",
            "health": "disabled",
            "disability": "grade_3",
            "labour_ability": "weak",
            "employment": "self_employed",
            "basic_medical_insurance": True,
        },
    }


def import_line(number):
    body = household(number)
    head = body.pop("head")
    head["relation"] = "head"
    body["members"] = [head]
    return json.dumps(body, ensure_ascii=False)


def run(*command, user=None, check=True, quiet=False, env=None):
    if user:
        command = ("su", user, "-c", " ".join(command))
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(command, check=check, stdout=out, stderr=out, env=env)


def fupin(url, *args, extra_env=None):
    env = dict(os.environ, DATABASE_URL=url, FUPIN_LOG="error", **(extra_env or {}))
    subprocess.run([FUPIN, "--demo", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def request(method, path, token=None, body=None, content_type="application/json", timeout=15):
    """One request on its own connection: (status, seconds, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=timeout)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = "Bearer " + token
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, time.monotonic() - started, reply.read()
    except OSError:
        return 0, time.monotonic() - started, b""
    finally:
        connection.close()


class Server:
    def __init__(self, url, log):
        if request("GET", "/readyz", timeout=2)[0] != 0:
            raise SystemExit("port %d is taken: stop what listens there first" % APP_PORT)
        env = dict(os.environ, DATABASE_URL=url, FUPIN_BIND="127.0.0.1:%d" % APP_PORT,
                   FUPIN_LOG="warn")
        self.log = open(log, "w")
        self.process = subprocess.Popen([FUPIN, "--demo", "serve"], env=env,
                                        stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while request("GET", "/readyz")[0] != 200:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("fupin did not start; see " + log)
            time.sleep(0.2)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


class Load:
    """Four clients, each on one kept-alive connection: three reads to a write."""

    def __init__(self, token, ids):
        self.token, self.ids = token, ids
        self.answers = []  # (monotonic time, kind, status, seconds)
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True)
                        for n in range(4)] + [threading.Thread(target=self.ready, daemon=True)]
        for thread in self.threads:
            thread.start()

    def record(self, kind, status, seconds):
        with self.lock:
            self.answers.append((time.monotonic(), kind, status, seconds))

    def client(self, n):
        connection, i = None, 0
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        while self.running:
            i += 1
            if i % 4 == 0:
                kind, method, path = "write", "POST", "/api/v1/households"
                body = json.dumps(household("F%d-%d" % (n, i)), ensure_ascii=False).encode()
            else:
                kind, method, body = "read", "GET", None
                path = "/api/v1/households/" + self.ids[(i * 7919 + n) % len(self.ids)]
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=30)
                connection.request(method, path, body=body, headers=headers)
                reply = connection.getresponse()
                reply.read()
                status = reply.status
            except OSError:
                status, connection = 0, None
                time.sleep(0.05)
            self.record(kind, status, time.monotonic() - started)
            time.sleep(0.01)

    def ready(self):
        while self.running:
            status, seconds, _ = request("GET", "/readyz", timeout=10)
            self.record("readyz", status, seconds)
            time.sleep(0.25)

    def since(self, moment):
        with self.lock:
            return [a for a in self.answers if a[0] >= moment]

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join(timeout=40)


def recovered_at(load, fault_over):
    """When every answer was a success again (reads and writes, twenty in a row), or None."""
    deadline = fault_over + RECOVERY_LIMIT_S
    while time.monotonic() < deadline:
        answers = [a for a in load.since(fault_over) if a[1] != "readyz"]
        streak_start = None
        streak = 0
        for moment, _, status, _ in answers:
            if 200 <= status < 300:
                streak += 1
                streak_start = moment if streak == 1 else streak_start
            else:
                streak, streak_start = 0, None
        if streak >= 20:
            return streak_start
        time.sleep(0.2)
    return None


RESULTS = []


def fault(name, load, make, undo=None, hold=0):
    """Makes a fault, holds it, undoes it; records what the clients saw until recovery."""
    started = time.monotonic()
    make()
    time.sleep(hold)
    if undo:
        undo()
    over = time.monotonic()
    back = recovered_at(load, over)
    seen = load.since(started)
    counts = {}
    for _, kind, status, _ in seen:
        if kind != "readyz":
            counts[status] = counts.get(status, 0) + 1
    slowest = max((s for _, k, _, s in seen if k != "readyz"), default=0)
    over_a_second = sum(1 for _, k, _, s in seen if k != "readyz" and s > 1)
    slowest_ready = max((s for _, k, _, s in seen if k == "readyz"), default=0)
    writes = [(st, s) for _, k, st, s in seen if k == "write"]
    result = {
        "fault": name,
        "answers": dict(sorted(counts.items())),
        "writes": "%d ok of %d, slowest %.2f s" % (
            sum(1 for st, _ in writes if 200 <= st < 300), len(writes),
            max((s for _, s in writes), default=0)),
        "slowest_answer_s": round(slowest, 2),
        "answers_over_1_s": over_a_second,
        "slowest_readyz_s": round(slowest_ready, 2),
        "recovered_after_s": None if back is None else round(max(0.0, back - over), 2),
    }
    RESULTS.append(result)
    print("  %-30s answers %s; writes %s; slowest %.2f s (%d over 1 s), /readyz %.2f s; "
          "recovered after %s" % (
        name, result["answers"], result["writes"], slowest, over_a_second, slowest_ready,
        "%.2f s" % result["recovered_after_s"] if back is not None else "NEVER"), flush=True)


def long_import(token):
    lines = "\n".join(import_line("IMP-%d-%d" % (os.getpid(), n)) for n in range(IMPORTED))
    outcome = {}

    def send():
        outcome["answer"] = request("POST", "/api/v1/imports/households?mode=all_or_nothing",
                                    token, (lines + "\n").encode(), "application/x-ndjson",
                                    timeout=1800)

    thread = threading.Thread(target=send)
    return thread, outcome


def fill(path):
    """Fills the file system holding `path` with one file."""
    run("dd", "if=/dev/zero", "of=" + os.path.join(path, "filler"), "bs=1M", check=False,
        quiet=True)


def unfill(path):
    os.remove(os.path.join(path, "filler"))


def sign_in_and_load(url, log):
    server = Server(url, log)
    try:
        token, ids = sign_in()
    except Exception:
        server.stop()
        raise
    return server, token, Load(token, ids)


def sign_in():
    _, _, body = request("POST", "/api/v1/auth/token", body=json.dumps(
        {"grant_type": "password", "username": "faults", "password": PASSWORD}).encode())
    token = json.loads(body)["access_token"]
    ids, cursor = [], None
    while True:
        path = "/api/v1/households?limit=100" + ("&cursor=" + cursor if cursor else "")
        page = json.loads(request("GET", path, token)[2])
        ids += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return token, ids


def the_import_beside_writes(name, load, token):
    thread, outcome = long_import(token)
    fault(name, load, thread.start, thread.join)
    status, seconds, body = outcome["answer"]
    print("    the import: HTTP %d after %.1f s, %s" % (status, seconds, body[:120]), flush=True)
    RESULTS[-1]["import"] = "HTTP %d after %.1f s" % (status, seconds)
    if status != 200:
        RESULTS[-1]["answers"][status] = RESULTS[-1]["answers"].get(status, 0) + 1


def prepare(url):
    fupin(url, "seed", "bench", "--households", str(HOUSEHOLDS), "--county", COUNTY)
    fupin(url, "users", "create", "--username", "faults", "--role", "admin", "--region", COUNTY,
          extra_env={"FUPIN_NEW_PASSWORD": PASSWORD})


def postgresql():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    data = os.path.join(WORK, "pg")
    space = os.path.join(SMALL, "pg")
    os.makedirs(space)
    shutil.chown(space, "postgres", "postgres")
    shutil.chown(WORK, "postgres", "postgres")
    pg_ctl = "%s/pg_ctl -D %s -l %s/pg.log" % (binaries, data, WORK)
    run("%s/initdb -D %s -A trust -U postgres" % (binaries, data), user="postgres", quiet=True)
    options = "-o '-p %d -k %s -c listen_addresses=127.0.0.1'" % (PG_PORT, WORK)
    start = lambda: run(pg_ctl, options, "-w", "start", user="postgres", quiet=True)
    start()
    admin = "postgres://postgres@127.0.0.1:%d/postgres" % PG_PORT
    for sql in ["CREATE TABLESPACE small LOCATION '%s'" % space,
                "CREATE DATABASE fupin TABLESPACE small"]:
        run("psql", admin, "-qc", sql, quiet=True)
    url = "postgres://postgres@127.0.0.1:%d/fupin" % PG_PORT
    try:
        prepare(url)
        print("== PostgreSQL %s on port %d, %d households" % (binaries.split("/")[-2], PG_PORT,
                                                              HOUSEHOLDS), flush=True)
        server, token, load = sign_in_and_load(url, os.path.join(WORK, "fupin-pg.log"))
        try:
            fault("steady load (no fault)", load, lambda: None, hold=3)
            the_import_beside_writes("all_or_nothing import beside", load, token)
            fault("PostgreSQL restart", load,
                  lambda: run(pg_ctl, options, "-m", "fast", "-w", "restart", user="postgres",
                              quiet=True))
            fault("PostgreSQL down for 10 s", load,
                  lambda: run(pg_ctl, "-m", "fast", "-w", "stop", user="postgres", quiet=True),
                  start, hold=10)
            fault("PostgreSQL disk full for 5 s", load, lambda: fill(space),
                  lambda: unfill(space), hold=5)
        finally:
            load.stop()
            server.stop()
    finally:
        run(pg_ctl, "-m", "immediate", "stop", user="postgres", check=False, quiet=True)


def sqlite():
    folder = os.path.join(SMALL, "sqlite")
    os.makedirs(folder)
    url = "sqlite://" + os.path.join(folder, "fupin.db")
    prepare(url)
    print("== SQLite on a small tmpfs, %d households" % HOUSEHOLDS, flush=True)
    server, token, load = sign_in_and_load(url, os.path.join(WORK, "fupin-sqlite.log"))
    try:
        fault("steady load (no fault)", load, lambda: None, hold=3)
        the_import_beside_writes("all_or_nothing import beside", load, token)
        fault("SQLite disk full for 5 s", load, lambda: fill(folder), lambda: unfill(folder),
              hold=5)
    finally:
        load.stop()
        server.stop()


def main():
    if os.geteuid() != 0:
        raise SystemExit("make faults needs root: it mounts a small tmpfs and runs PostgreSQL's "
                         "tools as the postgres user")
    run("cargo", "build", "-q", "--bin", "fupin")
    subprocess.run(["umount", SMALL], stderr=subprocess.DEVNULL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(SMALL)
    run("mount", "-t", "tmpfs", "-o", "size=%s" % os.environ.get("FAULTS_TMPFS", "160m"),
        "tmpfs", SMALL)
    try:
        postgresql()
        subprocess.run(["rm", "-rf", os.path.join(SMALL, "pg")])
        sqlite()
    finally:
        subprocess.run(["umount", SMALL], stderr=subprocess.DEVNULL)
    with open(os.path.join(WORK, "faults.json"), "w") as out:
        json.dump(RESULTS, out, indent=1)
    failures = [r["fault"] for r in RESULTS
                if any(not (200 <= s < 300 or s == 503) for s in r["answers"])
                or r["recovered_after_s"] is None]
    if failures:
        print("FAILED: answers other than success or 503, or no recovery, in %s (logs in %s)"
              % (", ".join(failures), WORK))
        sys.exit(1)
    print("faults: every answer a success or a 503 (0 answers of 500), every fault recovered "
          "without a restart (%s/faults.json)" % WORK)


if __name__ == "__main__":
    main()
