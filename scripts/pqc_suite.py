#!/usr/bin/env python3
"""The PQC suite benchmark of issue 24: what a client's test suite does with post-quantum keys.

One client, over HTTP, against a running emulator: create one key of every PQC algorithm and
parameter set (ML-DSA, SLH-DSA, ML-KEM, LMS, both XMSS sets) and sign once with each signature
key. Pools are warmed first (one key of each stateful kind, then wait until the statistics show
the pool full), as a suite that runs twice against one emulator sees them.

    scripts/pqc_suite.py http://127.0.0.1:8080      # prints per-step times and RESULT total_s=

Standard library only. Exits non-zero if any request fails.
"""

import json
import sys
import time
import urllib.request

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
ATTRIBUTES = {"decrypt": False, "sign": True, "unwrap": True, "wrap": True}
SETS = (
    [("ML-DSA-%d" % n, "ML_DSA") for n in (44, 65, 87)]
    + [
        ("SLH-DSA-%s-%s%s" % (family, bits, speed), "SLH_DSA")
        for family in ("SHA2", "SHAKE")
        for bits in (128, 192, 256)
        for speed in ("s", "f")
    ]
    + [("ML-KEM-%d" % n, None) for n in (512, 768, 1024)]
    + [("LMS", "LMS"), ("XMSS-SHA256_10_256", "XMSS"), ("XMSS-SHAKE256_10_256", "XMSS")]
)
STATEFUL = ("LMS", "XMSS-SHA256_10_256", "XMSS-SHAKE256_10_256")


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        BASE + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as reply:
        return json.loads(reply.read() or b"null")


def create(label, algorithm):
    call("POST", "/v1/key", {"label": label, "algorithm": algorithm, "attributes": ATTRIBUTES})


def sign(label, algorithm):
    call(
        "POST",
        "/v1/synchronousSign",
        {"signRequest": {"signKeyName": label, "signatureAlgorithm": algorithm, "payload": "AAAA"}},
    )


def main():
    run = str(int(time.time()))
    # Warm-up: the stateful kinds join the pool when first asked for; wait until it is full.
    for algorithm in STATEFUL:
        create("warm-%s-%s" % (algorithm, run), algorithm)
    deadline = time.time() + 600
    while time.time() < deadline:
        stats = call("GET", "/v1/keystore/statistics")["keyStoreStatistics"]
        pool = stats.split("stateful key pool: ")[-1] if "stateful key pool: " in stats else ""
        parts = [p.split(";")[0].strip() for p in pool.split(", ") if p]
        full = len(parts) == 3 and all(
            p.rsplit(" ", 1)[-1].split("/")[0] == p.rsplit(" ", 1)[-1].split("/")[1] for p in parts
        )
        if full:
            break
        time.sleep(0.5)
    else:
        sys.exit("the stateful key pool did not fill within 10 minutes: %s" % stats)
    total = 0.0
    for algorithm, signature in SETS:
        label = "suite-%s-%s" % (algorithm, run)
        start = time.perf_counter()
        create(label, algorithm)
        created = time.perf_counter() - start
        signed = 0.0
        if signature:
            start = time.perf_counter()
            sign(label, signature)
            signed = time.perf_counter() - start
        total += created + signed
        print("%-22s create %7.3f s  sign %7.3f s" % (algorithm, created, signed))
    print("RESULT total_s=%.2f" % total)


if __name__ == "__main__":
    main()
