#!/usr/bin/env python3
"""End-to-end check of `healgrid info` and of the errors of `healgrid info` / `healgrid render`.

1. A synthetic granule plus a corrupt one, gridded with --on-bad-granule skip (and a variant
   with --latitude geodetic --parent-order 5): `info --json` must agree with the file's own
   values read by netCDF4 and numpy: level and parent order (attributes), cell size and area
   (4 pi R^2 / (12 4^level), R = 6371.0072 km, times the cells with data), cells total and with
   data, every variable's units, long name, range and mean over its non-fill cells, granule
   counts, points used (attribute, and the sum of granule_points_used), the skipped granule
   with its reason, the time span (timestamps of the contributing granules' names). The text
   form shows the same figures.
2. With the real granules (skipped when absent): the same on an output of every real file, where
   the non-ATL06 files are "empty" rows.
3. Bad input: a file that is not NetCDF, an HDF5 granule that is not a healgrid output, a
   missing file, an unknown variable / projection / colormap, a malformed --extent: clear
   messages naming the file or option, exit 1 (bad file) or 2 (bad option), no PNG left.
4. --png targets render must not replace: the input (by name, by hard link), a granule,
   another program's PNG, a symbolic link: exit 2 naming the path, bytes unchanged; its own
   PNG (Software=healgrid, read with PIL) is replaced.
5. A time-windowed output with overview levels: `info --time w` counts each level's cells with
   data in window w (the file's window-w cells coarsened with numpy), 0 in an empty window.
"""

import glob
import json
import math
import os
import re
import shutil
import subprocess

import common  # isort: skip (fails clearly when numpy, netCDF4... are missing)
from common import Checks  # isort: skip

import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402 (Debian python3-pil)
import output_schema as schema  # noqa: E402 (tests/reference, on the path set by common)

COORDINATES = (schema.CELL_IDS, schema.HEALPIX_INDEX)  # on cell_ids, but not data variables

AUTHALIC_RADIUS_KM = 6371.0072
STAMP = re.compile(r"ATL\d\d[A-Za-z0-9-]*_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_")


