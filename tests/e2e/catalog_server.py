"""A catalog + data server on loopback for the resolve / fetch tests (Python's http.server).

One `TestServer` listens on 127.0.0.1 (a free port) in a daemon thread and plays:
  /cmr/<mode>/search/granules.umm_json  CMR: mode "gen" pages `cmr_items` with CMR-Hits and
      CMR-Search-After (page_size from the query); mode "cassette" replays a recorded vcrpy
      interaction (earthaccess) chosen by page_size; mode "file" serves `cmr_file` as one page.
  /stac/<mode>/search  STAC: mode "cassette" replays the pystac-client recording (POST bodies
      matched by their token; a token past the recording gets an empty last page); "post"
      pages `stac_items` with POST next links (token, merge); "get" with GET next hrefs as NASA
      CMR-STAC does, and numberMatched (the items plus `stac_matched_extra`).
  /data/<name>  files of `data_dir`, with Range support.
  /loginpage/<name>, /eulapage/<name>  an Earthdata Login page / a EULA page, HTML with status
      200, as Earthdata answers a download whose login or EULA acceptance failed.
  /token/<name> needs "Authorization: Bearer <token>", then 303 to /presigned/<name> on the
      `urs` server (another origin, as S3 is).
  /protected/<name>  the Earthdata redirect flow: no session cookie -> 302 to the URS server's
      /oauth/authorize (a second TestServer) -> 401 Basic -> 302 to /login?code= -> cookie,
      301 -> /protected/<name> -> 303 -> /presigned/<name>?X-Amz-Signature=...
Faults: `faults[path]` is a list consumed one per request to that path: "500", "429" (with
Retry-After: 1), "drop" (half the body, then the connection closes), "slow" (no byte for
`slow_seconds`), "malformed" (truncated JSON with status 200), "badlength" (a Content-Length
1000 bytes short of the body, then close), "trickle" (the body in ten pieces over 1 s), "ok". Every request is logged in `log` as
(method, path, headers dict, status, fault).
"""

import base64
import hashlib
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml


RECORDED_STAC_ROOT = "https://planetarycomputer.microsoft.com/api/stac/v1"

