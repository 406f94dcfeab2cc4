"""What resolve, fetch and run --catalog refuse or use once (tests/e2e/catalog_server.py on
loopback, two synthetic ATL06 granules from `healgrid synth`). One section per behaviour:

Duplicates: CMR answering one granule under two concept ids -> resolve keeps one and
says so; an entry copied by hand -> fetch (2 ranks) downloads it once and run --catalog grids
it once (the points of run --input); a copy under a second name in the cache -> used once.

Checksums: another file with the catalog's name and size in the cache -> run --catalog
(2 ranks) refuses, naming the file and both checksums.

A symbolic link at NAME.partial: fetch never writes through it (the target is unchanged).

resolve --output and run's OUT.catalog.json replace only a healgrid catalog, refusing a
user's file or a symlink before any query.

STAC numberMatched above the items served is refused; a STAC item without a data asset
and a CMR granule without a data link are left out with a warning naming them.

resolve --start after --end: exit 2, no query; run --catalog of a catalog without
granules names it.

fetch without any credentials says none were found and where it looked.

Two fetches into one cache: the second is refused naming the first, which completes.
"""

import copy
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from catalog_server import TestServer, umm  # noqa: E402


def run(cmd, env=None, timeout=300):
    proc = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=timeout, env=env, check=False)
    return proc.returncode, f"$ {shlex.join(str(c) for c in cmd)}\n{proc.stdout}"


def said(text):
    """What healgrid printed: `text` without its first line (the command, which names paths)."""
    return text.split("\n", 1)[1] if "\n" in text else ""


def mpi(nprocs):
    return shlex.split(os.environ.get("MPIEXEC") or "mpirun") + [
        "-np", str(nprocs), "--oversubscribe", common.healgrid_bin()]


def resolve(server, out, extra=()):
    return run([common.healgrid_bin(), "resolve", "--cmr-url", f"{server.url}/cmr/gen",
                "--output", out] + list(extra))


def fetch_cmd(catalog, cache, nprocs=1):
    return mpi(nprocs) + ["fetch", "--catalog", catalog, "--cache-dir", cache, "--retries", "2",
                          "--retry-delay", "0.05", "-q"]


def provenance(path):
    """The output's granule rows (file names, sorted) and its points_used."""
    ds = common.open_output(path)
    names = sorted(os.path.basename(n) for n in common.char_strings(ds, "granule_name"))
    return names, int(ds.attrs["points_used"])


def read(path):
    with open(path, "rb") as stream:
        return stream.read()


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(doc, stream)


def fetched_catalog(ctx, label):
    """A catalog of both granules resolved from the server and fetched into a new cache."""
    server = ctx.server
    server.cmr_items = [umm(n, b, f"{server.url}/data/{n}")
                        for n, b in zip(ctx.names, ctx.blobs)]
    catalog = os.path.join(ctx.tmp, f"{label}.catalog.json")
    cache = os.path.join(ctx.tmp, f"{label}-cache")
    rc, text = resolve(server, catalog, ["-q"])
    if rc == 0:
        rc, text = run(fetch_cmd(catalog, cache))
    if rc != 0:
        print(f"FAIL: resolve or fetch of both granules exited {rc}:\n{text}")
        sys.exit(1)
    return catalog, cache


