"""End to end: resolve from a loopback test server -> fetch from it -> healgrid run --catalog.

Three synthetic ATL06 granules (healgrid synth: Antarctic regions 10, 11, 12 of one RGT) are
served with a CMR UMM-JSON response whose footprints are their real tracks (the centre beam
pair, 5 km either side, every 10 km). Checks: every point's parent cell (healpy, independently)
is among its granule's catalog cells; with a bbox south of 82S only the polar granule is read;
the output's cells lie in the catalog's planned cells and equal, cell for cell, a plain
`run --input` of all three granules on those cells, and the numpy + healpy reference
(tests/reference) of the granules restricted to those cells; the output names the catalog and
its SHA-256. `run` given the query itself writes the catalog beside the output and names it.
"""

import hashlib
import json
import math
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from catalog_server import TestServer  # noqa: E402
from healgrid_reference import cell_index, reference_grid  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402

BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")


def track_footprint(path, half_width_km=5.0, step=500):
    """A strip polygon (lon/lat points) around the centre beam's track."""
    with h5py.File(path, "r") as f:
        lat = f["gt2l/land_ice_segments/latitude"][:]
        lon = f["gt2l/land_ice_segments/longitude"][:]
    idx = list(range(0, lat.size, step)) + [lat.size - 1]
    left, right = [], []
    for k, i in enumerate(idx):
        a, b = idx[max(k - 1, 0)], idx[min(k + 1, len(idx) - 1)]
        coslat = math.cos(math.radians(lat[i]))
        dlon = (lon[b] - lon[a] + 180) % 360 - 180
        tx, ty = dlon * coslat * 111.32, (lat[b] - lat[a]) * 110.57
        norm = math.hypot(tx, ty)
        nx, ny = -ty / norm, tx / norm
        for sign, side in ((1, left), (-1, right)):
            side.append({"Latitude": float(lat[i] + sign * ny * half_width_km / 110.57),
                         "Longitude": float((lon[i] + sign * nx * half_width_km /
                                             (111.32 * coslat) + 180) % 360 - 180)})
    ring = left + right[::-1]
    return ring + [ring[0]]


def umm_item(path, url):
    name = os.path.basename(path)
    data = open(path, "rb").read()
    return {"meta": {"concept-id": f"G-{name}"},
            "umm": {"GranuleUR": name,
                    "SpatialExtent": {"HorizontalSpatialDomain": {"Geometry": {
                        "GPolygons": [{"Boundary": {"Points": track_footprint(path)}}]}}},
                    "DataGranule": {"ArchiveAndDistributionInformation": [{
                        "Name": name, "SizeInBytes": len(data),
                        "Checksum": {"Value": hashlib.sha256(data).hexdigest(),
                                     "Algorithm": "SHA-256"}}]},
                    "RelatedUrls": [{"URL": url, "Type": "GET DATA"}]}}


def point_parents(path, order):
    parents = []
    with h5py.File(path, "r") as f:
        for beam in BEAMS:
            if beam in f:
                seg = f[beam]["land_ice_segments"]
                parents.append(cell_index(seg["latitude"][:], seg["longitude"][:], order,
                                          "authalic"))
    return set(np.unique(np.concatenate(parents)).tolist())


def compare_planned_to_reference(checks, ds, paths, planned, order):
    """run --catalog against numpy + healpy: the reference of every granule, on the parent
    cells the catalog planned (points elsewhere are dropped), every statistic of every cell."""
    cfg = common.load_config(common.config_path())
    ref = reference_grid(common.config_path(), paths)
    shift = np.uint64(2 * (int(ds.attrs["child_order"]) - order))
    keep = np.isin(ref["cell_ids"] >> shift, np.asarray(planned, dtype=np.uint64))
    planned_ref = {name: ref[name][keep] for name in
                   ["cell_ids"] + [s["name"] for s in cfg["statistics"]]}
    used = int(planned_ref["count"].sum())
    checks.check(used > 0 and int(ds.attrs.get("points_used", -1)) == used,
                 f"run --catalog: points_used {ds.attrs.get('points_used')}, reference {used} "
                 "in the planned cells")
    common.compare_to_reference(checks, ds, planned_ref, cfg, "run --catalog vs reference")


def run(cmd, timeout=300):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=timeout, check=False)
    return proc.returncode, f"$ {shlex.join(cmd)}\n{proc.stdout}"