# What Earthdata serves with status 200 when a download's login or EULA acceptance fails.
LOGIN_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><title>Earthdata Login</title></head>
<body><form action="/login" method="post"><h1>Earthdata Login</h1>
<label>Username <input name="username"></label><label>Password <input name="password"
type="password"></label><input type="submit" value="Log in"></form></body></html>
"""
EULA_PAGE = b"""<!DOCTYPE html>
<html><head><title>Earthdata Login - EULA</title></head><body>
<p>Access to this data requires you to accept the End User License Agreement (EULA).</p>
<a href="https://urs.earthdata.nasa.gov/accept_eula?eula_id=NSIDC_EULA">Accept EULA</a>
</body></html>
"""


def umm(name, data, url, concept_id=None):
    """A CMR UMM-G granule record for `data` served at `url` (size and SHA-256 of `data`)."""
    return {"meta": {"concept-id": concept_id or f"G-{name}"},
            "umm": {"GranuleUR": name,
                    "DataGranule": {"ArchiveAndDistributionInformation": [{
                        "Name": name, "SizeInBytes": len(data),
                        "Checksum": {"Value": hashlib.sha256(data).hexdigest(),
                                     "Algorithm": "SHA-256"}}]},
                    "RelatedUrls": [{"URL": url, "Type": "GET DATA"}]}}


def load_cassette(path):
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream)["interactions"]


class TestServer:
    def __init__(self):
        self.faults = {}
        self.log = []
        self.lock = threading.Lock()
        self.cmr_items, self.cmr_file, self.cmr_cassette = [], None, []
        self.cmr_hits_extra = 0    # CMR-Hits announces this many granules the pages lack
        self.stac_items, self.stac_cassette = [], []
        self.stac_matched_extra = 0  # numberMatched (GET mode) announces this many items more
        self.stac_pages = None     # POST mode: explicit pages (lists of item indices), or None
        self.data_dir = None
        self.token = None
        self.urs = None            # the URS TestServer (for /protected)
        self.urs_user = None       # (login, password) the URS server accepts
        self.data_origin = None    # where URS redirects back to
        self.slow_seconds = 3
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def take_fault(self, path):
        with self.lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else "ok"

    def requests_to(self, prefix):
        return [entry for entry in self.log if entry[1].startswith(prefix)]

    def _handler(server):  # noqa: N805 (the handler closes over the server)
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def record(self, status, fault="ok"):
                with server.lock:
                    server.log.append((self.command, self.path, dict(self.headers), status, fault))

            def send(self, status, body=b"", headers=(), fault="ok"):
                try:
                    self._send(status, body, headers, fault)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    self.close_connection = True

            def _send(self, status, body, headers, fault):
                self.record(status, fault)
                if fault == "slow":
                    time.sleep(server.slow_seconds)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                length = len(body) - (1000 if fault == "badlength" else 0)
                self.send_header("Content-Length", str(length))
                if fault in ("drop", "badlength"):
                    self.send_header("Connection", "close")
                self.end_headers()
                if fault == "drop":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if fault == "trickle":  # ten pieces, 0.1 s apart: progress lines appear
                    step = len(body) // 10 + 1
                    for k in range(0, len(body), step):
                        self.wfile.write(body[k:k + step])
                        self.wfile.flush()
                        time.sleep(0.1)
                    return
                self.wfile.write(body)
                if fault == "badlength":
                    self.wfile.flush()
                    self.close_connection = True

            def send_json(self, obj, headers=(), fault="ok"):
                body = json.dumps(obj).encode()
                if fault == "malformed":
                    body, fault = body[: len(body) // 2], "ok"
                self.send(200, body, [("Content-Type", "application/json")] + list(headers), fault)

            def fault_status(self, fault):
                if fault == "500":
                    self.send(500, b"internal error")
                    return True
                if fault == "429":
                    self.send(429, b"slow down", [("Retry-After", "1")])
                    return True
                return False

            # ------------------------------------------------------------------ GET
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                fault = server.take_fault(url.path)
                if self.fault_status(fault):
                    return
                parts = url.path.strip("/").split("/")
                if parts[0] == "cmr":
                    return self.cmr(parts[1], query, fault)
                if parts[0] == "stac" and parts[1] == "get":
                    return self.stac_get_page(int(query.get("page", ["0"])[0]), fault)
                if parts[0] == "data":
                    return self.file(parts[1], fault)
                if parts[0] in ("loginpage", "eulapage"):  # Earthdata's failures: HTML, 200
                    return self.send(200, LOGIN_PAGE if parts[0] == "loginpage" else EULA_PAGE,
                                     [("Content-Type", "text/html; charset=utf-8")], fault)
                if parts[0] == "presigned":
                    if "X-Amz-Signature" not in query and server.token is None:
                        return self.send(403, b"no signature")
                    return self.file(parts[1], fault)
                if parts[0] == "token":
                    if self.headers.get("Authorization") != f"Bearer {server.token}":
                        return self.send(401, b"token required")
                    where = f"{server.urs.url}/presigned/{parts[1]}?X-Amz-Signature=s"
                    return self.send(303, headers=[("Location", where)])
                if parts[0] == "oauth":
                    return self.urs_authorize(query)
                if parts[0] == "login":
                    state = query.get("state", [""])[0]
                    return self.send(301, headers=[("Set-Cookie", "session=granted; Path=/"),
                                                   ("Location", state)])
                if parts[0] == "protected":
                    if "session=granted" not in (self.headers.get("Cookie") or ""):
                        back = urllib.parse.quote(server.url + "/login", safe="")
                        state = urllib.parse.quote(url.path, safe="")
                        where = (f"{server.urs.url}/oauth/authorize?client_id=test&response_type="
                                 f"code&redirect_uri={back}&state={state}&app_type=401")
                        return self.send(302, headers=[("Location", where)])
                    return self.send(303, headers=[(
                        "Location", f"/presigned/{parts[1]}?X-Amz-Expires=3600&X-Amz-Signature=s")])
                self.send(404, b"not found")

            def urs_authorize(self, query):
                expected = "Basic " + base64.b64encode(
                    ":".join(server.urs_user).encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self.send(401, b"", [("WWW-Authenticate", 'Basic realm="test"')])
                back = query["redirect_uri"][0]
                state = urllib.parse.quote(query["state"][0], safe="")
                self.send(302, headers=[("Location", f"{back}?code=abc&state={state}")])

            def cmr(self, mode, query, fault):
                page_size = int(query.get("page_size", ["10"])[0])
                if mode == "file":
                    with open(server.cmr_file, encoding="utf-8") as stream:
                        page = json.load(stream)
                    return self.send_json(page, [("CMR-Hits", str(page["hits"]))], fault)
                if mode == "cassette":
                    for inter in server.cmr_cassette:
                        uri = urllib.parse.urlsplit(inter["request"]["uri"])
                        if urllib.parse.parse_qs(uri.query).get("page_size") == [str(page_size)]:
                            resp = inter["response"]
                            headers = [(k, v[0]) for k, v in resp["headers"].items()
                                       if k.lower().startswith("cmr-")]
                            return self.send(resp["status"]["code"],
                                             resp["body"]["string"].encode(), headers, fault)
                    return self.send(404, b"not recorded")
                after = self.headers.get("CMR-Search-After")
                start = json.loads(after)[1] if after else 0
                items = server.cmr_items[start:start + page_size]
                hits = len(server.cmr_items) + server.cmr_hits_extra
                headers = [("CMR-Hits", str(hits))]
                if items:
                    headers.append(("CMR-Search-After", json.dumps(["healgrid", start + len(items)])))
                self.send_json({"hits": hits, "took": 1, "items": items}, headers, fault)

            def stac_get_page(self, page, fault):
                limit = 3
                items = server.stac_items[page * limit:(page + 1) * limit]
                links = [{"rel": "self", "href": f"{server.url}/stac/get/search?page={page}"}]
                if (page + 1) * limit < len(server.stac_items):
                    links.append({"rel": "next", "type": "application/geo+json",
                                  "href": f"{server.url}/stac/get/search?page={page + 1}"})
                self.send_json({"type": "FeatureCollection", "features": items, "links": links,
                                "numberMatched": len(server.stac_items) +
                                server.stac_matched_extra}, fault=fault)

            def file(self, name, fault):
                path = os.path.join(server.data_dir, name)
                if not os.path.isfile(path):
                    return self.send(404, b"no such granule")
                with open(path, "rb") as stream:
                    data = stream.read()
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    first = int(rng[6:].split("-")[0])
                    if first >= len(data):
                        return self.send(416, b"")
                    body = data[first:]
                    return self.send(206, body, [
                        ("Content-Range", f"bytes {first}-{len(data) - 1}/{len(data)}")], fault)
                self.send(200, data, [("Content-Type", "application/octet-stream")], fault)

            # ------------------------------------------------------------------ POST
            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fault = server.take_fault(url.path)
                if self.fault_status(fault):
                    return
                mode = url.path.strip("/").split("/")[1]
                if mode == "cassette":
                    token = body.get("token")
                    for inter in server.stac_cassette:
                        if json.loads(inter["request"]["body"]).get("token") == token:
                            # The recorded links name the real server: point them here.
                            text = inter["response"]["body"]["string"].replace(
                                RECORDED_STAC_ROOT, f"{server.url}/stac/cassette")
                            return self.send_json(json.loads(text), fault=fault)
                    return self.send_json({"type": "FeatureCollection", "features": [],
                                           "links": []}, fault=fault)
                if server.stac_pages is not None:  # explicit pages, empty ones included
                    k = int(body.get("token", "0"))
                    more = k + 1 < len(server.stac_pages)
                    return self.send_json({
                        "type": "FeatureCollection",
                        "features": [server.stac_items[i] for i in server.stac_pages[k]],
                        "links": [{"rel": "next", "method": "POST", "merge": True,
                                   "href": f"{server.url}/stac/post/search",
                                   "body": {"token": str(k + 1)}}] if more else []}, fault=fault)
                limit = int(body.get("limit", 10))
                start = int(body.get("token", "0"))
                items = server.stac_items[start:start + limit]
                links = []
                if start + limit < len(server.stac_items):
                    links.append({"rel": "next", "method": "POST", "merge": True,
                                  "href": f"{server.url}/stac/post/search",
                                  "body": {"token": str(start + limit)}})
                page = {"type": "FeatureCollection", "features": items, "links": links}
                if mode == "get":  # CMR-STAC states the total on every page
                    page["numberMatched"] = len(server.stac_items) + server.stac_matched_extra
                self.send_json(page, fault=fault)

        return Handler
