"""healgrid fetch against a real HTTP server on loopback (tests/e2e/catalog_server.py).

A catalog resolved from the test server names 6 granules (random bytes, sizes and SHA-256 in
the UMM records) served at /data. Under mpirun -np 2 with faults (500, 429 + Retry-After, a
dropped connection mid-body, a stall past --timeout, a Content-Length short of the body): every file
arrives identical, each granule is completed by exactly one rank, resumed downloads used
Range, progress lines show bytes, rate and ETA, no .partial is left; a rerun downloads nothing. A granule that keeps failing makes the
run fail naming it, leaves no finished file, and a rerun completes it; a wrong checksum is
refused. Earthdata Login on loopback: the redirect flow with .netrc credentials for a URS
server on another port (the data server never sees an Authorization header, credentials never
printed), a .netrc readable by others refused, and a bearer token sent only to the data host.
Earthdata's HTML answers with status 200 (login page, EULA page), with and without a size in
the catalog: nothing kept, the message says which and what to do; a .partial holding such a
page is discarded, not resumed. Checksums in SHA-224/-384, UMM-G's "SHA-2" (its member told
by the digest's length) and Adler-32 are checked too; one in an algorithm healgrid cannot
compute is said (checked by size only).
"""

import hashlib
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from catalog_server import LOGIN_PAGE, TestServer, umm  # noqa: E402

SIZE = 2_000_000
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def run(cmd, env=None, timeout=120):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=timeout, env=env, check=False)
    return proc.returncode, f"$ {shlex.join(cmd)}\n{proc.stdout}"


def fetch(catalog, cache, extra=(), nprocs=1, env=None):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    return run(mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "fetch",
                          "--catalog", catalog, "--cache-dir", cache, "--retry-delay", "0.05",
                          "--timeout", "1", "--progress-seconds", "0.2"] + list(extra), env=env)


