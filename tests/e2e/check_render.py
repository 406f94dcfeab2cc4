#!/usr/bin/env python3
"""End-to-end check of `healgrid render`: the pictures are right pixel by pixel.

--data synth: one synthetic Antarctic granule (healgrid synth), gridded by healgrid run.
--data real:  the real ATL06 granules of <shared>/data/real (Greenland and Antarctica outputs).

For each picture, independently of healgrid's code (tests/e2e/render_reference.py): every map
pixel is recomputed with pyproj (inverse projection of the pixel centre), numpy (authalic
latitude) and healpy (cell id), looked up in the file's cell_ids/values (netCDF4) and coloured
from the colormap anchors: data cells get their colour, empty cells the map background, points
off the projection the page colour. Known cells are also placed by pyproj's *forward*
projection of their centres. Further checks: the default projection and range (numpy
percentiles), the auto extent holding every cell with data, the colorbar's colours, the
presence of the title and label text, the graticule (only blended, along the parallels, its
labels over the map masked), and (synth) that 2 MPI ranks write the identical file.

Legibility and geography: the drawn order (automatic, or --order) with every coarse value
recomputed from the file's cells with numpy (counts summed, min/max, count-weighted means);
coastlines against the GSHHG file decoded here with netCDF4 (a known vertex lands on the pixel
pyproj predicts, and every pixel the coastlines change lies next to a projected segment); the
automatic projection (Lambert azimuthal equal-area centred on mid-latitude data, from a real
GEDI granule); the aspect-ratio cap of the auto extent; the warning for an empty hemisphere.

Extremes (synth): a 1e20 outlier, a range far below the data (--range 0,1e-6 and 0,1e38), +-inf
values (default range, --range, --log) and a variable with no finite value, each picture
checked pixel by pixel (values beyond the range take the end colours, the range is numpy's
percentiles of the finite values); colorbar ticks printed short. Antimeridian (synth): an
--extent box across 180 degrees in plate carree, Mollweide and laea is that box, pixel by pixel.
"""

import argparse
import os
import re
import shutil
import subprocess

import common  # isort: skip (fails clearly when numpy, healpy... are missing)
from common import Checks  # isort: skip

import h5py  # noqa: E402
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
import render_reference as rr  # noqa: E402


def render(checks, label, args, nprocs=1):
    """Run render; the parsed report, or None (failure recorded)."""
    rc, out = rr.run_render(args, nprocs)
    if not checks.check(rc == 0, f"{label}: healgrid render exited {rc}\n{out}"):
        return None
    report = rr.parse_report(out)
    report["text"] = out
    missing = [k for k in rr.REPORT_PATTERNS if k not in report and k != "graticule"]
    if not checks.check(not missing, f"{label}: report lacks {missing}:\n{out}"):
        return None
    print(f"{label}: {report['image'][0]:.0f}x{report['image'][1]:.0f} px, "
          f"{report['projection']}, {report['cells'][1]:.0f} pixels with data")
    return report


def check_range(checks, label, report, values, log, symmetric=False):
    """The reported colour range is numpy's 2nd/98th percentile of the finite values with data
    (an infinite one would make the range infinite)."""
    v = values[np.isfinite(values)]
    if log:
        v = v[v > 0]
    lo, hi = np.percentile(v, [2, 98])
    if symmetric:
        hi = max(abs(lo), abs(hi))
        lo = -hi
    got = report["range"]
    checks.check(np.allclose(got, (lo, hi), rtol=1e-12, atol=1e-9),
                 f"{label}: range {got}, numpy percentiles give {(lo, hi)}")


def check_picture(checks, label, png, report, output, var, cmap, log):
    """Full-pixel comparison, colorbar, text; returns (image, drawn ids, values, order, conv)."""
    file_ids, file_values, _, convention, _, _ = rr.read_output(output, var)
    ids, values, level = rr.drawn_cells(output, var, report)
    image = rr.load_png(png)
    checks.check(image.shape[1] == report["image"][0] and image.shape[0] == report["image"][1],
                 f"{label}: PNG is {image.shape[1]}x{image.shape[0]}, report says "
                 f"{report['image']}")
    expected, index = rr.expected_map(report, ids, values, level, convention, cmap, log)
    data_pixels = rr.compare_map(checks, label, image, report, expected, index, cmap)
    checks.check(data_pixels > 0, f"{label}: the reference has no data pixel: a useless test")
    checks.check(abs(data_pixels - report["cells"][1]) <= max(2, 1e-4 * expected.size / 3),
                 f"{label}: report says {report['cells'][1]} data pixels, reference {data_pixels}")
    checks.check(report["cells"][0] == np.count_nonzero(~np.isnan(file_values)),
                 f"{label}: report says {report['cells'][0]} cells with data")
    check_colorbar(checks, label, image, report, cmap)
    check_text(checks, label, image, report)
    return image, ids, values, level, convention


