#!/usr/bin/env python3
"""`healgrid view` over real HTTP on loopback: byte ranges and large files.

Starts the real `healgrid view` process on a free port of 127.0.0.1, serving an output file of
640 MB (sparse, with markers at known offsets) and a small viewer directory, and checks with
urllib: a Range request gets 206 with exactly the file's bytes there and the right
Content-Range; a suffix range; a range past the end gets 416 with `bytes */SIZE`; HEAD gives the
size without a body; ".." and unknown paths get 404; a whole download of the 640 MB file
streams it (the bytes at the markers come through) while the server's peak resident memory
stays far below the file's size; 16 overlapping downloads all complete (bounded threads queue,
never drop, requests).
"""

import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, healgrid_bin, temp_dir  # noqa: E402

SIZE = 640 << 20
MARKERS = {0: b"HDF5-start", 123_456_789: b"middle-marker", SIZE - 9: b"last-9byt"}
RSS_LIMIT_KB = 200 << 10  # the file is 640 MB; a server that loads it whole exceeds this


def make_files(tmp):
    path = os.path.join(tmp, "big.nc")
    with open(path, "wb") as f:
        f.truncate(SIZE)  # sparse: no disk space, reads give zeros
        for offset, data in MARKERS.items():
            f.seek(offset)
            f.write(data)
    viewer = os.path.join(tmp, "viewer")
    os.makedirs(viewer)
    with open(os.path.join(viewer, "index.html"), "w", encoding="utf-8") as f:
        f.write("<!doctype html><title>viewer</title>\n")
    with open(os.path.join(viewer, "app.js"), "w", encoding="utf-8") as f:
        f.write("// the viewer\n")
    # Not the viewer's: a secret beside it, a hidden folder in it, links out of it.
    with open(os.path.join(tmp, "secret.txt"), "w", encoding="utf-8") as f:
        f.write("PRIVATE\n")
    os.makedirs(os.path.join(viewer, ".ssh"))
    with open(os.path.join(viewer, ".ssh", "id_rsa"), "w", encoding="utf-8") as f:
        f.write("PRIVATE\n")
    os.symlink(os.path.join(tmp, "secret.txt"), os.path.join(viewer, "linked.txt"))
    os.symlink(tmp, os.path.join(viewer, "up"))
    return path, viewer


def expected(offset, length):
    """The file's bytes at [offset, offset + length), from the markers (zeros elsewhere)."""
    out = bytearray(length)
    for at, data in MARKERS.items():
        for i, b in enumerate(data):
            if offset <= at + i < offset + length:
                out[at + i - offset] = b
    return bytes(out)