def check_duplicates(checks, ctx):
    """One granule under two concept ids, an entry copied by hand, a renamed copy."""
    server, tmp, names, blobs = ctx.server, ctx.tmp, ctx.names, ctx.blobs
    url = f"{server.url}/data"
    server.cmr_items = [umm(names[0], blobs[0], f"{url}/{names[0]}", "G1-REV1"),
                        umm(names[0], blobs[0], f"{url}/{names[0]}", "G1-REV2"),
                        umm(names[1], blobs[1], f"{url}/{names[1]}")]
    catalog = os.path.join(tmp, "dup.catalog.json")
    rc, text = resolve(server, catalog)
    got = [g["name"] for g in json.load(open(catalog))["granules"]] if rc == 0 else []
    checks.check(rc == 0 and got == names[:2] and "1 duplicates dropped" in text and
                 "listed twice" in text and "G1-REV2" in text,
                 f"resolve kept a granule twice: {got}:\n{text}")

    # An entry copied by hand: fetched once (two ranks), gridded once.
    doc = json.load(open(catalog))
    twin = copy.deepcopy(doc["granules"][0])
    twin["id"] = "G1-COPY"
    doc["granules"].insert(1, twin)
    write_json(catalog, doc)
    cache = os.path.join(tmp, "dup-cache")
    server.log.clear()
    rc, text = run(fetch_cmd(catalog, cache, nprocs=2))
    done = [e for e in server.requests_to(f"/data/{names[0]}") if e[3] in (200, 206)]
    checks.check(rc == 0 and len(done) == 1 and read(os.path.join(cache, names[0])) == blobs[0]
                 and not [f for f in os.listdir(cache) if f.endswith(".partial")],
                 f"fetch of a duplicated entry: rc {rc}, {len(done)} downloads:\n{text}")
    out = os.path.join(tmp, "dup.nc")
    rc, text = common.run_healgrid(["--catalog", catalog, "--cache-dir", cache, "--output", out,
                                    "-q"], 2)
    if checks.check(rc == 0 and "listed twice" in text, f"run --catalog (dup): rc {rc}:\n{text}"):
        rows, points = provenance(out)
        checks.check(rows == names and points == ctx.reference,
                     f"run --catalog used a granule twice: rows {rows}, points {points}, "
                     f"run --input {ctx.reference}")

    # The same bytes under a second name (the catalog gives both the same SHA-256).
    renamed = "ATL06_20991231000000_09990101_006_01.h5"
    twin = copy.deepcopy(doc["granules"][0])
    twin.update(id="G-renamed", name=renamed, https_url=f"{url}/{renamed}")
    doc["granules"] = [g for g in doc["granules"] if g["id"] != "G1-COPY"] + [twin]
    write_json(catalog, doc)
    with open(os.path.join(cache, renamed), "wb") as stream:
        stream.write(blobs[0])
    out = os.path.join(tmp, "renamed.nc")
    rc, text = common.run_healgrid(["--catalog", catalog, "--cache-dir", cache, "--output", out,
                                    "-q"], 2)
    if checks.check(rc == 0 and "holds the same bytes" in text,
                    f"run --catalog (renamed copy): rc {rc}:\n{text}"):
        rows, points = provenance(out)
        checks.check(len(rows) == 2 and points == ctx.reference,
                     f"a renamed copy was gridded twice: rows {rows}, points {points}")


def check_checksums(checks, ctx):
    """A different file with the catalog's name and size: refused, naming both checksums."""
    tmp, names, blobs = ctx.tmp, ctx.names, ctx.blobs
    catalog, cache = fetched_catalog(ctx, "sums")
    forged = bytearray(blobs[1])
    forged[-1] ^= 0xFF
    with open(os.path.join(cache, names[1]), "wb") as stream:
        stream.write(forged)
    rc, text = common.run_healgrid(["--catalog", catalog, "--cache-dir", cache, "--output",
                                    os.path.join(tmp, "forged.nc"), "-q"], 2)
    checks.check(rc == 1 and names[1] in text and hashlib.sha256(forged).hexdigest() in text and
                 hashlib.sha256(blobs[1]).hexdigest() in text and
                 not os.path.exists(os.path.join(tmp, "forged.nc")),
                 f"a file that is not the catalog's granule was not refused: rc {rc}:\n{text}")
    # The opt-out (size only) is recorded in the output; the default records what it verified.
    skipped = os.path.join(tmp, "skipped.nc")
    rc, text = common.run_healgrid(["--catalog", catalog, "--cache-dir", cache, "--output",
                                    skipped, "--catalog-checksums", "skip", "-q"], 2)
    note = common.open_output(skipped).attrs.get("healgrid_catalog_checksums") if rc == 0 else ""
    checks.check(note == "not verified (--catalog-checksums skip): size only",
                 f"--catalog-checksums skip: rc {rc}, recorded {note!r}:\n{text}")
    with open(os.path.join(cache, names[1]), "wb") as stream:
        stream.write(blobs[1])
    verified = os.path.join(tmp, "verified.nc")
    rc, text = common.run_healgrid(["--catalog", catalog, "--cache-dir", cache, "--output",
                                    verified, "-q"], 2)
    note = common.open_output(verified).attrs.get("healgrid_catalog_checksums") if rc == 0 else ""
    checks.check(note == "2 of 2 granules verified against the catalog's checksums",
                 f"verified run: rc {rc}, recorded {note!r}:\n{text}")