def check_colorbar(checks, label, image, report, cmap):
    """Colorbar column i shows table[floor(256 (i + 0.5) / width)], over its whole height."""
    x0, y0, width, height = (int(v) for v in report["colorbar"])
    table = rr.colormap_table(cmap)
    k = np.minimum(np.floor((np.arange(width) + 0.5) / width * 256).astype(int), 255)
    bar = image[y0:y0 + height, x0:x0 + width].astype(int)
    ok = np.all(bar == table[k][None, :, :].astype(int), axis=2)
    checks.check(ok.all(), f"{label}: {np.count_nonzero(~ok)} colorbar pixels are not the "
                 f"colormap's colours")


def check_text(checks, label, image, report):
    """Ink (dark antialiased text) above the map (title) and under the colorbar (ticks, label)."""
    _, map_y0, _, _ = (int(v) for v in report["map"])
    _, cb_y0, _, cb_h = (int(v) for v in report["colorbar"])
    ink = np.all(image < 80, axis=2)
    checks.check(ink[:map_y0].sum() >= 200, f"{label}: no title text above the map "
                 f"({ink[:map_y0].sum()} ink pixels)")
    checks.check(ink[cb_y0 + cb_h:].sum() >= 200, f"{label}: no tick/label text under the "
                 f"colorbar ({ink[cb_y0 + cb_h:].sum()} ink pixels)")


def check_known_cells(checks, label, image, report, ids, values, level, convention, cmap, log,
                      count=40):
    """Cells with data, placed by pyproj's forward projection of their centres, show their
    colour (when pixels are small enough for a pixel centre to fall in the same cell)."""
    x_min, x_max, _, _ = report["extent"]
    pixel_m = (x_max - x_min) / report["map"][2]
    cell_m = np.sqrt(4 * np.pi * 6371007.2 ** 2 / (12 * 4 ** level))
    if not checks.check(pixel_m <= cell_m / 3 * (1 + 1e-9), f"{label}: pixels of {pixel_m:.0f} "
                        f"m are too coarse for known-cell checks (cells {cell_m:.0f} m)"):
        return
    has = np.flatnonzero(~np.isnan(values))
    lon, lat = rr.cell_centres(ids[has], level, convention)
    cols, rows = rr.forward_pixels(report, lon, lat)
    area = rr.map_area(image, report).astype(int)
    inside = np.flatnonzero((cols >= 0) & (rows >= 0) & (cols < area.shape[1]) &
                            (rows < area.shape[0]))
    checks.check(inside.size >= min(10, has.size),
                 f"{label}: only {inside.size} cells with data inside the map")
    chosen = inside[np.linspace(0, inside.size - 1, min(count, inside.size)).astype(int)]
    pick, cols, rows = has[chosen], cols[chosen], rows[chosen]
    table = rr.colormap_table(cmap).astype(int)
    k = rr.colour_index(values[pick], *report["range"], log)
    bad = []
    for i in range(pick.size):
        got = area[rows[i], cols[i]]
        allowed = [table[np.clip(k[i] + d, 0, 255)] for d in (-1, 0, 1)]
        if not any(np.array_equal(got, a) for a in allowed):
            bad.append(f"cell {ids[pick[i]]} at (row {rows[i]}, col {cols[i]}): got "
                       f"{tuple(got)}, expected {tuple(table[k[i]])}")
    checks.check(not bad, f"{label}: {len(bad)} known cells have the wrong colour: {bad[:3]}")


def check_extent_holds_data(checks, label, report, ids, values, level, convention):
    """Auto extent: every cell centre with data projects inside the map area."""
    has = ~np.isnan(values)
    lon, lat = rr.cell_centres(ids[has], level, convention)
    cols, rows = rr.forward_pixels(report, lon, lat)
    _, _, width, height = (int(v) for v in report["map"])
    out = np.count_nonzero((cols < 0) | (rows < 0) | (cols >= width) | (rows >= height))
    checks.check(out == 0, f"{label}: {out} cells with data lie outside the auto extent")