def request(url, method="GET", headers=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def check_ranges(checks, base):
    status, headers, body = request(base, headers={"Range": "bytes=123456780-123456809"})
    checks.check(status == 206, f"range request: status {status}, expected 206")
    checks.check(body == expected(123_456_780, 30), f"range request: wrong bytes {body!r}")
    checks.check(headers.get("Content-Range") == f"bytes 123456780-123456809/{SIZE}",
                 f"range request: Content-Range {headers.get('Content-Range')!r}")
    status, headers, body = request(base, headers={"Range": "bytes=-9"})
    checks.check(status == 206 and body == b"last-9byt",
                 f"suffix range: status {status}, bytes {body!r}")
    status, headers, body = request(base, headers={"Range": f"bytes={SIZE}-{SIZE + 10}"})
    checks.check(status == 416, f"range past the end: status {status}, expected 416")
    checks.check(headers.get("Content-Range") == f"bytes */{SIZE}",
                 f"range past the end: Content-Range {headers.get('Content-Range')!r}")
    # A range ending past the end is clamped (it was answered with the asked end and a length
    # the body never reached); -0 is unsatisfiable; several ranges get the whole file (one of
    # them a suffix or open range used to give a wrong part or a length of 2^64 - 1).
    status, headers, body = request(base, headers={"Range": f"bytes={SIZE - 5}-{SIZE + 100}"})
    checks.check(status == 206 and body == expected(SIZE - 5, 5)
                 and headers.get("Content-Range") == f"bytes {SIZE - 5}-{SIZE - 1}/{SIZE}"
                 and headers.get("Content-Length") == "5",
                 f"range past the end: status {status}, {dict(headers)}, {len(body)} bytes")
    status, headers, _ = request(base, headers={"Range": "bytes=-0"})
    checks.check(status == 416 and headers.get("Content-Range") == f"bytes */{SIZE}",
                 f"bytes=-0: status {status}, Content-Range {headers.get('Content-Range')!r}")
    for several in ("bytes=0-1,-5", f"bytes=0-1,{SIZE - 10}-"):
        status, headers, _ = request(base, method="HEAD", headers={"Range": several})
        checks.check(status == 200 and headers.get("Content-Length") == str(SIZE),
                     f"{several}: status {status}, Content-Length "
                     f"{headers.get('Content-Length')!r} (the whole file expected)")
    # If-Range: a part of this very file (its ETag), else the whole file.
    etag = headers.get("ETag")
    checks.check(bool(etag), "no ETag")
    status, _, body = request(base, headers={"Range": "bytes=0-3", "If-Range": etag or ""})
    checks.check(status == 206 and len(body) == 4, f"If-Range with the ETag: status {status}")
    status, headers, _ = request(base, method="HEAD",
                                 headers={"Range": "bytes=0-3", "If-Range": '"another"'})
    checks.check(status == 200 and headers.get("Content-Length") == str(SIZE),
                 f"If-Range of another file: status {status}")
    status, headers, body = request(base, method="HEAD")
    checks.check(status == 200 and body == b"" and headers.get("Content-Length") == str(SIZE),
                 f"HEAD: status {status}, Content-Length {headers.get('Content-Length')}, "
                 f"{len(body)} body bytes")


def check_refusals(checks, root):
    for path in ("/data/../big.nc", "/../big.nc", "/nothing-here.js", "/.ssh/id_rsa",
                 "/linked.txt", "/up/secret.txt", "/up/big.nc"):
        status, _, _ = request(root + path)
        checks.check(status == 404, f"GET {path}: status {status}, expected 404")
    # A range asked of a path not served: a plain 404, not a slice of its body.
    status, headers, body = request(root + "/nothing-here.js", headers={"Range": "bytes=0-7"})
    checks.check(status == 404 and "Content-Range" not in headers and body == b"404 Not Found\n",
                 f"GET of a missing path with a range: status {status}, Content-Range "
                 f"{headers.get('Content-Range')!r}, body {body!r}")
    # Nor of a computed answer (the coastlines API; a bad parameter: no GSHHG file needed).
    status, headers, body = request(root + "/api/coastlines.json?lat_min=x",
                                    headers={"Range": "bytes=0-7"})
    checks.check(status == 400 and "Content-Range" not in headers and
                 body == b"coastlines: parameter lat_min: not a number: x",
                 f"the coastlines API with a range: status {status}, Content-Range "
                 f"{headers.get('Content-Range')!r}, body {body!r}")
    status, headers, body = request(root + "/?file=data/big.nc")
    checks.check(status == 200 and b"<title>viewer" in body, f"GET /: status {status}")
    checks.check(headers.get("Content-Type", "").startswith("text/html"),
                 f"GET /: Content-Type {headers.get('Content-Type')!r}, expected text/html")
    status, headers, _ = request(root + "/data/big.nc", method="HEAD")
    checks.check(headers.get("Content-Type") == "application/x-netcdf",
                 f"HEAD of the output: Content-Type {headers.get('Content-Type')!r}")


def check_port_and_folder(checks, path, viewer, port, tmp):
    """A second view on a port in use fails (cpp-httplib's SO_REUSEPORT let it listen too, the
    kernel splitting requests between two files); a --viewer-dir without the built viewer (a
    home folder by mistake) is refused: every file under it would be served."""
    second = subprocess.run([healgrid_bin(), "view", path, "--port", port, "--viewer-dir",
                             viewer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=30)
    checks.check(second.returncode == 1 and "cannot listen" in second.stdout,
                 f"a second view on port {port}: exit {second.returncode}\n{second.stdout}")
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    wrong = subprocess.run([healgrid_bin(), "view", path, "--port", "0", "--viewer-dir", home],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
    checks.check(wrong.returncode == 2 and "holds no built viewer" in wrong.stdout,
                 f"--viewer-dir without a viewer: exit {wrong.returncode}\n{wrong.stdout}")
    # Its index.html and app.js as links leading out of it: the server never serves those, so
    # the folder is refused too (it was accepted, and the page was blank: 404s).
    linked = os.path.join(tmp, "linked-viewer")
    os.makedirs(linked)
    for name in ("index.html", "app.js"):
        os.symlink(os.path.join(os.path.abspath(viewer), name), os.path.join(linked, name))
    wrong = subprocess.run([healgrid_bin(), "view", path, "--port", "0", "--viewer-dir", linked],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
    checks.check(wrong.returncode == 2 and "a link leading out of it" in wrong.stdout,
                 f"--viewer-dir of links out of it: exit {wrong.returncode}\n{wrong.stdout}")
    # --host takes an IPv4 address: "" and IPv6 ones printed URLs that cannot be opened.
    for host in ("", "::1", "localhost"):
        bad = subprocess.run([healgrid_bin(), "view", path, "--port", "0", "--viewer-dir", viewer,
                              "--host", host], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=30)
        checks.check(bad.returncode == 2 and "--host" in bad.stdout,
                     f"--host {host!r}: exit {bad.returncode}\n{bad.stdout}")


def check_download(checks, base, pid):
    """The whole file, read in pieces; markers checked; the server's peak RSS stays small."""
    got, seen = 0, {}
    with urllib.request.urlopen(base, timeout=120) as resp:
        while True:
            piece = resp.read(4 << 20)
            if not piece:
                break
            for at, data in MARKERS.items():
                if got <= at < got + len(piece):
                    seen[at] = piece[at - got:at - got + len(data)]
            got += len(piece)
    checks.check(got == SIZE, f"download: {got} bytes, expected {SIZE}")
    for at, data in MARKERS.items():
        if at + len(data) <= SIZE and at in seen and len(seen[at]) == len(data):
            checks.check(seen[at] == data, f"download: bytes at {at} are {seen[at]!r}")
    rss = peak_rss_kb(pid)
    print(f"server peak RSS after a {SIZE >> 20} MB download: {rss >> 10} MB")
    checks.check(0 < rss < RSS_LIMIT_KB,
                 f"server peak RSS {rss} kB: the file was loaded, not streamed")


def check_concurrency(checks, base):
    results = []

    def fetch(i):
        start = i * 1_000_003
        status, _, body = request(base, headers={"Range": f"bytes={start}-{start + 99_999}"})
        results.append(status == 206 and body == expected(start, 100_000))

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    checks.check(len(results) == 16 and all(results),
                 f"16 concurrent range requests: {sum(results)} of 16 right")


def main():
    checks = Checks("view ranges")
    with temp_dir() as tmp:
        path, viewer = make_files(tmp)
        proc = subprocess.Popen([healgrid_bin(), "view", path, "--port", "0", "--viewer-dir",
                                 viewer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            line = proc.stdout.readline() + proc.stdout.readline()
            match = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
            if not checks.check(match, f"no 127.0.0.1 URL in the output: {line!r}"):
                checks.finish()
            root = f"http://127.0.0.1:{match.group(2)}"
            base = root + "/data/big.nc"
            check_ranges(checks, base)
            check_refusals(checks, root)
            check_concurrency(checks, base)
            check_download(checks, base, proc.pid)
            check_port_and_folder(checks, path, viewer, match.group(2), tmp)
        finally:
            proc.terminate()
            proc.wait(10)
    checks.finish()


if __name__ == "__main__":
    main()