def main():
    checks = common.Checks("catalog_fetch")
    server, urs = TestServer(), TestServer()
    rng = random.Random(7)
    try:
        with common.temp_dir() as tmp:
            src = os.path.join(tmp, "server")
            os.mkdir(src)
            server.data_dir = src
            names = [f"ATL06_2024010700000{i}_0{i}012210_006_01.h5" for i in range(7)]
            # HDF5 files as far as fetch can tell: the signature, then random bytes.
            blobs = {n: HDF5_SIGNATURE + rng.randbytes(SIZE + 1000 * i)
                     for i, n in enumerate(names)}
            for n, b in blobs.items():
                with open(os.path.join(src, n), "wb") as stream:
                    stream.write(b)

            def catalog_for(prefix, which, path, tamper=None):
                server.cmr_items = [umm(n, blobs[n], f"{server.url}/{prefix}/{n}") for n in which]
                if tamper:
                    tamper(server.cmr_items)
                rc, text = run([common.healgrid_bin(), "resolve", "-q", "--cmr-url",
                                f"{server.url}/cmr/gen", "--output", path])
                if rc != 0:
                    print(text)
                    sys.exit(1)
                return path

            catalog = catalog_for("data", names[:6], os.path.join(tmp, "catalog.json"))
            cache = os.path.join(tmp, "cache")
            server.slow_seconds = 2.5
            faults = {0: ["500", "500"], 1: ["429"], 2: ["drop"], 3: ["slow"], 4: ["badlength"],
                      5: ["trickle"]}
            for i, f in faults.items():
                server.faults[f"/data/{names[i]}"] = list(f)
            rc, text = fetch(catalog, cache, nprocs=2)
            checks.check(rc == 0, f"fetch with faults exited {rc}:\n{text}")
            checks.check("MB/s, ETA" in text, f"no progress line (bytes, rate, ETA):\n{text}")
            for n in names[:6]:
                path = os.path.join(cache, n)
                ok = os.path.isfile(path) and open(path, "rb").read() == blobs[n]
                checks.check(ok, f"{n} missing or different after fetch")
                done = [e for e in server.requests_to(f"/data/{n}")
                        if e[3] in (200, 206) and e[4] in ("ok", "trickle")]
                checks.check(len(done) == 1, f"{n} completed {len(done)} times (want exactly 1)")
            for i in (2, 4):
                ranged = [e for e in server.requests_to(f"/data/{names[i]}") if "Range" in e[2]]
                checks.check(ranged and ranged[-1][3] == 206,
                             f"{names[i]}: no resumed (Range, 206) request after the cut")
            checks.check(not [f for f in os.listdir(cache) if f.endswith(".partial")],
                         f".partial left in the cache: {os.listdir(cache)}")
            before = len(server.log)
            rc, text = fetch(catalog, cache, nprocs=2)
            checks.check(rc == 0 and "6 already present" in text and len(server.log) == before,
                         f"rerun did not skip the verified granules (rc {rc}):\n{text}")

            # A granule that keeps failing: error naming it, nothing finished, rerun completes.
            cat2 = catalog_for("data", [names[6]], os.path.join(tmp, "one.json"))
            server.faults[f"/data/{names[6]}"] = ["drop", "500", "500"]
            rc, text = fetch(cat2, cache, ["--retries", "3"])
            checks.check(rc == 1 and names[6] in text and "giving up" in text,
                         f"persistent failure: rc {rc}:\n{text}")
            checks.check(not os.path.exists(os.path.join(cache, names[6])),
                         "a failed download left a file under the final name")
            rc, text = fetch(cat2, cache)
            checks.check(rc == 0 and open(os.path.join(cache, names[6]), "rb").read() ==
                         blobs[names[6]], f"rerun after failure: rc {rc}:\n{text}")

            # A file fetch did not download at a granule's name (a user's subset, notes, a
            # symlink) is never replaced: that granule fails naming it (it was replaced, exit 0).
            cache7 = os.path.join(tmp, "cache7")
            os.mkdir(cache7)
            theirs = os.path.join(cache7, names[0])
            with open(theirs, "wb") as stream:
                stream.write(HDF5_SIGNATURE + b"someone's own subset")
            os.chmod(theirs, 0o444)
            notes = os.path.join(tmp, "notes.txt")
            with open(notes, "w", encoding="ascii") as stream:
                stream.write("precious\n")
            os.symlink(notes, os.path.join(cache7, names[1]))
            cat7 = catalog_for("data", names[:3], os.path.join(tmp, "taken.json"))
            rc, text = fetch(cat7, cache7)
            checks.check(rc == 1 and f"{theirs} exists and is not the catalog's granule" in text
                         and "a symbolic link" in text and "1 downloaded" in text,
                         f"files at granule names: rc {rc}:\n{text}")
            checks.check(open(theirs, "rb").read() == HDF5_SIGNATURE + b"someone's own subset"
                         and os.path.islink(os.path.join(cache7, names[1]))
                         and open(notes, encoding="ascii").read() == "precious\n",
                         "fetch replaced a file at a granule's name that it did not download")

            # A wrong checksum is refused.
            def wrong_checksum(items):
                items[0]["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0][
                    "Checksum"]["Value"] = "0" * 64
            cat3 = catalog_for("data", [names[5]], os.path.join(tmp, "bad.json"), wrong_checksum)
            cache3 = os.path.join(tmp, "cache3")
            rc, text = fetch(cat3, cache3, ["--retries", "2"])
            checks.check(rc == 1 and "differs from the catalog" in text and
                         not os.path.exists(os.path.join(cache3, names[5])),
                         f"wrong checksum: rc {rc}:\n{text}")

            # Every algorithm UMM-G names that healgrid computes is checked, the "SHA-2" family
            # by its digest's length (SHA-384 and SHA-2 were once accepted unchecked); an
            # algorithm it cannot compute is said, not taken as verified.
            good = blobs[names[5]]
            for algorithm, right in (
                    ("SHA-384", hashlib.sha384(good).hexdigest()),
                    ("SHA-224", hashlib.sha224(good).hexdigest()),
                    ("SHA-2", hashlib.sha384(good).hexdigest()),
                    ("SHA-2", hashlib.sha256(good).hexdigest()),
                    ("Adler-32", format(zlib.adler32(good), "08x"))):
                for value, ok in ((right, True), ("1" + right[1:] if right[0] != "1"
                                                  else "2" + right[1:], False)):
                    def set_checksum(items, algorithm=algorithm, value=value):
                        items[0]["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0][
                            "Checksum"] = {"Algorithm": algorithm, "Value": value}
                    cat8 = catalog_for("data", [names[5]], os.path.join(tmp, "alg.json"),
                                       set_checksum)
                    cache8 = os.path.join(tmp, "cache8")
                    shutil.rmtree(cache8, ignore_errors=True)
                    rc, text = fetch(cat8, cache8, ["--retries", "1"])
                    kept = os.path.exists(os.path.join(cache8, names[5]))
                    checks.check((rc == 0 and kept) if ok else
                                 (rc == 1 and "differs from the catalog" in text and not kept),
                                 f"{algorithm} {'right' if ok else 'wrong'} checksum: rc {rc}, "
                                 f"kept {kept}:\n{text}")
            def unknown_algorithm(items):
                items[0]["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0][
                    "Checksum"] = {"Algorithm": "Fletcher-32", "Value": "0badf00d"}
            cat9 = catalog_for("data", [names[5]], os.path.join(tmp, "unknown.json"),
                               unknown_algorithm)
            rc, text = fetch(cat9, os.path.join(tmp, "cache9"))
            checks.check(rc == 0 and "cannot compute (Fletcher-32)" in text and
                         "checked by size only" in text,
                         f"an algorithm healgrid cannot compute: rc {rc}:\n{text}")

            # Earthdata's HTML answers with status 200 (login failed, EULA not accepted):
            # nothing kept, the message says what happened and what to do. With and without a
            # size in the catalog (without one, the page used to become the granule).
            def no_size(items):
                for item in items:
                    del item["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0][
                        "SizeInBytes"]
                    del item["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0][
                        "Checksum"]
            cache6 = os.path.join(tmp, "cache6")
            for page, want in (("loginpage", "Earthdata Login page"),
                               ("eulapage", "accept_eula?eula_id=NSIDC_EULA")):
                for tamper in (None, no_size):
                    cat6 = catalog_for(page, [names[1]], os.path.join(tmp, "html.json"), tamper)
                    rc, text = fetch(cat6, cache6, ["--retries", "2"])
                    left = os.listdir(cache6) if os.path.isdir(cache6) else []
                    checks.check(rc == 1 and want in text and "then rerun" in text and not left,
                                 f"{page} (size {'no' if tamper else 'yes'}): rc {rc}, cache "
                                 f"{left}:\n{text}")
            # A .partial holding such a page is discarded, not resumed into HTML + granule.
            cat7 = catalog_for("data", [names[2]], os.path.join(tmp, "resume.json"), no_size)
            with open(os.path.join(cache6, names[2] + ".partial"), "wb") as stream:
                stream.write(LOGIN_PAGE)
            rc, text = fetch(cat7, cache6)
            got = open(os.path.join(cache6, names[2]), "rb").read() if rc == 0 else b""
            checks.check(rc == 0 and got == blobs[names[2]] and "discarded" in text,
                         f"HTML .partial resumed: rc {rc}, {len(got)} bytes:\n{text}")

            # Earthdata Login redirect flow with .netrc, URS on its own port.
            server.urs, urs.urs_user = urs, ("alice", "s3cret-pw")
            cat4 = catalog_for("protected", names[:2], os.path.join(tmp, "urs.json"))
            netrc = os.path.join(tmp, "netrc")
            with open(netrc, "w", encoding="utf-8") as stream:
                stream.write("machine 127.0.0.1 login alice password s3cret-pw\n")
            os.chmod(netrc, 0o644)
            cache4 = os.path.join(tmp, "cache4")
            urs_args = ["--netrc", netrc, "--urs-host", f"127.0.0.1:{urs.port}"]
            rc, text = fetch(cat4, cache4, urs_args)
            checks.check(rc == 1 and "permissions 644" in text,
                         f"a .netrc readable by others was not refused: rc {rc}:\n{text}")
            os.chmod(netrc, 0o600)
            server.log.clear()
            rc, text = fetch(cat4, cache4, urs_args, nprocs=2)
            checks.check(rc == 0, f"URS flow fetch exited {rc}:\n{text}")
            for n in names[:2]:
                path = os.path.join(cache4, n)
                checks.check(os.path.isfile(path) and open(path, "rb").read() == blobs[n],
                             f"URS flow: {n} missing or different")
            seen = [e for e in server.log if "Authorization" in e[2]]
            checks.check(not seen, f"the data server saw Authorization: {seen[:1]}")
            basic = [e for e in urs.log if e[2].get("Authorization", "").startswith("Basic ")]
            checks.check(basic and all(e[3] == 302 for e in basic),
                         f"URS never got (or refused) the Basic credentials: {urs.log}")
            checks.check(any(e[1].startswith("/presigned/") and e[3] == 200 for e in server.log),
                         "the flow did not end at the presigned URL")
            checks.check("s3cret-pw" not in text, "the password appeared in the output")

            # Bearer token: only to the data host, never to where it redirects.
            server.token = "tok-123456"
            cat5 = catalog_for("token", [names[3]], os.path.join(tmp, "token.json"))
            env = dict(os.environ, EARTHDATA_TOKEN=server.token)
            server.log.clear()
            urs.log.clear()
            urs.data_dir = src
            cache5 = os.path.join(tmp, "cache5")
            rc, text = fetch(cat5, cache5, env=env)
            checks.check(rc == 0 and open(os.path.join(cache5, names[3]), "rb").read() ==
                         blobs[names[3]], f"token fetch: rc {rc}:\n{text}")
            urs.data_dir = src
            got = [e for e in urs.log if e[1].startswith("/presigned/") and e[3] == 200]
            leaked = [e for e in urs.log if "Authorization" in e[2]]
            checks.check(got and not leaked, "the bearer token followed the redirect to another "
                         f"host, or the presigned URL was not reached: {urs.log[-2:]}")
            checks.check(server.token not in text, "the token appeared in the output")
    finally:
        server.stop()
        urs.stop()
    checks.finish()


if __name__ == "__main__":
    main()