def healgrid(args, timeout=120):
    """Run `healgrid ARGS` (one process, no mpirun); (rc, stdout, stderr)."""
    proc = subprocess.run([common.healgrid_bin()] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=timeout, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def file_figures(path):
    """What info should say, computed here from the file with netCDF4 + numpy."""
    with netCDF4.Dataset(path) as ds:
        level = int(ds["cell_ids"].getncattr("level"))
        ids = np.asarray(ds["cell_ids"][:])
        names = [v for v, var in ds.variables.items()
                 if var.dimensions == ("cell_ids",) and v not in COORDINATES]
        has_data = np.zeros(ids.size, bool)
        variables = []
        for name in names:
            values = np.ma.filled(ds[name][:].astype(np.float64), np.nan)
            ok = ~np.isnan(values)
            has_data |= ok
            variables.append({"name": name, "units": getattr(ds[name], "units", ""),
                              "long_name": ds[name].getncattr("long_name"),
                              "cells_with_values": int(ok.sum()),
                              "min": float(values[ok].min()), "max": float(values[ok].max()),
                              "mean": float(values[ok].mean())})
        ds.set_auto_chartostring(False)  # the char arrays as stored, with _Encoding or not
        rows = [s.strip() for s in netCDF4.chartostring(ds["granule_name"][:]).tolist()]
        status = [s.strip() for s in netCDF4.chartostring(ds["granule_status"][:]).tolist()]
        points = np.asarray(ds["granule_points_used"][:])
        cell_km = math.sqrt(4 * math.pi * AUTHALIC_RADIUS_KM ** 2 / (12 * 4 ** level))
        stamps = sorted("{}-{}-{}T{}:{}:{}Z".format(*STAMP.search(n).groups())
                        for n, s, p in zip(rows, status, points)
                        if (s == "used" or p > 0) and STAMP.search(n))
        return {
            "level": level, "parent_order": int(ds.getncattr("parent_order")),
            "latitude_convention": ds.getncattr("latitude_convention"),
            "cell_size_km": cell_km, "total": int(ids.size),
            "with_data": int(has_data.sum()), "area_km2": int(has_data.sum()) * cell_km ** 2,
            "variables": variables, "granule_count": len(rows),
            "skipped": sum(s.startswith("skipped") for s in status),
            "empty": sum(s.startswith("empty") for s in status),
            "not_used": [{"name": n, "status": s} for n, s in zip(rows, status)
                         if s.startswith(("skipped", "empty"))],
            "points_used": int(ds.getncattr("points_used")), "points_sum": int(points.sum()),
            "time_start": stamps[0] if stamps else None,
            "time_end": stamps[-1] if stamps else None,
        }


def check_info(checks, label, path):
    """info --json against file_figures; the text form carries the same key figures."""
    rc, out, err = healgrid(["info", path, "--json"])
    if not checks.check(rc == 0, f"{label}: info --json exited {rc}: {err}"):
        return
    try:
        info = json.loads(out)
    except json.JSONDecodeError as e:
        checks.fail(f"{label}: info --json is not JSON ({e}):\n{out}")
        return
    want = file_figures(path)
    close = lambda a, b: a is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)  # noqa
    grid, cells, gran = info["grid"], info["cells"], info["granules"]
    for key in ("level", "parent_order", "latitude_convention"):
        checks.check(grid[key] == want[key], f"{label}: grid.{key} {grid[key]} != {want[key]}")
    checks.check(close(grid["cell_size_km"], want["cell_size_km"]),
                 f"{label}: cell_size_km {grid['cell_size_km']} != {want['cell_size_km']}")
    checks.check(cells["total"] == want["total"] and cells["with_data"] == want["with_data"],
                 f"{label}: cells {cells} != total {want['total']}, with data "
                 f"{want['with_data']}")
    checks.check(close(cells["area_km2"], want["area_km2"]),
                 f"{label}: area {cells['area_km2']} != {want['area_km2']}")
    checks.check(gran["count"] == want["granule_count"] and gran["skipped"] == want["skipped"]
                 and gran["empty"] == want["empty"], f"{label}: granules {gran} != {want}")
    checks.check(gran["points_used"] == want["points_used"] == want["points_sum"],
                 f"{label}: points_used {gran['points_used']}, attribute "
                 f"{want['points_used']}, sum of rows {want['points_sum']}")
    checks.check(gran["not_used"] == want["not_used"],
                 f"{label}: not_used {gran['not_used']} != {want['not_used']}")
    checks.check((gran["time_start"], gran["time_end"]) == (want["time_start"], want["time_end"]),
                 f"{label}: time span {gran['time_start']}..{gran['time_end']}, names give "
                 f"{want['time_start']}..{want['time_end']}")
    got_vars = {v["name"]: v for v in info["variables"]}
    checks.check(list(got_vars) == [v["name"] for v in want["variables"]],
                 f"{label}: variables {list(got_vars)}")
    for v in want["variables"]:
        g = got_vars.get(v["name"], {})
        same = (g.get("units") == v["units"] and g.get("long_name") == v["long_name"]
                and g.get("cells_with_values") == v["cells_with_values"]
                and all(close(g.get(k), v[k]) for k in ("min", "max", "mean")))
        checks.check(same, f"{label}: variable {v['name']}: info {g}, file {v}")
    rc, text, err = healgrid(["info", path])
    checks.check(rc == 0, f"{label}: info exited {rc}: {err}")
    for needle in (f"level {want['level']} ", f"parent order {want['parent_order']}",
                   f"{want['latitude_convention']} latitude", f"{want['total']} in the file",
                   f"{want['with_data']} with data", f"{want['points_used']} points used",
                   f"{want['skipped']} skipped"):
        checks.check(needle in text, f"{label}: info text lacks {needle!r}:\n{text}")
    print(f"{label}: info agrees with the file ({want['with_data']} cells with data, "
          f"{len(want['variables'])} variables, {want['granule_count']} granules)")


