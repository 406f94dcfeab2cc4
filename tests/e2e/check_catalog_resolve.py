"""healgrid resolve against a real HTTP server on loopback (tests/e2e/catalog_server.py).

Recorded responses (../shared/data/responses): the earthaccess CMR paging cassette (CMR-Hits,
CMR-Search-After), the ATL06 UMM-JSON granule, the pystac-client STAC cassette with POST next
links. Generated: 4500 CMR granules over 3 pages, STAC pages with POST (merge) and GET next
links. Faults: 500, 429 + Retry-After, a dropped connection, a response slower than the
timeout (all retried), malformed JSON (reported, no catalog left). Checks: every page followed,
no granule lost or duplicated, footprints parsed (UMM GPolygons lon/lat), cells of every
footprint vertex (healpy, independently) in the granule's cells, and for ~45 footprints their
cells against healpy alone (query_polygon, points sampled inside, neighbours): every cell inside
present, none far away; query parameters as sent.
Integrity (issue 15): credentials inside --stac-url / --cmr-url appear in no catalog or
message; --cycle N sends the cycle's granule-name pattern and, on a replay of the recorded UMM
granules plus one item per real granule file, keeps every granule of the cycle and no other;
a granule starting exactly at --end is left out.
"""

import copy
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from catalog_server import TestServer, load_cassette  # noqa: E402
from healgrid_reference import authalic_latitude_deg, cell_index  # noqa: E402

import numpy as np  # noqa: E402


def resolve(args, timeout=120):
    return common.run_as([common.healgrid_bin(), "resolve", "--retry-delay", "0.05", "-q"]
                         + [str(a) for a in args], timeout=timeout)


def umm_item(i, cycle=22):
    rgt = 1 + i % 1387
    name = f"ATL06_2024010{1 + i % 9}000000_{rgt:04d}{cycle:02d}{10 + i % 3:02d}_006_01.h5"
    lon0, lat0 = -180 + (i * 7.3) % 360, -85 + (i * 0.37) % 30
    points = [{"Longitude": lon0 + dx, "Latitude": lat0 + dy}
              for dx, dy in ((0, 0), (0.2, 0), (0.25, 1.5), (0.05, 1.5), (0, 0))]
    return {"meta": {"concept-id": f"G{i:07d}-TEST", "provider-id": "TEST"},
            "umm": {"GranuleUR": f"ATL06.006:{i}",
                    "TemporalExtent": {"RangeDateTime": {
                        "BeginningDateTime": "2024-01-07T00:00:00Z",
                        "EndingDateTime": "2024-01-07T00:05:00Z"}},
                    "SpatialExtent": {"HorizontalSpatialDomain": {"Geometry": {
                        "GPolygons": [{"Boundary": {"Points": points}}]}}},
                    "DataGranule": {
                        "Identifiers": [{"Identifier": name, "IdentifierType": "ProducerGranuleId"}],
                        "ArchiveAndDistributionInformation": [{
                            "Name": name, "SizeInBytes": 1000 + i,
                            "Checksum": {"Value": f"{i:064x}", "Algorithm": "SHA-256"}}]},
                    "RelatedUrls": [
                        {"URL": f"https://data.example.invalid/{name}", "Type": "GET DATA"},
                        {"URL": f"s3://bucket/{name}", "Type": "GET DATA VIA DIRECT ACCESS"}]}}