def main():
    checks = common.Checks("catalog_run")
    bin_ = common.healgrid_bin()
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    server = TestServer()
    try:
        with common.temp_dir() as tmp:
            src = os.path.join(tmp, "server")
            rc, text = run(mpiexec + ["-np", "2", "--oversubscribe", bin_, "synth", "--granules",
                                      "3", "--output-dir", src])
            if rc != 0:
                print(f"FAIL: synth exited {rc}\n{text}")
                sys.exit(1)
            paths = sorted(os.path.join(src, n) for n in os.listdir(src) if n.endswith(".h5"))
            server.data_dir = src
            server.cmr_items = [umm_item(p, f"{server.url}/data/{os.path.basename(p)}")
                                for p in paths]
            catalog = os.path.join(tmp, "antarctica.catalog.json")
            rc, text = run([bin_, "resolve", "-q", "--cmr-url", f"{server.url}/cmr/gen",
                            "--bbox", "-180,-90,180,-82", "--output", catalog])
            if not checks.check(rc == 0, f"resolve exited {rc}:\n{text}"):
                checks.finish()
            cat = json.load(open(catalog, encoding="utf-8"))
            order = cat["grid"]["parent_order"]
            for g, p in zip(cat["granules"], paths):
                missing = point_parents(p, order) - set(g["cells"])
                checks.check(not missing, f"{g['name']}: {len(missing)} parent cells holding its "
                             f"points are not in its footprint cells (first {sorted(missing)[:5]})")
            cache = os.path.join(tmp, "cache")
            rc, text = run(mpiexec + ["-np", "2", "--oversubscribe", bin_, "fetch", "--catalog",
                                      catalog, "--cache-dir", cache, "-q"])
            checks.check(rc == 0, f"fetch exited {rc}:\n{text}")
            out = os.path.join(tmp, "polar.nc")
            full = os.path.join(tmp, "all.nc")
            ok = common.run_healgrid_ok(["--catalog", catalog, "--cache-dir", cache, "--output",
                                         out, "-q"], 2, checks, "run --catalog")
            ok = common.run_healgrid_ok(["--input", src, "--output", full, "-q"], 2, checks,
                                        "run --input") and ok
            if not ok:
                checks.finish()
            ds, ref = common.open_output(out), common.open_output(full)
            checks.check(ds.attrs.get("healgrid_catalog") == catalog,
                         f"healgrid_catalog = {ds.attrs.get('healgrid_catalog')!r}")
            sha = hashlib.sha256(open(catalog, "rb").read()).hexdigest()
            checks.check(ds.attrs.get("healgrid_catalog_sha256") == sha,
                         f"healgrid_catalog_sha256 = {ds.attrs.get('healgrid_catalog_sha256')!r}, "
                         f"file has {sha}")
            names = common.char_strings(ds, "granule_name")
            polar = [os.path.basename(p) for p in paths if "0111_" in os.path.basename(p)]
            checks.check(names == polar, f"granules read {names}, expected only {polar}")
            shift = np.uint64(2 * (ds.attrs["child_order"] - order))
            ids, ref_ids = ds["cell_ids"].values, ref["cell_ids"].values
            planned = np.array(cat["cells"], dtype=np.uint64)
            checks.check(np.isin(ids >> shift, planned).all(), "output cells outside the plan")
            keep = np.isin(ref_ids >> shift, planned)
            checks.check(np.array_equal(ids, ref_ids[keep]),
                         f"cells: {ids.size} vs {keep.sum()} of the full run in planned cells")
            if np.array_equal(ids, ref_ids[keep]):
                for var in ds.data_vars:
                    if "cell_ids" in ds[var].dims and var in ref:
                        a, b = ds[var].values, ref[var].values[keep]
                        checks.check(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"),
                                     f"{var} differs from the full run on the planned cells")
            compare_planned_to_reference(checks, ds, paths, planned, order)
            # The query given to run directly: rank 0 resolves, the catalog lands beside OUT.
            direct = os.path.join(tmp, "direct.nc")
            # Credentials inside the URL reach neither the output's history nor the catalog.
            secret_url = server.url.replace("http://", "http://alice:s3cr%40t@") + "/cmr/gen"
            if common.run_healgrid_ok(["--cmr-url", secret_url, "--bbox",
                                       "-180,-90,180,-82", "--cache-dir", cache, "--output",
                                       direct, "-q"], 2, checks, "run with a query"):
                beside = os.path.join(tmp, "direct.catalog.json")
                attrs = common.open_output(direct).attrs
                checks.check(os.path.isfile(beside) and attrs.get("healgrid_catalog") == beside
                             and attrs.get("healgrid_catalog_sha256") ==
                             hashlib.sha256(open(beside, "rb").read()).hexdigest(),
                             f"run with a query: catalog {beside} not named by the output")
                history = str(attrs.get("history"))
                endpoint = json.load(open(beside, encoding="utf-8"))["endpoint"]
                checks.check("s3cr" not in history and "alice" not in history
                             and "***@127.0.0.1" in history,
                             f"credentials of --cmr-url in history: {history}")
                checks.check("s3cr" not in endpoint and "alice" not in endpoint,
                             f"credentials of --cmr-url in the catalog's endpoint: {endpoint}")
    finally:
        server.stop()
    checks.finish()


if __name__ == "__main__":
    main()