def check_errors(checks, tmp, output, granule):
    """Bad files and bad options: exit code, message naming the culprit, no picture left."""
    text_file = os.path.join(tmp, "notes.nc")
    with open(text_file, "w", encoding="utf-8") as f:
        f.write("not a NetCDF file\n")
    png = os.path.join(tmp, "never.png")
    cases = [
        ("render: not NetCDF", ["render", text_file, "--png", png], 1, [text_file, "NetCDF"]),
        ("render: HDF5 granule", ["render", granule, "--png", png], 1,
         [granule, "is not a healgrid output", "cell_ids"]),
        ("render: missing file", ["render", os.path.join(tmp, "absent.nc"), "--png", png], 1,
         ["absent.nc"]),
        ("render: unknown variable", ["render", output, "--png", png, "--var", "h_nope"], 2,
         ["h_nope", "available", "h_mean"]),
        ("render: unknown projection", ["render", output, "--png", png, "--projection",
                                        "robinson"], 2, ["robinson", "south-polar-stereo"]),
        ("render: unknown colormap", ["render", output, "--png", png, "--cmap", "jet"], 2,
         ["jet", "viridis"]),
        ("render: bad extent", ["render", output, "--png", png, "--extent", "10,20,30"], 2,
         ["--extent", "10,20,30"]),
        ("render: log range", ["render", output, "--png", png, "--log", "--range", "-1,5"], 2,
         ["--range", "--log"]),
        ("render: order above the level", ["render", output, "--png", png, "--order", "30"], 2,
         ["--order", "30"]),
        ("render: order above the file's level", ["render", output, "--png", png, "--order",
                                                  "29"], 2, ["--order", "29", "level"]),
        ("render: missing coastlines", ["render", output, "--png", png, "--coastlines",
                                        os.path.join(tmp, "absent-gshhg.nc")], 2,
         ["--coastlines", "absent-gshhg.nc"]),
        ("render: coastlines not GSHHG", ["render", output, "--png", png, "--coastlines",
                                          output], 1, ["--coastlines", output, "GSHHG"]),
        ("render: unwritable png", ["render", output, "--png",
                                    os.path.join(tmp, "no", "dir", "x.png")], 1, ["x.png"]),
        ("info: not NetCDF", ["info", text_file], 1, [text_file]),
        ("info: HDF5 granule", ["info", granule], 1, [granule, "is not a healgrid output"]),
        ("info: no file", ["info"], 2, ["missing"]),
    ]
    for label, args, want_rc, needles in cases:
        rc, out, err = healgrid(args)
        checks.check(rc == want_rc, f"{label}: exit {rc}, expected {want_rc}: {err}")
        for needle in needles:
            checks.check(needle in err, f"{label}: message lacks {needle!r}: {err!r}")
    left = glob.glob(os.path.join(tmp, "never.png*"))
    checks.check(not left, f"bad input left pictures behind: {left}")
    print(f"bad input: {len(cases)} cases checked")
    foreign_xdggs_file(checks, tmp)


def foreign_xdggs_file(checks, tmp):
    """Another tool's xdggs HEALPix file (cell_ids with its attributes, no parent_order nor
    healgrid_layout) is summarised, its parent order, layout and parent cells said to be not
    recorded; they used to be guessed (parent order = level, dense, 3 parent cells)."""
    path = os.path.join(tmp, "foreign.nc")
    with netCDF4.Dataset(path, "w") as nc:
        nc.latitude_convention = "authalic"
        nc.createDimension("cell_ids", 3)
        ids = nc.createVariable("cell_ids", "u8", ("cell_ids",))
        ids[:] = [1, 5, 700]
        ids.grid_name, ids.level, ids.indexing_scheme = "healpix", np.int32(3), "nested"
        v = nc.createVariable("h_mean", "f4", ("cell_ids",), fill_value=np.float32(np.nan))
        v[:] = [0, 1, 2]
    rc, out, err = healgrid(["info", path])
    checks.check(rc == 0 and "parent order not recorded" in out and "layout not recorded" in out
                 and "parent cells" not in out, f"foreign xdggs file: exit {rc}: {out}{err}")
    rc, out, err = healgrid(["info", path, "--json"])
    if checks.check(rc == 0, f"foreign xdggs file --json: exit {rc}: {err}"):
        doc = json.loads(out)
        checks.check(doc["grid"]["parent_order"] is None and doc["cells"]["layout"] is None and
                     doc["cells"]["parent_cells"] is None and doc["cells"]["with_data"] == 3,
                     f"foreign xdggs file --json: {doc['grid']} {doc['cells']}")