def footprint_oracle(points, order):
    """(inside, near) cell sets of a small convex footprint, by healpy alone.

    inside: cells of points sampled inside the polygon (shrunk 2% towards its centre, so that
    great-circle and lon/lat edges agree), and cells whose centre is inside (query_polygon);
    near: query_polygon(inclusive) and every neighbour of those cells: a correct footprint's
    cells hold every `inside` cell and no cell outside `near`.
    """
    import healpy
    lon = np.array([p["Longitude"] for p in points[:-1]])
    lat = authalic_latitude_deg(np.array([p["Latitude"] for p in points[:-1]]))
    nside = 2 ** order
    verts = healpy.ang2vec(np.radians(90.0 - lat), np.radians(lon))
    inside = set(healpy.query_polygon(nside, verts, inclusive=False, nest=True).tolist())
    clon, clat = lon.mean(), lat.mean()
    u, v = np.meshgrid(np.linspace(0, 1, 40), np.linspace(0, 1, 120))
    # Bilinear samples of the quadrilateral (its vertices in order), shrunk towards the centre.
    qlon = ((1 - u) * (1 - v) * lon[0] + u * (1 - v) * lon[1] + u * v * lon[2] +
            (1 - u) * v * lon[3])
    qlat = ((1 - u) * (1 - v) * lat[0] + u * (1 - v) * lat[1] + u * v * lat[2] +
            (1 - u) * v * lat[3])
    slon, slat = clon + 0.98 * (qlon - clon), clat + 0.98 * (qlat - clat)
    inside |= set(healpy.ang2pix(nside, np.radians(90.0 - slat.ravel()),
                                 np.radians(slon.ravel()), nest=True).tolist())
    near = healpy.query_polygon(nside, verts, inclusive=True, fact=8, nest=True)
    neighbours = healpy.get_all_neighbours(nside, near, nest=True).ravel()
    return inside, set(near.tolist()) | set(neighbours[neighbours >= 0].tolist())


def check_footprint_cells(checks, by_id, order, indices):
    """Each granule's catalog cells hold its footprint's cells and nothing far from it."""
    missing = far = checked = 0
    for i in indices:
        g = by_id.get(f"G{i:07d}-TEST")
        if g is None:
            continue  # another cycle, filtered out
        pts = umm_item(i)["umm"]["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"][
            "GPolygons"][0]["Boundary"]["Points"]
        inside, near = footprint_oracle(pts, order)
        cells = set(g["cells"])
        checked += 1
        missing += len(inside - cells)
        far += len(cells - near)
        checks.check(not inside - cells and not cells - near,
                     f"footprint of {g['id']}: cells {sorted(cells)}; missing (healpy) "
                     f"{sorted(inside - cells)}; far from the footprint {sorted(cells - near)}")
    checks.check(checked >= 40, f"only {checked} footprints compared with healpy")
    print(f"footprint cells vs healpy, {checked} footprints: {missing} missing, {far} far away")


def stac_item(i):
    return {"type": "Feature", "id": f"item-{i}",
            "geometry": {"type": "Polygon", "coordinates": [[[179.5, -70 + i * 0.1],
                                                             [-179.5, -70 + i * 0.1],
                                                             [-179.5, -69.9 + i * 0.1],
                                                             [179.5, -69.9 + i * 0.1],
                                                             [179.5, -70 + i * 0.1]]]},
            # West > east: the item crosses the antimeridian, its -179.5 -> 179.5 edges the
            # short way (without a bbox, both ways).
            "bbox": [179.5, -70 + i * 0.1, -179.5, -69.9 + i * 0.1],
            "properties": {"datetime": "2024-01-07T00:00:00Z"},
            "assets": {"data": {"href": f"https://data.example.invalid/ATL06_{i}.h5",
                                "file:size": 10 + i}}, "links": []}


def name_cycle(item):
    name = item["umm"]["DataGranule"]["Identifiers"][0]["Identifier"]
    return int(re.search(r"_\d{14}_\d{4}(\d\d)\d\d_", name).group(1))