def check_partial_link(checks, ctx):
    """A symbolic link at NAME.partial: never written through, resumed from or removed."""
    server, tmp, names, blobs = ctx.server, ctx.tmp, ctx.names, ctx.blobs
    server.cmr_items = [umm(names[0], blobs[0], f"{server.url}/data/{names[0]}")]
    catalog = os.path.join(tmp, "one.catalog.json")
    resolve(server, catalog, ["-q"])
    cache, user = os.path.join(tmp, "link-cache"), os.path.join(tmp, "user.h5")
    os.mkdir(cache)
    mine = blobs[0][:100] + b"the user's own bytes"
    with open(user, "wb") as stream:
        stream.write(mine)
    link = os.path.join(cache, names[0] + ".partial")
    os.symlink(user, link)
    rc, text = run(fetch_cmd(catalog, cache))
    checks.check(rc == 1 and link in text and "not a regular file" in text and
                 read(user) == mine and os.path.islink(link),
                 f"fetch through a .partial link: rc {rc}, target changed "
                 f"{read(user) != mine}:\n{text}")


def check_catalog_owner(checks, ctx):
    """resolve --output / run's OUT.catalog.json replace only a healgrid catalog."""
    server, tmp = ctx.server, ctx.tmp
    mine = os.path.join(tmp, "notes.txt")
    with open(mine, "w", encoding="utf-8") as stream:
        stream.write("my notes\n")
    server.log.clear()
    rc, text = resolve(server, mine)
    checks.check(rc == 1 and mine in said(text) and "not a healgrid catalog" in text and
                 read(mine) == b"my notes\n" and not server.requests_to("/cmr"),
                 f"resolve --output over a user's file: rc {rc}:\n{text}")
    good = os.path.join(tmp, "good.catalog.json")
    rc, text = resolve(server, good, ["-q"])
    link = os.path.join(tmp, "link.catalog.json")
    os.symlink(good, link)
    rc, text = resolve(server, link, ["-q"])
    checks.check(rc == 1 and "symbolic link" in text and os.path.islink(link),
                 f"resolve --output over a symlink: rc {rc}:\n{text}")
    rc, text = resolve(server, good, ["-q"])
    checks.check(rc == 0, f"resolve over its own catalog: rc {rc}:\n{text}")
    beside = os.path.join(tmp, "q.catalog.json")
    with open(beside, "w", encoding="utf-8") as stream:
        stream.write("my notes\n")
    server.log.clear()
    rc, text = common.run_healgrid(["--collection", "ATL06", "--cmr-url", f"{server.url}/cmr/gen",
                                    "--output", os.path.join(tmp, "q.nc"), "-q"], 1)
    checks.check(rc == 1 and beside in text and read(beside) == b"my notes\n" and
                 not server.requests_to("/cmr"),
                 f"run replaced a user's OUT.catalog.json: rc {rc}:\n{text}")