def check_png_targets(checks, tmp, output, granule):
    """render --png never replaces a file healgrid did not write: the input (by its name or a
    hard link), a granule, another program's PNG, a symbolic link are refused (exit 2, the path
    named, the file's bytes unchanged); a PNG render wrote (marked Software=healgrid, read
    with PIL) is replaced; no temporary is left."""
    folder = os.path.join(tmp, "targets")
    os.makedirs(folder)
    victim = os.path.join(folder, "victim.nc")
    shutil.copyfile(output, victim)
    h5 = os.path.join(folder, "victim.h5")
    shutil.copyfile(granule, h5)
    hard = os.path.join(folder, "hard.png")
    os.link(victim, hard)
    own, foreign, link = (os.path.join(folder, n) for n in ("own.png", "foreign.png", "link.png"))
    Image.new("RGB", (8, 8), (1, 2, 3)).save(foreign)
    rc, _, err = healgrid(["render", victim, "--png", own, "--size", "200"])
    checks.check(rc == 0, f"png target: render to a new file exited {rc}: {err}")
    if os.path.exists(own):
        with Image.open(own) as im:
            checks.check(im.text.get("Software") == "healgrid",
                         f"png target: the PNG lacks Software=healgrid: {im.text}")
    os.symlink(own, link)
    cases = [(victim, "is the input file"), (hard, "is the input file"),
             (h5, "not a PNG written by healgrid"), (foreign, "not a PNG written by healgrid"),
             (link, "symbolic link")]
    for target, why in cases:
        before = {p: open(p, "rb").read() for p in (target, own)}
        rc, _, err = healgrid(["render", victim, "--png", target, "--size", "200"])
        after = {p: open(p, "rb").read() for p in (target, own)}
        checks.check(rc == 2 and target in err and why in err,
                     f"png target {target}: exit {rc} (expected 2, {why!r}): {err!r}")
        checks.check(before == after, f"png target {target}: a file was changed")
    checks.check(os.path.islink(link), "png target: the symbolic link was replaced")
    # Its own picture: replaced (another size shows it).
    rc, _, err = healgrid(["render", victim, "--png", own, "--size", "300"])
    with Image.open(own) as im:
        checks.check(rc == 0 and im.size[0] > 300, f"png target: re-render exited {rc} "
                     f"({err!r}), own PNG {im.size} not replaced")
    left = [n for n in os.listdir(folder) if ".tmp." in n or n.endswith(".partial")]
    checks.check(not left, f"png target: temporaries left: {left}")
    print(f"png targets: {len(cases)} refused, own PNG replaced")