def replay_items(responses):
    """The recorded UMM granules, plus one item per real granule file named like it."""
    items = []
    for product in ("atl06", "atl03", "atl08"):
        for item in load(os.path.join(responses, f"earthaccess_{product}_umm.json"))["items"]:
            url = next(u["URL"] for u in item["umm"]["RelatedUrls"] if u["Type"] == "GET DATA")
            item["umm"]["DataGranule"]["Identifiers"] = [{
                "Identifier": os.path.basename(url), "IdentifierType": "ProducerGranuleId"}]
            items.append(item)
    template = load(os.path.join(responses, "earthaccess_atl06_umm.json"))["items"][0]
    real = os.path.join(os.path.dirname(responses), "real")
    for name in sorted(os.listdir(real)):
        m = re.match(r"(?:processed_)?(ATL06_(\d{14})_\d{8}_\d{3}_\d\d)\.h5$", name)
        if not m:
            continue
        item = copy.deepcopy(template)
        t = m.group(2)
        iso = f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}.000Z"
        item["meta"]["concept-id"] = f"G-{m.group(1)}"
        item["umm"]["GranuleUR"] = m.group(1) + ".h5"
        item["umm"]["TemporalExtent"]["RangeDateTime"] = {"BeginningDateTime": iso,
                                                         "EndingDateTime": iso}
        item["umm"]["DataGranule"]["Identifiers"] = [{"Identifier": m.group(1) + ".h5",
                                                      "IdentifierType": "ProducerGranuleId"}]
        items.append(item)
    return items