def check_stac_and_cmr_answers(checks, ctx):
    """numberMatched short of the items; items and granules without a data link."""
    server, tmp, names, blobs = ctx.server, ctx.tmp, ctx.names, ctx.blobs
    out = os.path.join(tmp, "stac.catalog.json")
    item = {"type": "Feature", "id": "item-0", "geometry": None, "bbox": [-10, -80, 10, -70],
            "properties": {"datetime": "2019-04-01T00:00:00Z"},
            "assets": {"data": {"href": f"{server.url}/data/{names[0]}", "roles": ["data"]}}}
    thumb = copy.deepcopy(item)
    thumb["id"] = "item-thumbnail-only"
    thumb["assets"] = {"thumbnail": {"href": f"{server.url}/x.jpg", "roles": ["thumbnail"]}}
    server.stac_items = [item, thumb]
    stac = ["--source", "stac", "--stac-url", f"{server.url}/stac/get", "--page-size", "3"]
    rc, text = resolve(server, out, stac)
    got = [g["name"] for g in json.load(open(out))["granules"]] if rc == 0 else []
    checks.check(rc == 0 and got == [names[0]] and "item-thumbnail-only" in text and
                 "left out" in text, f"STAC item without a data asset: {got}:\n{text}")
    server.stac_matched_extra = 1
    rc, text = resolve(server, os.path.join(tmp, "short.catalog.json"), stac)
    checks.check(rc == 1 and "numberMatched announced 3" in text and "held 2" in text,
                 f"STAC numberMatched shortfall accepted: rc {rc}:\n{text}")
    server.stac_matched_extra = 0

    bare = umm(names[1], blobs[1], "", "G-NO-LINK")
    bare["umm"]["RelatedUrls"] = []
    server.cmr_items = [umm(names[0], blobs[0], f"{server.url}/data/{names[0]}"), bare]
    rc, text = resolve(server, out)
    got = [g["name"] for g in json.load(open(out))["granules"]] if rc == 0 else []
    checks.check(rc == 0 and got == [names[0]] and "G-NO-LINK" in text,
                 f"CMR granule without a data link kept: {got}:\n{text}")


def check_paging(checks, ctx):
    """A CMR page repeating a granule while CMR-Hits counts it once: the query fails, never a
    granule dropped unread; an empty STAC page with a next link is followed."""
    server, tmp, names, blobs = ctx.server, ctx.tmp, ctx.names, ctx.blobs
    out = os.path.join(tmp, "paging.catalog.json")
    records = [umm(f"ATL06_2019041{i}093900_0{i}770303_006_01.h5", blobs[0],
                   f"{server.url}/data/{names[0]}", f"G{i}-PAGING") for i in range(4)]
    server.cmr_items = [records[0], records[1], records[1], records[2], records[3]]
    server.cmr_hits_extra = -1  # CMR-Hits 4: the four granules, not the five entries
    rc, text = resolve(server, out, ["--page-size", "2"])
    checks.check(rc == 1 and "CMR-Hits announced 4" in text and "held 5" in text,
                 f"CMR duplicate counted toward CMR-Hits: rc {rc} (want 1, not a catalog "
                 f"without G3):\n{text}")
    server.cmr_hits_extra = 0
    items = []
    for i in range(5):
        item = {"type": "Feature", "id": f"item-{i}", "geometry": None,
                "properties": {"datetime": f"2019-04-0{i + 1}T00:00:00Z"},
                "assets": {"data": {"href": f"{server.url}/data/g{i}.h5", "roles": ["data"]}}}
        items.append(item)
    server.stac_items, server.stac_pages = items, [[0], [1, 2], [], [3, 4]]
    rc, text = resolve(server, out, ["--source", "stac", "--stac-url",
                                     f"{server.url}/stac/post", "--page-size", "2"])
    got = [g["id"] for g in json.load(open(out))["granules"]] if rc == 0 else []
    checks.check(rc == 0 and got == [f"item-{i}" for i in range(5)],
                 f"STAC empty page with a next link: {got} (want 5 items), rc {rc}:\n{text}")
    server.stac_pages = None


def check_window_and_empty_catalog(checks, ctx):
    """resolve --start after --end: exit 2, no query; run --catalog of no granule names it."""
    server, tmp = ctx.server, ctx.tmp
    server.log.clear()
    inverted = os.path.join(tmp, "inverted.catalog.json")
    rc, text = resolve(server, inverted, ["--start", "2019-07-01", "--end", "2019-04-01"])
    checks.check(rc == 2 and "--start" in text and not os.path.exists(inverted) and
                 not server.requests_to("/cmr"), f"inverted window: rc {rc}:\n{text}")

    server.cmr_items = []
    empty = os.path.join(tmp, "empty.catalog.json")
    resolve(server, empty, ["-q"])
    rc, text = common.run_healgrid(["--catalog", empty, "--output",
                                    os.path.join(tmp, "empty.nc"), "-q"], 1)
    checks.check(rc == 1 and empty in said(text) and "no granule" in text,
                 f"empty catalog: rc {rc}:\n{text}")