def check_window_overviews(checks, tmp):
    """info --time w of a windowed file with overview levels: each level's cells with data are
    window w's (the file's cells with data in w, coarsened here to the order with numpy), also
    0 in an empty window; `cells_any_window` is the group's cells."""
    granules = os.path.join(tmp, "three")
    rc, out, err = healgrid(["synth", "--granules", "3", "--output-dir", granules], timeout=300)
    if not checks.check(rc == 0, f"synth 3 failed: {out}{err}"):
        return
    windowed = os.path.join(tmp, "windows.nc")
    windows = ("2018-09-28T16:32:00/2018-09-28T16:37:00,2018-09-28T16:37:00/2018-09-29,"
               "2030-01-01/2030-02-01")
    if not common.run_healgrid_ok(["--input", granules, "--output", windowed, "--quiet",
                                   "--time-windows", windows, "--layout", "dense",
                                   "--overviews", "4,8"], 1, checks, "windowed run"):
        return
    with netCDF4.Dataset(windowed) as ds:
        level = int(ds["cell_ids"].getncattr("level"))
        ids = np.asarray(ds["cell_ids"][:]).astype(np.uint64)
        names = [n for n, v in ds.variables.items() if v.dimensions == ("time", "cell_ids")]
        rows = {w: np.any([~np.ma.getmaskarray(ds[n][w]) & ~np.isnan(
            np.ma.filled(ds[n][w].astype(float), np.nan)) for n in names], axis=0)
            for w in range(3)}
        group_cells = {int(k[-2:]): g.dimensions["cell_ids"].size
                       for k, g in ds["overviews"].groups.items()}
    for w in range(3):
        rc, out, err = healgrid(["info", windowed, "--time", w, "--json"])
        if not checks.check(rc == 0, f"windows: info --time {w} exited {rc}: {err}"):
            continue
        levels = json.loads(out)["overview_levels"]
        rc, text, _ = healgrid(["info", windowed, "--time", w])
        for entry in levels:
            order = entry["order"]
            want = np.unique(ids[rows[w]] >> np.uint64(2 * (level - order))).size
            checks.check(entry["cells"] == want and
                         entry["cells_any_window"] == group_cells[order],
                         f"windows: info --time {w} order {order}: {entry['cells']} cells "
                         f"({entry.get('cells_any_window')} in any window), expected {want} "
                         f"({group_cells[order]})")
            line = (f"order {order}: {want} cells with data in window {w} "
                    f"({group_cells[order]} in any window)")
            checks.check(line in text, f"windows: info --time {w} text lacks {line!r}:\n{text}")
        checks.check(sorted(e["order"] for e in levels) == [4, 8],
                     f"windows: levels {levels}")
    checks.check(not rows[2].any() and rows[0].any() and rows[1].any(),
                 "windows: the test needs two windows with data and an empty one")
    # A negative window is named as such (-1 was taken for "no --time given").
    for tool in (["info", windowed], ["render", windowed, "--png", windowed + ".png"]):
        rc, out, err = healgrid(tool + ["--time", "-1"])
        checks.check(rc == 2 and "--time -1: expected a window number >= 0" in err,
                     f"{tool[0]} --time -1: exit {rc}: {err}")
    print("windowed overview levels: per-window cells agree with the file")


def main():
    checks = Checks("info and render errors")
    with common.temp_dir("healgrid-info-") as tmp:
        granules = os.path.join(tmp, "granules")
        rc, out, err = healgrid(["synth", "--granules", "1", "--output-dir", granules],
                                timeout=300)
        if not checks.check(rc == 0, f"synth failed: {out}{err}"):
            checks.finish()
        good = sorted(glob.glob(os.path.join(granules, "*.h5")))[0]
        corrupt = os.path.join(granules, "ATL06_20190101000000_00020110_006_01.h5")
        with open(corrupt, "w", encoding="utf-8") as f:
            f.write("corrupt granule\n")
        output = os.path.join(tmp, "synth.nc")
        if common.run_healgrid_ok(["--input", granules, "--output", output, "--quiet",
                                   "--on-bad-granule", "skip"], 1, checks, "synth run"):
            check_info(checks, "synth", output)
            check_errors(checks, tmp, output, good)
            check_png_targets(checks, tmp, output, good)
        check_window_overviews(checks, tmp)
        variant = os.path.join(tmp, "geodetic.nc")
        if common.run_healgrid_ok(["--input", good, "--output", variant, "--quiet",
                                   "--latitude", "geodetic", "--parent-order", "5"], 1, checks,
                                  "geodetic run"):
            check_info(checks, "geodetic", variant)
        real = os.path.join(common.shared_dir(), "data", "real")
        if glob.glob(os.path.join(real, "*.h5")):
            every = os.path.join(tmp, "real.nc")
            if common.run_healgrid_ok(["--input", real, "--output", every, "--quiet"], 1, checks,
                                      "real run"):
                check_info(checks, "real", every)
        else:
            print(f"note: no real granules in {real}; the real-data info check is left out")
    checks.finish()


if __name__ == "__main__":
    main()