def load(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def main():
    checks = common.Checks("catalog_resolve")
    responses = os.path.join(common.shared_dir(), "data", "responses")
    if not os.path.isdir(responses):
        common.skip(f"no recorded responses in {responses}; set HEALGRID_SHARED_DIR")
    server = TestServer()
    try:
        with common.temp_dir() as tmp:
            out = os.path.join(tmp, "catalog.json")

            # 1. Generated CMR paging, with every retryable fault on the way.
            server.cmr_items = [umm_item(i, cycle=22 if i % 10 else 21) for i in range(4500)]
            path = "/cmr/gen/search/granules.umm_json"
            server.faults[path] = ["500", "429", "drop", "slow"]
            server.slow_seconds = 4  # past the timeout, which leaves pages under load room
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--cycle", 22,
                                "--bbox", "170,-88,-170,-55", "--timeout", 2, "--output", out])
            if checks.check(rc == 0, f"generated CMR resolve exited {rc}:\n{text}"):
                cat = load(out)
                expected = sorted(f"G{i:07d}-TEST" for i in range(4500) if i % 10)
                ids = [g["id"] for g in cat["granules"]]
                checks.check(sorted(ids) == expected and len(ids) == len(set(ids)),
                             f"CMR paging: {len(ids)} granules ({len(set(ids))} distinct), "
                             f"expected {len(expected)} (cycle 22 only)")
                asks = [e for e in server.requests_to(path) if e[3] == 200 and e[4] == "ok"]
                checks.check(len(asks) == 3, f"{len(asks)} successful page requests, expected 3")
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(asks[0][1]).query)
                checks.check(q.get("readable_granule_name[]") ==
                             ["ATL06*_??????????????_????22??_*"] and "temporal[]" not in q,
                             f"cycle 22 sent as {q}")
                checks.check(q.get("bounding_box") == ["170,-88,-170,-55"],
                             f"antimeridian bbox sent as {q.get('bounding_box')}")
                checks.check(asks[1][2].get("CMR-Search-After") == '["healgrid", 2000]',
                             f"page 2 CMR-Search-After: {asks[1][2].get('CMR-Search-After')}")
                by_id = {g["id"]: g for g in cat["granules"]}
                order, bad = cat["grid"]["parent_order"], 0
                for i in (1, 7, 4499):
                    g = by_id[f"G{i:07d}-TEST"]
                    pts = umm_item(i)["umm"]["SpatialExtent"]["HorizontalSpatialDomain"][
                        "Geometry"]["GPolygons"][0]["Boundary"]["Points"]
                    checks.check(g["footprint"][0] == [[p["Longitude"], p["Latitude"]] for p in pts],
                                 f"footprint of {g['id']} not the UMM GPolygon (lon/lat)")
                    checks.check(g["bytes"] == 1000 + i and g["checksum"]["value"] == f"{i:064x}"
                                 and g["s3_url"].startswith("s3://"), f"fields of {g['id']}: {g}")
                    lat = np.array([p["Latitude"] for p in pts])
                    lon = np.array([p["Longitude"] for p in pts])
                    want = set(cell_index(lat, lon, order, "authalic").tolist())
                    bad += len(want - set(g["cells"]))
                checks.check(bad == 0, f"{bad} footprint vertex cells (healpy) missing")
                check_footprint_cells(checks, by_id, order, range(1, 4500, 89))
                checks.check(set(cat["cells"]) <= set(cat["area_cells"]),
                             "catalog cells outside the bbox's cells")

            # 1b. Pages holding fewer granules than CMR-Hits announced: an error, no catalog.
            server.cmr_items = [umm_item(i) for i in range(30)]
            server.cmr_hits_extra = 5
            short_out = os.path.join(tmp, "short.json")
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--output", short_out])
            checks.check(rc == 1 and "CMR-Hits announced 35" in text and "30" in text,
                         f"pages short of CMR-Hits: rc {rc}, message:\n{text}")
            checks.check(not os.path.exists(short_out) and not os.path.exists(short_out + ".partial"),
                         "a catalog was left behind after pages short of CMR-Hits")
            server.cmr_hits_extra = 0

            # 2. Malformed JSON: reported with the URL, no catalog left behind.
            bad_out = os.path.join(tmp, "bad.json")
            server.faults[path] = ["malformed"]
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--output", bad_out])
            checks.check(rc == 1 and "malformed JSON" in text and path in text,
                         f"malformed JSON: rc {rc}, message:\n{text}")
            checks.check(not os.path.exists(bad_out) and not os.path.exists(bad_out + ".partial"),
                         "a catalog was left behind after malformed JSON")

            # 3. Recorded CMR paging cassette (earthaccess, TELLUS_GRAC, CMR-Hits 163).
            cassette = os.path.join(responses,
                                    "earthaccess_TestResults.test_get_all_less_than_2k.yaml")
            server.cmr_cassette = load_cassette(cassette)
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/cassette", "--collection",
                                "TELLUS_GRAC_L3_JPL_RL06_LND_v04", "--version", "", "--provider",
                                "", "--output", out])
            if checks.check(rc == 0, f"CMR cassette resolve exited {rc}:\n{text}"):
                recorded = [json.loads(i["response"]["body"]["string"]) for i in server.cmr_cassette]
                want = sorted(it["meta"]["concept-id"] for page in recorded
                              if page["items"] for it in page["items"])
                got = sorted(g["id"] for g in load(out)["granules"])
                checks.check(got == want and len(got) == 163,
                             f"cassette: {len(got)} granules, recorded {len(want)}")

            # 4. Recorded ATL06 UMM granule: orbit only, so no footprint and cells null.
            server.cmr_file = os.path.join(responses, "earthaccess_atl06_umm.json")
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/file", "--output", out])
            if checks.check(rc == 0, f"UMM file resolve exited {rc}:\n{text}"):
                g = load(out)["granules"]
                checks.check(len(g) == 1 and g[0]["name"] ==
                             "ATL06_20190221121851_08410203_005_01.h5" and g[0]["cells"] is None
                             and g[0]["https_url"].endswith(g[0]["name"]), f"ATL06 UMM: {g}")

            # 5. Recorded STAC cassette (POST next links with a token body).
            server.stac_cassette = load_cassette(os.path.join(
                responses, "pystac-client_TestItemSearch.test_result_paging.yaml"))
            rc, text = resolve(["--source", "stac", "--stac-url", f"{server.url}/stac/cassette",
                                "--stac-collection", "naip", "--page-size", 10,
                                "--bbox", "-73.21,43.99,-73.12,44.05", "--output", out])
            if checks.check(rc == 0, f"STAC cassette resolve exited {rc}:\n{text}"):
                want = sorted(f["id"] for i in server.stac_cassette
                              for f in json.loads(i["response"]["body"]["string"])["features"])
                got = sorted(g["id"] for g in load(out)["granules"])
                checks.check(got == want and len(got) == 20, f"STAC cassette: {len(got)} items, "
                             f"recorded {len(want)}")
                posts = server.requests_to("/stac/cassette")
                checks.check(len(posts) == 3, f"{len(posts)} STAC POSTs, expected 3 (2 recorded "
                             "pages + the empty page past the recording)")

            # 6. Generated STAC paging: POST next (merge) and GET next (CMR-STAC) links.
            server.stac_items = [stac_item(i) for i in range(10)]
            for kind in ("post", "get"):
                rc, text = resolve(["--source", "stac", "--stac-url", f"{server.url}/stac/{kind}",
                                    "--page-size", 3, "--output", out])
                if checks.check(rc == 0, f"STAC {kind} resolve exited {rc}:\n{text}"):
                    cat = load(out)
                    got = sorted(g["id"] for g in cat["granules"])
                    checks.check(got == sorted(f"item-{i}" for i in range(10)),
                                 f"STAC {kind} paging: {got}")
                    # Footprints across the antimeridian stay small (the short way).
                    widths = [len(g["cells"]) for g in cat["granules"]]
                    checks.check(max(widths) < 20, f"STAC {kind}: footprint cells {widths}")
            # 7. Credentials in URLs: never in the catalog, an error message or a log line.
            stac = server.url.replace("http://", "http://bob:pa%2Fss%40word@") + "/stac/get"
            rc, text = resolve(["--source", "stac", "--stac-url", stac, "--page-size", 3,
                                "--output", out])
            endpoint = load(out)["endpoint"] if rc == 0 else ""
            checks.check(rc == 0 and "pa%2Fss" not in endpoint and "bob" not in endpoint
                         and "pa%2Fss" not in text,
                         f"STAC credentials kept: rc {rc}, endpoint {endpoint!r}:\n{text}")
            for bad in (["--cmr-url", "http://carol:hunter2@127.0.0.1:9/cmr", "--retries", 1],
                        ["--cmr-url", "ftp://carol:hunter2@example.invalid/cmr"],
                        ["--source", "stac", "--stac-url",
                         "http://carol:hunter2@127.0.0.1:9/stac", "--retries", 1]):
                rc, text = resolve(bad + ["--output", bad_out])
                checks.check(rc != 0 and "hunter2" not in text and "carol" not in text,
                             f"credentials in an error message (rc {rc}):\n{text}")

            # 8. --cycle: the request carries the cycle's granule-name pattern (CMR has no cycle
            # parameter for ICESat-2: cycle[] searches Track data, which these granules lack),
            # and a replay of real recorded responses keeps every granule of the cycle and no
            # other. The replayed items: the recorded earthaccess UMM granules (ATL06 and ATL08
            # cycle 2, ATL03 cycle 17) and one per real granule file (cycles 1, 2, 3), each
            # item the recorded ATL06 one with the real file's name and acquisition time.
            replay = replay_items(responses)
            server.cmr_items = replay
            for cycle in (1, 2, 3, 17):
                server.log.clear()
                rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--cycle", cycle,
                                    "--output", out])
                if not checks.check(rc == 0, f"--cycle {cycle} exited {rc}:\n{text}"):
                    continue
                got = sorted(g["name"] for g in load(out)["granules"])
                want = sorted(i["umm"]["DataGranule"]["Identifiers"][0]["Identifier"]
                              for i in replay if name_cycle(i) == cycle)
                checks.check(got == want and want, f"--cycle {cycle}: {got}, expected {want}")
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(server.log[0][1]).query)
                checks.check(q.get("readable_granule_name[]") ==
                             [f"ATL06*_??????????????_????{cycle:02d}??_*"] and
                             q.get("options[readable_granule_name][pattern]") == ["true"] and
                             "temporal[]" not in q, f"--cycle {cycle} request: {q}")

            # 9. --end is exclusive: a granule starting exactly at --end is left out.
            server.cmr_items = [umm_item(i) for i in range(3)]
            server.cmr_items[1]["umm"]["TemporalExtent"]["RangeDateTime"][
                "BeginningDateTime"] = "2024-01-08T00:00:00.000Z"
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--start", "2024-01-07",
                                "--end", "2024-01-08", "--output", out])
            ids = sorted(g["id"] for g in load(out)["granules"]) if rc == 0 else []
            checks.check(ids == ["G0000000-TEST", "G0000002-TEST"],
                         f"--end inclusive: rc {rc}, granules {ids}:\n{text}")
    finally:
        server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