def check_graticule(checks, label, with_lines, without_lines, report, bare_report, lat_span):
    """Lines only darken (black at alpha 0.35) and run along multiples of the latitude step;
    labels drawn over the map (their reported boxes) are left out of the comparison."""
    a = rr.map_area(with_lines, report).astype(int)
    b = rr.map_area(without_lines, bare_report).astype(int)  # label bands move the map
    diff = np.any(a != b, axis=2)
    for x0, y0, w, h in report["inside_labels"]:
        diff[max(0, y0):max(0, y0 + h), max(0, x0):max(0, x0 + w)] = False
    checks.check(diff.sum() > 0, f"{label}: the graticule draws nothing")
    blended = np.floor(b * (1 - rr.GRATICULE_ALPHA) + 0.5).astype(int)
    wrong = np.count_nonzero(np.any(a[diff] != blended[diff], axis=1))
    checks.check(wrong == 0, f"{label}: {wrong} graticule pixels are not the blended colour")
    step = report["graticule"][0]
    lat_lo, lat_hi = lat_span
    parallels = [p for p in np.arange(np.ceil(lat_lo / step), np.floor(lat_hi / step) + 1) * step]
    checks.check(parallels, f"{label}: no parallel of step {step} inside {lat_span}")
    for lat in parallels[:3]:
        lon = np.linspace(-180, 180, 20001)
        cols, rows = rr.forward_pixels(report, lon, np.full(lon.size, lat))
        inside = (cols >= 1) & (rows >= 1) & (cols < diff.shape[1] - 1) & (rows < diff.shape[0] - 1)
        if inside.sum() == 0:
            continue
        near = np.zeros(inside.sum(), bool)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                near |= diff[rows[inside] + dr, cols[inside] + dc]
        checks.check(near.mean() > 0.95, f"{label}: the parallel {lat} is drawn at only "
                     f"{near.mean():.0%} of its points")


def lat_span_of_map(report):
    """Latitude range of the map area (pyproj inverse of a grid of points)."""
    x_min, x_max, y_min, y_max = report["extent"]
    xs, ys = np.meshgrid(np.linspace(x_min, x_max, 50), np.linspace(y_min, y_max, 50))
    _, lat = rr.transformer(report).transform(xs.ravel(), ys.ravel(), direction="INVERSE")
    lat = np.asarray(lat)
    lat = lat[np.isfinite(lat)]
    return float(lat.min()), float(lat.max())


