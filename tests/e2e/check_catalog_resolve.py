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
"""

import json
import os
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
            "properties": {"datetime": "2024-01-07T00:00:00Z"},
            "assets": {"data": {"href": f"https://data.example.invalid/ATL06_{i}.h5",
                                "file:size": 10 + i}}, "links": []}


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
            server.slow_seconds = 2.5
            rc, text = resolve(["--cmr-url", f"{server.url}/cmr/gen", "--cycle", 22,
                                "--bbox", "170,-88,-170,-55", "--timeout", 1, "--output", out])
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
                checks.check(q.get("temporal[]") == ["2024-01-06T00:00:00Z,2024-04-06T00:00:00Z"],
                             f"cycle 22 window sent as {q.get('temporal[]')}")
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
    finally:
        server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
