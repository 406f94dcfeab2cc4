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
presence of the title and label text, the graticule (only blended, along the parallels), and
(synth) that 2 MPI ranks write the identical file.
"""

import argparse
import os
import re
import subprocess

import common  # isort: skip (fails clearly when numpy, healpy... are missing)
from common import Checks  # isort: skip

import numpy as np  # noqa: E402
import render_reference as rr  # noqa: E402


def render(checks, label, args, nprocs=1):
    """Run render; the parsed report, or None (failure recorded)."""
    rc, out = rr.run_render(args, nprocs)
    if not checks.check(rc == 0, f"{label}: healgrid render exited {rc}\n{out}"):
        return None
    report = rr.parse_report(out)
    missing = [k for k in rr.REPORT_PATTERNS if k not in report and k != "graticule"]
    if not checks.check(not missing, f"{label}: report lacks {missing}:\n{out}"):
        return None
    print(f"{label}: {report['image'][0]:.0f}x{report['image'][1]:.0f} px, "
          f"{report['projection']}, {report['cells'][1]:.0f} pixels with data")
    return report


def check_range(checks, label, report, values, log, symmetric=False):
    """The reported colour range is numpy's 2nd/98th percentile of the values with data."""
    v = values[~np.isnan(values)]
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
    """Full-pixel comparison, colorbar, text; returns (image, data ids, values, level, conv)."""
    ids, values, level, convention, long_name, units = rr.read_output(output, var)
    image = rr.load_png(png)
    checks.check(image.shape[1] == report["image"][0] and image.shape[0] == report["image"][1],
                 f"{label}: PNG is {image.shape[1]}x{image.shape[0]}, report says "
                 f"{report['image']}")
    expected, index = rr.expected_map(report, ids, values, level, convention, cmap, log)
    data_pixels = rr.compare_map(checks, label, image, report, expected, index, cmap)
    checks.check(data_pixels > 0, f"{label}: the reference has no data pixel: a useless test")
    checks.check(abs(data_pixels - report["cells"][1]) <= max(2, 1e-4 * expected.size / 3),
                 f"{label}: report says {report['cells'][1]} data pixels, reference {data_pixels}")
    checks.check(report["cells"][0] == np.count_nonzero(~np.isnan(values)),
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
    """Ink (pure black) above the map (title) and under the colorbar (ticks, label)."""
    _, map_y0, _, _ = (int(v) for v in report["map"])
    _, cb_y0, _, cb_h = (int(v) for v in report["colorbar"])
    ink = np.all(image == 0, axis=2)
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
    if not checks.check(pixel_m < cell_m / 3, f"{label}: pixels of {pixel_m:.0f} m are too "
                        f"coarse for known-cell checks (cells {cell_m:.0f} m)"):
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


def check_graticule(checks, label, with_lines, without_lines, report, lat_span):
    """Lines only darken (black at alpha 0.35) and run along multiples of the latitude step."""
    a = rr.map_area(with_lines, report).astype(int)
    b = rr.map_area(without_lines, report).astype(int)
    diff = np.any(a != b, axis=2)
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
    t = rr.pyproj.Transformer.from_crs("EPSG:4326", rr.CRS[report["projection"]],
                                       always_xy=True)
    _, lat = t.transform(xs.ravel(), ys.ravel(), direction="INVERSE")
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


def run_job(checks, label, inputs, output, extra=()):
    args = []
    for path in inputs:
        args += ["--input", path]
    return common.run_healgrid_ok(args + ["--output", output, "--quiet", *extra], 1, checks, label)


def full_case(checks, label, tmp, output, var, cmap, log, extra, expect_projection=None,
              known_cells=True, extent_holds=False, symmetric=False):
    """Render without graticule and check everything; returns (png path, report)."""
    png = os.path.join(tmp, f"{label}.png")
    args = [output, "--png", png, "--var", var, "--cmap", cmap, "--no-graticule", *extra]
    report = render(checks, label, args + (["--log"] if log else []))
    if report is None:
        return None, None
    if expect_projection:
        checks.check(report["projection"] == expect_projection,
                     f"{label}: default projection {report['projection']}, expected "
                     f"{expect_projection}")
    image, ids, values, level, conv = check_picture(checks, label, png, report, output, var,
                                                    cmap, log)
    if "--range" not in extra:
        check_range(checks, label, report, values, log, symmetric)
    if known_cells:
        check_known_cells(checks, label, image, report, ids, values, level, conv, cmap, log)
    if extent_holds:
        check_extent_holds_data(checks, label, report, ids, values, level, conv)
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
    full_case(checks, "synth-auto", tmp, output, "h_mean", "viridis", False, ["--size", "300"],
              expect_projection="south-polar-stereo", known_cells=False, extent_holds=True)
    bbox = zoom_bbox(output, "h_mean", 1.5, 0.4)
    zoom = ["--size", "400", "--extent", bbox]
    png, report = full_case(checks, "synth-zoom", tmp, output, "h_mean", "cividis", False, zoom)
    if report is None:
        return
    lined = os.path.join(tmp, "synth-lines.png")
    lined_report = render(checks, "synth-lines", [output, "--png", lined, "--cmap", "cividis",
                                                  *zoom])
    if lined_report:
        check_graticule(checks, "synth-lines", rr.load_png(lined), rr.load_png(png), lined_report,
                        lat_span_of_map(report))
    # Rows split over 2 ranks: the identical file.
    two = os.path.join(tmp, "synth-np2.png")
    if render(checks, "synth-np2", [output, "--png", two, "--cmap", "cividis", "--no-graticule",
                                    *zoom], nprocs=2):
        with open(png, "rb") as a, open(two, "rb") as b:
            checks.check(a.read() == b.read(), "synth-np2: 2 ranks wrote a different PNG")
    full_case(checks, "synth-diverging", tmp, output, "h_mean", "rdbu_r", False, zoom,
              symmetric=True)
    full_case(checks, "synth-count-log", tmp, output, "count", "viridis", True,
              ["--size", "720x640", "--extent", bbox, "--projection", "plate-carree"])
    full_case(checks, "synth-range", tmp, output, "h_sigma", "viridis", False,
              zoom + ["--range", "0.004,0.012"])


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
        full_case(checks, "real-greenland-count", tmp, north, "count", "viridis", True,
                  ["--size", "300"], expect_projection="north-polar-stereo", extent_holds=True)
    south = os.path.join(tmp, "antarctica.nc")
    if run_job(checks, "antarctica run", antarctica, south, ["--latitude", "geodetic"]):
        full_case(checks, "real-antarctica-h_mean", tmp, south, "h_mean", "viridis", False,
                  ["--size", "300"], expect_projection="south-polar-stereo", extent_holds=True)
        full_case(checks, "real-antarctica-mollweide", tmp, south, "h_q50", "cividis", False,
                  ["--size", "240", "--projection", "mollweide"], known_cells=False,
                  extent_holds=True)


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