def zoom_bbox(output, var, half_lon, half_lat):
    """A lon/lat box around the median cell with data."""
    ids, values, level, convention, _, _ = rr.read_output(output, var)
    has = np.flatnonzero(~np.isnan(values))
    lon, lat = rr.cell_centres(ids[has[has.size // 2:has.size // 2 + 1]], level, convention)
    lon, lat = float(lon[0]), float(lat[0])
    return f"{lon - half_lon:.6f},{lat - half_lat:.6f},{lon + half_lon:.6f},{lat + half_lat:.6f}"


def check_ticks(checks, label, report_text, report, log):
    """Colorbar ticks: inside the range, at round values (multiples of one 1/2/5 x 10^k step),
    decades on a log scale (1/2/5 x 10^k when less than two decades fit)."""
    m = re.search(r"colorbar ticks:(.*)", report_text)
    ticks = [float(v) for v in m.group(1).split()] if m else []
    lo, hi = report["range"]
    if not checks.check(len(ticks) >= 2, f"{label}: only {len(ticks)} colorbar ticks"):
        return
    # Printed short: round values need few digits (not 9.9999999999999979e+37 for 1e38).
    digits = [len(re.sub(r"e.*|[^0-9]", "", t).lstrip("0")) for t in m.group(1).split()]
    checks.check(max(digits) <= 10, f"{label}: ticks printed with noise digits: {m.group(1)}")
    checks.check(all(lo * (1 - 1e-9) - 1e-12 <= t <= hi * (1 + 1e-9) + 1e-12 for t in ticks),
                 f"{label}: ticks {ticks} outside the range {lo}..{hi}")

    def round_number(v):
        mantissa = abs(v) / 10 ** np.floor(np.log10(abs(v)))
        return any(abs(mantissa - c) < 1e-9 for c in (1, 2, 5, 10))

    if log:
        checks.check(all(round_number(t) for t in ticks), f"{label}: log ticks {ticks}")
        return
    steps = np.diff(ticks)
    checks.check(np.allclose(steps, steps[0], rtol=1e-9) and round_number(steps[0]) and
                 all(abs(t / steps[0] - round(t / steps[0])) < 1e-6 for t in ticks),
                 f"{label}: ticks {ticks} are not multiples of one round step")


def check_order(checks, label, report, output):
    """The automatic order: the finest whose cells (sqrt of the area) are >= 3 pixels wide."""
    _, _, level, _, _, _ = rr.read_output(output, "count")
    x_min, x_max, _, _ = report["extent"]
    pixel = (x_max - x_min) / report["map"][2]
    order = level
    while order > 0 and np.sqrt(4 * np.pi * 6371007.2 ** 2 / (12 * 4 ** order)) < 3 * pixel:
        order -= 1
    checks.check(int(report["order"][0]) == order and int(report["order"][1]) == level,
                 f"{label}: drawn order {report['order']}, expected {order} of level {level}")


def coastline_cases(checks, tmp, output):
    """Coastlines against GSHHG decoded here: the Ross ice front (level 5, solid) near 178 E,
    78 S and the grounding line (level 6, dashed) of Pine Island Glacier near 100.7 W, 75.2 S."""
    if not os.path.exists(rr.GSHHG_LOW):
        checks.fail(f"{rr.GSHHG_LOW} is missing: scripts/install-deps.sh installs gmt-gshhg-low")
        return
    segments = rr.read_gshhg(rr.GSHHG_LOW)
    coastline_vertex(checks, tmp, output, segments, "ice-front", 5, 178.0, -78.0, 1)
    coastline_vertex(checks, tmp, output, segments, "grounding-line", 6, -100.7, -75.2, 2)


def coastline_vertex(checks, tmp, output, segments, label, level, near_lon, near_lat, radius):
    """The GSHHG vertex of `level` nearest (near_lon, near_lat) is drawn within `radius` pixels
    of the pixel pyproj predicts (dashed lines may leave a gap), and every pixel the coastlines
    change lies within 2.5 pixels of a projected segment."""
    lines = [(lon, lat) for lev, lon, lat in segments if lev == level]
    lon = np.concatenate([a for a, _ in lines])
    lat = np.concatenate([b for _, b in lines])
    lon = np.where(lon > 180, lon - 360, lon)
    pick = np.argmin(np.hypot((lon - near_lon) * np.cos(np.radians(near_lat)), lat - near_lat))
    v_lon, v_lat = float(lon[pick]), float(lat[pick])
    bbox = f"{v_lon - 3:.6f},{v_lat - 0.6:.6f},{v_lon + 3:.6f},{v_lat + 0.6:.6f}"
    common_args = ["--size", "500", "--extent", bbox, "--no-graticule"]
    with_png, without_png = (os.path.join(tmp, f"{label}{k}.png") for k in ("", "-bare"))
    report = render(checks, label, [output, "--png", with_png, "--coastlines", rr.GSHHG_LOW,
                                    *common_args])
    bare = render(checks, f"{label}-bare", [output, "--png", without_png, "--coastlines",
                                            "none", *common_args])
    if report is None or bare is None:
        return
    a = rr.map_area(rr.load_png(with_png), report).astype(int)
    b = rr.map_area(rr.load_png(without_png), report).astype(int)
    changed = np.any(a != b, axis=2)
    checks.check(changed.sum() > 200, f"{label}: only {changed.sum()} pixels show coastlines")
    col, row = rr.forward_pixels(report, np.array([v_lon]), np.array([v_lat]))
    col, row = int(col[0]), int(row[0])
    near = changed[max(0, row - radius):row + radius + 1, max(0, col - radius):col + radius + 1]
    checks.check(near.any(), f"{label}: nothing drawn at the GSHHG vertex ({v_lon:.4f}, "
                 f"{v_lat:.4f}), pixel (row {row}, col {col}) by pyproj")
    # Every changed pixel centre lies within 2.5 pixels of a projected segment (pyproj, in
    # fractional pixels).
    _, _, width, _ = report["map"]
    x_min, x_max, _, y_max = report["extent"]
    pixel = (x_max - x_min) / width
    starts, ends = [], []
    for _, slon, slat in segments:
        if slat.max() < v_lat - 2 or slat.min() > v_lat + 2:
            continue
        x, y = rr.transformer(report).transform(np.where(slon > 180, slon - 360, slon), slat)
        p = np.stack([(np.asarray(x) - x_min) / pixel, (y_max - np.asarray(y)) / pixel], axis=1)
        starts.append(p[:-1])
        ends.append(p[1:])
    a0, a1 = np.concatenate(starts), np.concatenate(ends)
    rows, cols = np.nonzero(changed)
    q = np.stack([cols + 0.5, rows + 0.5], axis=1)[:, None, :]
    d = a1 - a0
    t = np.clip(np.sum((q - a0) * d, axis=2) / np.maximum(np.sum(d * d, axis=1), 1e-12), 0, 1)
    dist = np.linalg.norm(q - (a0 + t[..., None] * d), axis=2).min(axis=1)
    far = int(np.count_nonzero(dist > 2.5))
    checks.check(far == 0, f"{label}: {far} of {rows.size} changed pixels are away from every "
                 "GSHHG segment")
    print(f"{label}: {rows.size} coastline pixels, vertex ({v_lon:.4f}, {v_lat:.4f}) at pixel "
          f"({row}, {col})")


def run_job(checks, label, inputs, output, extra=()):
    args = []
    for path in inputs:
        args += ["--input", path]
    return common.run_healgrid_ok(args + ["--output", output, "--quiet", *extra], 1, checks, label)


def full_case(checks, label, tmp, output, var, cmap, log, extra, expect_projection=None,
              known_cells=True, extent_holds=False, symmetric=False):
    """Render without graticule and check everything; returns (png path, report)."""
    png = os.path.join(tmp, f"{label}.png")
    args = [output, "--png", png, "--var", var, "--cmap", cmap, "--no-graticule",
            "--coastlines", "none", *extra]
    report = render(checks, label, args + (["--log"] if log else []))
    if report is None:
        return None, None
    if expect_projection:
        checks.check(report["projection"] == expect_projection,
                     f"{label}: default projection {report['projection']}, expected "
                     f"{expect_projection}")
    image, ids, values, level, conv = check_picture(checks, label, png, report, output, var,
                                                    cmap, log)
    if "--range" not in extra:  # of the drawn cells on the map
        shown = rr.on_map(report, ids, level, conv)
        check_range(checks, label, report, values[shown], log, symmetric)
    check_ticks(checks, label, report["text"], report, log)
    if known_cells:
        check_known_cells(checks, label, image, report, ids, values, level, conv, cmap, log)
    if extent_holds:
        file_ids, file_values, file_level, _, _, _ = rr.read_output(output, var)
        check_extent_holds_data(checks, label, report, file_ids, file_values, file_level, conv)
    return png, report


def synth_cases(checks, tmp):
    granules = os.path.join(tmp, "granules")
    mpiexec = os.environ.get("MPIEXEC") or "mpirun"
    proc = subprocess.run([mpiexec, "-np", "1", common.healgrid_bin(), "synth", "--granules", "1",
                           "--output-dir", granules], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
    if not checks.check(proc.returncode == 0, f"synth failed:\n{proc.stdout}"):
        return
    output = os.path.join(tmp, "synth.nc")
    if not run_job(checks, "synth run", [granules], output):
        return
    png, report = full_case(checks, "synth-auto", tmp, output, "h_mean", "viridis", False,
                            ["--size", "300"], expect_projection="south-polar-stereo",
                            extent_holds=True)
    if report:
        check_order(checks, "synth-auto", report, output)
    bbox = zoom_bbox(output, "h_mean", 1.5, 0.4)
    zoom = ["--size", "400", "--extent", bbox]
    png, report = full_case(checks, "synth-zoom", tmp, output, "h_mean", "cividis", False, zoom)
    if report is None:
        return
    lined = os.path.join(tmp, "synth-lines.png")
    lined_report = render(checks, "synth-lines", [output, "--png", lined, "--cmap", "cividis",
                                                  "--coastlines", "none", *zoom])
    if lined_report:
        check_graticule(checks, "synth-lines", rr.load_png(lined), rr.load_png(png), lined_report,
                        report, lat_span_of_map(report))
    # Rows split over 2 ranks: the identical file.
    two = os.path.join(tmp, "synth-np2.png")
    if render(checks, "synth-np2", [output, "--png", two, "--cmap", "cividis", "--no-graticule",
                                    "--coastlines", "none", *zoom], nprocs=2):
        with open(png, "rb") as a, open(two, "rb") as b:
            checks.check(a.read() == b.read(), "synth-np2: 2 ranks wrote a different PNG")
    full_case(checks, "synth-diverging", tmp, output, "h_mean", "rdbu_r", False, zoom,
              symmetric=True)
    full_case(checks, "synth-count-log", tmp, output, "count", "viridis", True,
              ["--size", "720x640", "--extent", bbox, "--projection", "plate-carree"])
    full_case(checks, "synth-range", tmp, output, "h_sigma", "viridis", False,
              zoom + ["--range", "0.004,0.012"])
    # Coarsening: each rule against numpy (the full-pixel comparison uses rr.coarsen).
    for var, log in (("count", True), ("h_min", False), ("h_mean", False)):
        png, rep = full_case(checks, f"synth-order-{var}", tmp, output, var, "viridis", log,
                             ["--size", "300", "--order", "7"], known_cells=False)
        if rep:
            checks.check(int(rep["order"][0]) == 7, f"synth-order-{var}: order {rep['order']}")
    # The hemisphere without data: a warning, not a silent empty map.
    rc, out = rr.run_render([output, "--png", os.path.join(tmp, "north.png"), "--size", "200",
                             "--projection", "north-polar-stereo"])
    checks.check(rc == 0 and "warning: no cell with data lies in the northern hemisphere" in out,
                 f"synth-north: exit {rc}, no hemisphere warning:\n{out}")
    # ... and an empty map of the Arctic: no Antarctic cell drawn through the antipode, an
    # extent of the polar cap (beyond 60 N: 7 000 km across), not of the far side of the globe.
    extent = re.search(r"extent: x_min=(\S+) x_max=(\S+) y_min=(\S+) y_max=(\S+)", out)
    checks.check(" 0 map pixels with data" in out and extent is not None
                 and float(extent.group(2)) - float(extent.group(1)) < 8.0e6
                 and float(extent.group(4)) - float(extent.group(3)) < 8.0e6,
                 f"synth-north: not an empty map of the Arctic:\n{out}")
    coastline_cases(checks, tmp, output)
    extreme_value_cases(checks, tmp, output)
    antimeridian_cases(checks, tmp)


def modified_copy(source, path, var, change):
    """A copy of `source` whose `var` values (NaN for fill) go through change(values, has)."""
    shutil.copyfile(source, path)
    with netCDF4.Dataset(path, "r+") as ds:
        values = np.ma.filled(ds[var][:].astype(np.float64), np.nan)
        has = np.flatnonzero(~np.isnan(values))
        ds[var][has] = change(values[has].copy(), has).astype(ds[var].dtype)
    return path


def extreme_value_cases(checks, tmp, output):
    """Far outliers and infinite values (a float32 overflow in the file): the range comes from
    the finite values, values beyond it take the end colours (no int overflow: 1e20 and
    --range 0,1e-6 crashed), +-inf too, and nothing hangs (an infinite range did)."""

    def one_huge(v, has):
        v[v.size // 2] = 1e20
        return v

    def infinite(v, has):
        v[0], v[-1] = np.inf, -np.inf  # far apart: no coarse cell mixes them
        return v

    size = ["--size", "300", "--no-graticule", "--coastlines", "none"]
    outlier = modified_copy(output, os.path.join(tmp, "outlier.nc"), "h_mean", one_huge)
    full_case(checks, "outlier-1e20", tmp, outlier, "h_mean", "viridis", False, ["--size", "300"],
              known_cells=False)
    full_case(checks, "range-1e-6", tmp, output, "h_mean", "viridis", False,
              ["--size", "300", "--range", "0,1e-6"], known_cells=False)
    full_case(checks, "range-1e38", tmp, output, "h_mean", "cividis", False,
              ["--size", "300", "--range", "0,1e38"], known_cells=False)
    inf = modified_copy(output, os.path.join(tmp, "inf.nc"), "h_mean", infinite)
    for label, extra, log in (("inf-auto", [], False), ("inf-range", ["--range", "0,1"], False),
                              ("inf-log-range", ["--range", "0.1,1"], True)):
        full_case(checks, label, tmp, inf, "h_mean", "viridis", log, ["--size", "300"] + extra,
                  known_cells=False)
    # Nothing finite at all: a clear warning and a constant range, every cell the top colour.
    every = modified_copy(output, os.path.join(tmp, "all-inf.nc"), "h_sigma",
                          lambda v, has: np.full(v.size, np.inf))
    png = os.path.join(tmp, "all-inf.png")
    report = render(checks, "all-inf", [every, "--png", png, "--var", "h_sigma", *size])
    if report:
        checks.check("no finite value" in report["text"] and report["range"] == (0.0, 1.0),
                     f"all-inf: no warning or range 0..1:\n{report['text']}")
        check_picture(checks, "all-inf", png, report, every, "h_sigma", "viridis", False)


def antimeridian_cases(checks, tmp):
    """A track from 170 E to 170 W (crafted ATL06 granule): an --extent box across the
    antimeridian (170..190, -190..-170, or 170..-170 with lon_min > lon_max) is that box in
    every projection (the world maps centred on it), not a strip of the whole world; every
    pixel against pyproj."""
    folder = os.path.join(tmp, "antimeridian")
    os.makedirs(folder)
    lon = np.concatenate([np.linspace(170, 180, 200), np.linspace(-180, -170, 200)])
    write_atl06(os.path.join(folder, "ATL06_20190101000000_00010110_006_01.h5"),
                np.linspace(20, 26, 400), lon, np.linspace(0, 1000, 400))
    output = os.path.join(tmp, "antimeridian.nc")
    if not run_job(checks, "antimeridian run", [folder], output):
        return
    for box in ("170,20,190,30", "-190,20,-170,30", "170,20,-170,30"):
        for projection in ("plate-carree", "mollweide", "laea"):
            label = f"antimeridian-{projection}-{box}"  # no space: the report's file name
            _, report = full_case(checks, label, tmp, output, "h_mean", "viridis", False,
                                  ["--size", "300", "--extent", box, "--projection", projection,
                                   "--range", "0,1000"],
                                  known_cells=False)
            if report:
                check_box_extent(checks, label, report, [float(v) for v in box.split(",")])
    # The whole world in a world map centred on the data (lon_0 180 here): `global`, a box
    # of 360 degrees from 0, and -180..180 all span both edges, every pixel against pyproj.
    for extent in ("global", "0,-90,360,90", "-180,-90,180,90"):
        for projection in ("plate-carree", "mollweide"):
            label = f"world-{projection}-{extent}"
            _, report = full_case(checks, label, tmp, output, "h_mean", "viridis", False,
                                  ["--size", "400", "--extent", extent, "--projection",
                                   projection, "--range", "0,1000"], known_cells=False)
            if report:
                check_world_extent(checks, label, report)


def check_world_extent(checks, label, report):
    """The map spans the world: from just east of its cut (lon_0 - 180) to just west of it."""
    lon_0 = re.search(r"\+lon_0=(\S+)", report["crs"])
    lon_0 = float(lon_0.group(1)) if lon_0 else 0.0
    x, _ = rr.transformer(report).transform([lon_0 - 179.9999, lon_0 + 179.9999], [0.0, 0.0])
    x_min, x_max, _, _ = report["extent"]
    pixel = (x_max - x_min) / report["map"][2]
    checks.check(abs(x_min - x[0]) <= 2 * pixel and abs(x_max - x[1]) <= 2 * pixel,
                 f"{label}: map x {x_min:.0f}..{x_max:.0f} m, the world {x[0]:.0f}..{x[1]:.0f} m")


def check_box_extent(checks, label, report, box):
    """The map is the box: its edges (densified, projected by pyproj in the reported CRS) lie
    inside the extent and span its width, and the map is about as wide as the box is on the
    ground along its middle parallel (a world strip is 20 times wider)."""
    lon0, lat0, lon1, lat1 = box
    if lon1 < lon0:
        lon1 += 360
    t = np.linspace(0, 1, 256)
    lon = np.concatenate([lon0 + t * (lon1 - lon0)] * 2 + [np.full(256, lon0), np.full(256, lon1)])
    lat = np.concatenate([np.full(256, lat0), np.full(256, lat1)] + [lat0 + t * (lat1 - lat0)] * 2)
    x, y = rr.transformer(report).transform(np.where(lon > 180, lon - 360, lon), lat)
    x, y = np.asarray(x), np.asarray(y)
    x_min, x_max, y_min, y_max = report["extent"]
    pixel = (x_max - x_min) / report["map"][2]
    inside = ((x >= x_min - pixel) & (x <= x_max + pixel) & (y >= y_min - pixel) &
              (y <= y_max + pixel))
    ground = np.radians(lon1 - lon0) * 6378137.0 * np.cos(np.radians((lat0 + lat1) / 2))
    checks.check(inside.all() and x_max - x_min <= 1.5 * ground and
                 abs((x.max() - x.min()) - (x_max - x_min)) <= 2 * pixel,
                 f"{label}: map x {x_min:.0f}..{x_max:.0f} m, the box's edges {x.min():.0f}.."
                 f"{x.max():.0f} m ({np.count_nonzero(~inside)} outside), {ground:.0f} m on the "
                 "ground")


def write_atl06(path, lat, lon, h):
    """A minimal ATL06 granule (one beam, gt1l) that config/atl06.yaml reads."""
    n = len(lat)
    with h5py.File(path, "w") as f:
        f["ancillary_data/atlas_sdp_gps_epoch"] = np.array([1198800018.0])
        g = f.create_group("gt1l/land_ice_segments")
        for name, values, units in (("latitude", lat, "degrees_north"),
                                    ("longitude", lon, "degrees_east"),
                                    ("delta_time", np.full(n, 4e7), "seconds since 2018-01-01")):
            g.create_dataset(name, data=np.asarray(values, "f8")).attrs["units"] = units
        for name, values in (("h_li", h), ("h_li_sigma", np.ones(n))):
            d = g.create_dataset(name, data=np.asarray(values, "f4"))
            d.attrs["_FillValue"] = np.float32(3.4028235e38)
            d.attrs["units"] = "meters"
        d = g.create_dataset("atl06_quality_summary", data=np.zeros(n, "i1"))
        d.attrs["_FillValue"] = np.int8(127)


def real_cases(checks, tmp):
    files = common.real_atl06_files()
    region = {f: int(re.search(r"_\d{14}_\d{6}(\d{2})_", os.path.basename(f)).group(1))
              for f in files}
    greenland = [f for f in files if 3 <= region[f] <= 5]
    antarctica = [f for f in files if 10 <= region[f] <= 12]
    if not greenland or not antarctica:
        common.skip(f"need real Greenland and Antarctic ATL06 granules in {files}")
    north = os.path.join(tmp, "greenland.nc")
    if run_job(checks, "greenland run", greenland, north):
        _, report = full_case(checks, "real-greenland-count", tmp, north, "count", "viridis",
                              True, ["--size", "300"], expect_projection="north-polar-stereo",
                              extent_holds=True)
        if report:  # a few north-south tracks: the extent is widened, not a 1:3 strip
            _, _, width, height = report["map"]
            checks.check(height / width <= 1.25 + 1 / width,
                         f"real-greenland-count: map area {width:.0f}x{height:.0f} is taller "
                         "than 1.25:1")
            check_order(checks, "real-greenland-count", report, north)
    south = os.path.join(tmp, "antarctica.nc")
    if run_job(checks, "antarctica run", antarctica, south, ["--latitude", "geodetic"]):
        full_case(checks, "real-antarctica-h_mean", tmp, south, "h_mean", "viridis", False,
                  ["--size", "300"], expect_projection="south-polar-stereo", extent_holds=True)
        full_case(checks, "real-antarctica-mollweide", tmp, south, "h_q50", "cividis", False,
                  ["--size", "240", "--projection", "mollweide"], known_cells=False,
                  extent_holds=True)
    both = os.path.join(tmp, "both.nc")
    if run_job(checks, "both hemispheres run", [greenland[0], antarctica[0]], both):
        both_hemispheres_case(checks, tmp, both)
    mid_latitude_case(checks, tmp)


def both_hemispheres_case(checks, tmp, output):
    """A file with Greenland and Antarctic cells: a polar map, or a box, shows some of them, and
    the default colour range is the percentiles of those on the map (it was of every cell: a
    0..1750 m bar with every Antarctic cell the same colour); the report counts them."""
    ids, values, level, conv, _, _ = rr.read_output(output, "h_mean")
    have = ~np.isnan(values)
    lon, lat = rr.cell_centres(ids[have], level, conv)
    v = values[have]
    south = lat < 0
    box = (-180, -90, 180, -60)
    for label, args, shown in (
            ("south-polar", ["--projection", "south-polar-stereo"], south),
            ("north-polar", ["--projection", "north-polar-stereo"], ~south),
            ("box", ["--projection", "plate-carree", "--extent", ",".join(map(str, box))], south)):
        png = os.path.join(tmp, f"both-{label}.png")
        report = render(checks, f"both hemispheres {label}",
                        [output, "--png", png, "--size", "300", "--order", str(level)] + args)
        if report is None:
            continue
        check_range(checks, f"both hemispheres {label}", report, v[shown], False)
        want = f"{shown.sum()} cells drawn, {(~shown).sum()} off the map"
        checks.check(want in report["text"] and "of the cells on the map" in report["text"],
                     f"both hemispheres {label}: report lacks '{want}':\n{report['text']}")


GEDI_CONFIG = """product: GEDI02_A
title: GEDI L2A ground elevation, HEALPix gridded statistics
groups: [BEAM0001, BEAM0010, BEAM0011, BEAM0101, BEAM0110, BEAM1000, BEAM1011]
coordinates:
  latitude: /{group}/lat_lowestmode
  longitude: /{group}/lon_lowestmode
  time: /{group}/delta_time
variables:
  elev: /{group}/elev_lowestmode
filters:
  - {dataset: "/{group}/quality_flag", op: "==", value: 1}
grid:
  parent_order: 10
  child_order: 17
statistics:
  - {name: count, function: count, variable: elev}
  - {name: elev_mean, function: mean, variable: elev}
"""


def mid_latitude_case(checks, tmp):
    """A real GEDI granule in Brazil (13.7 S): the automatic projection is Lambert azimuthal
    equal-area centred on the data (the middle of its latitude range and longitude arc, to 0.01
    degree), and the picture is exact in it."""
    gedi = [f for f in sorted(os.listdir(os.path.join(common.shared_dir(), "data", "real")))
            if f.startswith("GEDI02_A_")]
    if not gedi:
        print("SKIP mid-latitude case: no GEDI02_A granule")
        return
    config = os.path.join(tmp, "gedi.yaml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(GEDI_CONFIG)
    output = os.path.join(tmp, "gedi.nc")
    path = os.path.join(common.shared_dir(), "data", "real", gedi[0])
    if not run_job(checks, "gedi run", [path], output, ["--config", config]):
        return
    _, report = full_case(checks, "real-gedi-auto", tmp, output, "elev_mean", "viridis", False,
                          ["--size", "400"], expect_projection="laea", extent_holds=True)
    if report is None:
        return
    ids, values, level, conv, _, _ = rr.read_output(output, "elev_mean")
    lon, lat = rr.cell_centres(ids[~np.isnan(values)], level, conv)
    lon_0 = round((lon.min() + lon.max()) / 2, 2)  # no antimeridian here: the plain middle
    lat_0 = round((lat.min() + lat.max()) / 2, 2)
    m = re.search(r"\+lat_0=(\S+) \+lon_0=(\S+)", report["crs"])
    checks.check(m is not None and abs(float(m.group(1)) - lat_0) < 1e-9 and
                 abs(float(m.group(2)) - lon_0) < 1e-9,
                 f"real-gedi-auto: CRS {report['crs']}, expected lat_0={lat_0} lon_0={lon_0}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("synth", "real"), required=True)
    opts = parser.parse_args()
    checks = Checks(f"render ({opts.data})")
    with common.temp_dir("healgrid-render-") as tmp:
        (synth_cases if opts.data == "synth" else real_cases)(checks, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