def check_no_credentials(checks, ctx):
    """No credentials anywhere: the message says where fetch looked."""
    server, urs, tmp, names, blobs = ctx.server, ctx.urs, ctx.tmp, ctx.names, ctx.blobs
    server.urs, urs.urs_user = urs, ("alice", "pw")
    server.cmr_items = [umm(names[0], blobs[0], f"{server.url}/protected/{names[0]}")]
    catalog = os.path.join(tmp, "protected.catalog.json")
    resolve(server, catalog, ["-q"])
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    env = {k: v for k, v in os.environ.items() if k not in ("NETRC", "EARTHDATA_TOKEN")}
    env["HOME"] = home
    rc, text = run(fetch_cmd(catalog, os.path.join(tmp, "nocred")) +
                   ["--urs-host", f"127.0.0.1:{urs.port}"], env=env)
    checks.check(rc == 1 and "no Earthdata Login credentials were found" in text and
                 "$EARTHDATA_TOKEN" in text and os.path.join(home, ".netrc") in text and
                 "refused the credentials" not in text,
                 f"fetch without credentials: rc {rc}:\n{text}")


def check_fetch_lock(checks, ctx):
    """Two fetches into one cache: the second is refused naming the first, which completes."""
    server, tmp, names, blobs = ctx.server, ctx.tmp, ctx.names, ctx.blobs
    server.cmr_items = [umm(n, b, f"{server.url}/data/{n}") for n, b in zip(names, blobs)]
    catalog = os.path.join(tmp, "lock.catalog.json")
    resolve(server, catalog, ["-q"])
    cache = os.path.join(tmp, "lock-cache")
    server.slow_seconds = 3
    server.faults[f"/data/{names[0]}"] = ["slow"]
    first = subprocess.Popen(fetch_cmd(catalog, cache), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    lock = os.path.join(cache, ".healgrid-fetch.lock")
    deadline = time.time() + 30
    while time.time() < deadline and not server.requests_to(f"/data/{names[0]}"):
        time.sleep(0.05)
    rc, text = run(fetch_cmd(catalog, cache))
    first_text, _ = first.communicate(timeout=120)
    checks.check(rc == 1 and "another healgrid fetch" in text and lock in text and "pid" in text,
                 f"a second fetch into a busy cache: rc {rc}:\n{text}")
    checks.check(first.returncode == 0 and not os.path.exists(lock) and
                 all(read(os.path.join(cache, n)) == b for n, b in zip(names, blobs)),
                 f"the first fetch: rc {first.returncode}:\n{first_text}")


SECTIONS = (
    check_duplicates,
    check_checksums,
    check_partial_link,
    check_catalog_owner,
    check_stac_and_cmr_answers,
    check_paging,
    check_window_and_empty_catalog,
    check_no_credentials,
    check_fetch_lock,
)


def main():
    checks = common.Checks("catalog_guards")
    server, urs = TestServer(), TestServer()
    try:
        with common.temp_dir() as tmp:
            src = os.path.join(tmp, "server")
            common.synth_granules(checks, src, ["--granules", "2"])
            names = sorted(n for n in os.listdir(src) if n.endswith(".h5"))
            server.data_dir = src
            full = os.path.join(tmp, "input.nc")
            if not common.run_healgrid_ok(["--input", src, "--output", full, "-q"], 2, checks,
                                          "run --input"):
                checks.finish()
            ctx = SimpleNamespace(server=server, urs=urs, tmp=tmp, names=names,
                                  blobs=[read(os.path.join(src, n)) for n in names],
                                  reference=provenance(full)[1])
            for section in SECTIONS:
                section(checks, ctx)
    finally:
        server.stop()
        urs.stop()
    checks.finish()


if __name__ == "__main__":
    main()
