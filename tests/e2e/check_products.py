#!/usr/bin/env python3
"""End-to-end checks of healgrid on Level-2 products other than ATL06, at --np N ranks.

Each case runs healgrid with a shipped config (config/atl07.yaml, atl08.yaml,
gedi_l2a.yaml) or a config written here, on real granules (<shared>/data/real) or files made
here with h5py, and compares EVERY statistic of EVERY cell with an independent numpy + healpy
calculation. The points are selected and decoded in this file from what the product's datasets
mean (not from the config): CF packing and fill values, 2-D coordinates flattened, per-row values
broadcast, columns of 2-D datasets, sentinels. Then each bad config gives its clear error (exit 2,
naming the config key and the dataset, without advice to skip granules).
"""

import glob
import os

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from healgrid_reference import grid_points, load_config  # noqa: E402

F32_MAX = np.float32(3.4028235e38)


def config_file(name):
    return os.path.join(common.source_dir(), "config", name)


def real_files(pattern):
    return sorted(glob.glob(os.path.join(common.shared_dir(), "data", "real", pattern)))


def write_yaml(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    return path


def variant(cfg_path, tmp, name, old, new):
    """The config file with one piece of text replaced (the replacement must happen)."""
    with open(cfg_path, encoding="utf-8") as stream:
        text = stream.read()
    assert old in text, f"{old!r} not in {cfg_path}"
    return write_yaml(tmp, name, text.replace(old, new))


def stored_fill(dset):
    """The dataset's _FillValue in the dataset's own type, or None."""
    if "_FillValue" not in dset.attrs:
        return None
    return np.asarray(dset.attrs["_FillValue"]).ravel()[0].astype(dset.dtype)


def without_fill(dset, data):
    """True where `data` (stored values of dset) is not the dataset's _FillValue."""
    fill = stored_fill(dset)
    return np.ones(data.shape, bool) if fill is None else data != fill


def run_case(checks, label, cfg_path, inputs, nprocs, tmp, points, extra=()):
    """Runs healgrid; compares with grid_points(points) = (lat, lon, {variable: values})."""
    out = os.path.join(tmp, label.replace(" ", "_").replace(",", "") + ".nc")
    args = ["--config", cfg_path, "--output", out] + list(extra)
    for path in inputs:
        args += ["--input", path]
    if not common.run_healgrid_ok(args, nprocs, checks, label):
        return
    cfg = load_config(cfg_path)
    lat, lon, values = points
    ref = grid_points(cfg, lat, lon, values)
    checks.check(ref["points_used"] > 0, f"{label}: the reference uses no point (test proves "
                 "nothing)")
    ds = common.open_output(out)
    common.compare_to_reference(checks, ds, ref, cfg, label)
    checks.check(int(ds.attrs["points_used"]) == ref["points_used"],
                 f"{label}: points_used {ds.attrs['points_used']} != {ref['points_used']}")


def check_units(checks, path, want):
    """The units attribute of each named variable of the output (UDUNITS strings)."""
    if not os.path.exists(path):
        return  # the run's failure is reported already
    with h5py.File(path, "r") as f:
        for name, units in want.items():
            got = f[name].attrs.get("units", b"")
            got = got.decode() if isinstance(got, bytes) else str(got)
            checks.check(got == units, f"units of {name}: {got!r}, expected {units!r}")


def concat(parts):
    lat = np.concatenate([p[0] for p in parts])
    lon = np.concatenate([p[1] for p in parts])
    names = parts[0][2].keys()
    return lat, lon, {n: np.concatenate([p[2][n] for p in parts]) for n in names}


# ----------------------------------------------------------------------------- CF packed, flat

def make_cf_packed(path, rng, n=6000):
    """A flat file (top-level datasets, no groups) of CF-packed and CF-flagged columns."""
    lat = rng.uniform(-75.0, -70.0, n)
    lat_raw = np.round(lat / 1e-6).astype(np.int32)
    lat_raw[::97] = -2147483647                       # fill, its attribute stored as float64
    h_raw = np.round(rng.normal(500.0, 300.0, n) / 0.05).astype(np.int16)
    h_raw[::53] = -32768                               # fill, its attribute stored as int32
    h_raw[5::71] = 31000                               # beyond valid_range
    t = rng.normal(250.0, 10.0, n).astype(np.float32)
    t[::31] = F32_MAX                                  # float32 fill, attribute float64
    t[3::41] = -999.0                                  # missing_value
    q = rng.integers(0, 6, n).astype(np.uint8)         # 4, 5 beyond valid_max
    g = rng.normal(0.0, 1.0, n).astype(np.float32)
    g[::29] = -9999.0                                  # the config's sentinel
    hours = rng.uniform(0.0, 48.0, n)                  # CF time: hours since 2020-01-01
    with h5py.File(path, "w") as h5:
        d = h5.create_dataset("time", data=hours)
        d.attrs["units"] = np.bytes_("hours since 2020-01-01 00:00:00")
        d = h5.create_dataset("lat", data=lat_raw, chunks=(1000,), compression="gzip")
        d.attrs.create("scale_factor", 1e-6, dtype="f8")
        d.attrs.create("_FillValue", -2147483647.0, dtype="f8")
        h5.create_dataset("lon", data=rng.uniform(-60.0, -50.0, n))
        d = h5.create_dataset("h", data=h_raw, chunks=(1000,), compression="gzip", shuffle=True)
        d.attrs.create("scale_factor", 0.05, dtype="f8")
        d.attrs.create("add_offset", 1000.0, dtype="f4")
        d.attrs.create("_FillValue", -32768, dtype="i4")
        d.attrs.create("valid_range", [-30000, 30000], dtype="i2")
        d.attrs["units"] = np.bytes_("m")
        d = h5.create_dataset("t", data=t)
        d.attrs["units"] = np.bytes_("m s-1")  # its variance: (m s-1)^2, not m s-1^2
        d.attrs.create("_FillValue", 3.4028235e38, dtype="f8")
        d.attrs.create("missing_value", -999.0, dtype="f4")
        h5.create_dataset("flags", data=rng.integers(0, 16, n).astype(np.uint16))
        d = h5.create_dataset("q", data=q)
        d.attrs.create("valid_max", 3, dtype="u1")
        h5.create_dataset("g", data=g)
        d = h5.create_dataset("bad_fill", data=g)
        d.attrs["_FillValue"] = np.bytes_("-9999")
        d = h5.create_dataset("time_noleap", data=hours)
        d.attrs["units"] = np.bytes_("hours since 2020-01-01 00:00:00")
        d.attrs["calendar"] = np.bytes_("noleap")
        write_odd_storage(h5, n12_values(n), g)


def n12_values(n):
    """The values of /n12: 12-bit integers (deterministic, so the reference can recompute them)."""
    return (np.arange(n, dtype=np.int64) * 37 % 4096 - 2048).astype(np.int16)


def write_odd_storage(h5, n12, g):
    """Chunked, deflated datasets whose raw chunks are not the values: /n12, int16 with 12 bits
    of precision at bit offset 2 (HDF5's reduced-precision integers), and /g2, a copy of /g
    shuffled twice before deflate (a valid pipeline). h5py reads both exactly."""
    def create(name, tid, shuffles, data):
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((1000,))
        for _ in range(shuffles):
            dcpl.set_filter(h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FLAG_OPTIONAL)
        dcpl.set_deflate(4)
        space = h5py.h5s.create_simple((len(data),))
        dsid = h5py.h5d.create(h5.id, name, tid, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, data)
    tid = h5py.h5t.STD_I16LE.copy()
    tid.set_precision(12)
    tid.set_offset(2)
    create(b"n12", tid, 0, n12)
    create(b"g2", h5py.h5t.IEEE_F32LE.copy(), 2, g)


CF_CONFIG = """product: CF-packed test
coordinates: {latitude: /lat, longitude: /lon, time: /time}
variables:
  h: /h
  t: /t
  g: {dataset: /g, sentinel: -9999}
  n12: /n12
  g2: {dataset: /g2, sentinel: -9999}
filters:
  - {dataset: /q, op: "<=", value: 1}
grid: {parent_order: 5, child_order: 9}
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_min, function: min, variable: h}
  - {name: h_max, function: max, variable: h}
  - {name: h_mean, function: mean, variable: h}
  - {name: h_std, function: std, variable: h}
  - {name: t_max, function: max, variable: t}
  - {name: t_var, function: variance, variable: t}
  - {name: g_mean, function: mean, variable: g}
  - {name: n12_min, function: min, variable: n12}
  - {name: n12_mean, function: mean, variable: n12}
  - {name: g2_max, function: max, variable: g2}
"""


def cf_packed_points(path, hours=(-np.inf, np.inf)):
    """From the CF meaning: fills, missing values, valid ranges, then raw * scale + offset;
    `hours` is a time window in hours since 2020-01-01 (the time dataset's units)."""
    with h5py.File(path, "r") as h5:
        lat_raw, lon = h5["lat"][()], h5["lon"][()]
        h_raw, t, q, g = h5["h"][()], h5["t"][()], h5["q"][()], h5["g"][()]
        time = h5["time"][()]
    ok = (lat_raw != -2147483647) & (h_raw != -32768) & (h_raw >= -30000) & (h_raw <= 30000)
    ok &= (time >= hours[0]) & (time < hours[1])
    ok &= (t != F32_MAX) & (t != np.float32(-999.0)) & (q <= 3) & (q <= 1) & (g != -9999.0)
    lat = lat_raw.astype(np.float64) * 1e-6
    h = h_raw.astype(np.float64) * 0.05 + 1000.0
    n12 = n12_values(len(lat))
    return lat[ok], lon[ok], {"h": h[ok], "t": t[ok].astype(np.float64),
                              "g": g[ok].astype(np.float64), "n12": n12[ok].astype(np.float64),
                              "g2": g[ok].astype(np.float64)}


EXPRESSION_CONFIG = """product: expression test
coordinates: {latitude: /lat, longitude: /lon, time: /time}
variables:
  h: /h
  t: /t
  q: /q
  flags: /flags
  h_rel: {expression: "h - 0.5 * t"}
filters:
  - {expression: "q in {0, 1} and not bit(flags, 2)"}
  - {expression: "abs(h - 1000) < 400 or t > 255"}
  - {dataset: /g, op: ">", value: -1}
grid: {parent_order: 5, child_order: 9}
statistics:
  - {name: count, function: count, variable: h_rel}
  - {name: h_rel_mean, function: mean, variable: h_rel}
  - {name: h_rel_max, function: max, variable: h_rel}
  - {name: h_rel_q50, function: quantile, variable: h_rel, q: 0.5}
  - {name: flags_mean, function: mean, variable: flags}
"""


def expression_points(path):
    """The expression config from its meaning: q is 0 or 1, bit 2 of flags clear, h within
    400 of 1000 or t above 255, g above -1 (the -9999 fill is no sentinel here: it fails the
    filter); h_rel = h - t / 2 on the decoded values."""
    with h5py.File(path, "r") as h5:
        lat_raw, lon = h5["lat"][()], h5["lon"][()]
        h_raw, t, q, g = h5["h"][()], h5["t"][()], h5["q"][()], h5["g"][()]
        flags = h5["flags"][()]
    h = h_raw.astype(np.float64) * 0.05 + 1000.0
    t64 = t.astype(np.float64)
    ok = (lat_raw != -2147483647) & (h_raw != -32768) & (h_raw >= -30000) & (h_raw <= 30000)
    ok &= (t != F32_MAX) & (t != np.float32(-999.0)) & (q <= 3)
    ok &= np.isin(q, [0, 1]) & ((flags >> 2) & 1 == 0)
    ok &= (np.abs(h - 1000.0) < 400.0) | (t64 > 255.0)
    ok &= g.astype(np.float64) > -1.0
    lat = lat_raw.astype(np.float64) * 1e-6
    return lat[ok], lon[ok], {"h_rel": (h - 0.5 * t64)[ok], "flags": flags[ok].astype(np.float64)}


# ----------------------------------------------------------------------------- swath, flat

def make_swath(path, rng, scans=150, pixels=80):
    """MODIS/VIIRS-like: lat/lon [scan, pixel], a same-shape radiance, per-scan values."""
    row = np.linspace(64.0, 69.0, scans)[:, None]
    col = np.linspace(-1.5, 1.5, pixels)[None, :]
    lat = (row + 0.2 * col).astype(np.float32)
    lon = (-40.0 + 6.0 * col + 0.3 * row).astype(np.float32)
    lat[7, :5] = -999.0                                 # swath edge fill
    radiance = rng.gamma(3.0, 20.0, (scans, pixels)).astype(np.float32)
    radiance[rng.random((scans, pixels)) < 0.05] = -1.0
    scan_quality = (rng.random(scans) < 0.1).astype(np.uint8)
    scan_time = np.arange(scans) * 1.477 + 1000.0
    flags = rng.integers(0, 3, (scans, 4)).astype(np.int16)
    with h5py.File(path, "w") as h5:
        d = h5.create_dataset("geolocation/latitude", data=lat, chunks=(50, 80))
        d.attrs.create("_FillValue", -999.0, dtype="f4")
        h5.create_dataset("geolocation/longitude", data=lon)
        d = h5.create_dataset("data/radiance", data=radiance, chunks=(32, 80), compression="gzip")
        d.attrs.create("_FillValue", -1.0, dtype="f8")
        h5.create_dataset("data/scan_quality", data=scan_quality)
        h5.create_dataset("data/scan_time", data=scan_time)
        h5.create_dataset("data/flags", data=flags)


SWATH_CONFIG = """product: swath test
coordinates: {latitude: /geolocation/latitude, longitude: /geolocation/longitude}
variables:
  radiance: /data/radiance
  scan_time: /data/scan_time
filters:
  - {dataset: /data/scan_quality, op: "==", value: 0}
  - {dataset: "/data/flags[:, 2]", op: "!=", value: 2}
grid: {parent_order: 4, child_order: 10, latitude: geodetic}
statistics:
  - {name: count, function: count, variable: radiance}
  - {name: radiance_mean, function: mean, variable: radiance}
  - {name: radiance_max, function: max, variable: radiance}
  - {name: radiance_q75, function: quantile, variable: radiance, q: 0.75}
  - {name: scan_time_min, function: min, variable: scan_time}
  - {name: scan_time_max, function: max, variable: scan_time}
"""


def swath_points(path):
    """Every pixel a point; per-scan quality, time and flag column 2 repeated across pixels."""
    with h5py.File(path, "r") as h5:
        lat, lon = h5["geolocation/latitude"][()], h5["geolocation/longitude"][()]
        rad = h5["data/radiance"][()]
        pixels = lat.shape[1]
        per_pixel = lambda a: np.repeat(a, pixels)  # noqa: E731
        quality = per_pixel(h5["data/scan_quality"][()])
        time = per_pixel(h5["data/scan_time"][()])
        flag2 = per_pixel(h5["data/flags"][()][:, 2])
    lat, lon, rad = lat.ravel(), lon.ravel(), rad.ravel()
    ok = (lat != np.float32(-999.0)) & (rad != np.float32(-1.0)) & (quality == 0) & (flag2 != 2)
    return (lat[ok].astype(np.float64), lon[ok].astype(np.float64),
            {"radiance": rad[ok].astype(np.float64), "scan_time": time[ok]})


# ----------------------------------------------------------------------------- GEDI L2A

GEDI_BEAMS = ("BEAM0000", "BEAM0001", "BEAM0010", "BEAM0011", "BEAM0101", "BEAM0110",
              "BEAM1000", "BEAM1011")


def make_gedi_like(path, rng, shots=900):
    """GEDI L2A-like shots: lat/lon_lowestmode, elev_lowestmode and rh [N, 101] with -9999."""
    with h5py.File(path, "w") as h5:
        for b, beam in enumerate(GEDI_BEAMS[:5]):
            t = np.linspace(0.0, 1.0, shots)
            lat = -13.0 + 0.8 * t + 0.01 * b
            lon = -44.5 + 0.3 * t
            elev = rng.normal(800.0, 40.0, shots).astype(np.float32)
            elev[rng.random(shots) < 0.05] = -9999.0
            base = np.sort(rng.gamma(2.0, 4.0, (shots, 101)), axis=1)
            rh = (base - base[:, :1] - 2.0).astype(np.float32)
            rh[rng.random(shots) < 0.04] = -9999.0
            g = h5.create_group(beam)
            g.create_dataset("lat_lowestmode", data=lat)
            g.create_dataset("lon_lowestmode", data=lon)
            g.create_dataset("delta_time", data=4.0e7 + t * 60.0)
            g.create_dataset("elev_lowestmode", data=elev)
            g.create_dataset("rh", data=rh, chunks=(128, 101), compression="gzip")
            g.create_dataset("quality_flag", data=(rng.random(shots) < 0.85).astype(np.uint8))
            g.create_dataset("degrade_flag", data=(rng.random(shots) < 0.05).astype(np.uint8))
            g.create_dataset("sensitivity",
                             data=rng.uniform(0.85, 1.0, shots).astype(np.float32))


def gedi_points(paths):
    """Shots with quality_flag 1, degrade_flag 0, sensitivity >= 0.9 (compared in double) and
    no -9999 among elev_lowestmode, rh50 and rh98."""
    parts = []
    for path in paths:
        with h5py.File(path, "r") as h5:
            for beam in GEDI_BEAMS:
                if beam not in h5:
                    continue
                g = h5[beam]
                elev = g["elev_lowestmode"][()]
                rh = g["rh"][()]
                ok = (g["quality_flag"][()] == 1) & (g["degrade_flag"][()] == 0)
                ok &= g["sensitivity"][()].astype(np.float64) >= 0.9
                ok &= (elev != -9999.0) & (rh[:, 50] != -9999.0) & (rh[:, 98] != -9999.0)
                parts.append((g["lat_lowestmode"][()][ok], g["lon_lowestmode"][()][ok],
                              {"elev": elev[ok].astype(np.float64),
                               "rh50": rh[ok, 50].astype(np.float64),
                               "rh98": rh[ok, 98].astype(np.float64)}))
    return concat(parts)


# ----------------------------------------------------------------------------- ICESat-2

BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")


def atl08_points(paths):
    """20 m sub-segments: [N, 5] coordinates and heights flattened; the per-segment
    cloud_flag_atm repeated for the five; 3.4028235e38 (and any _FillValue) is no data."""
    parts = []
    for path in paths:
        with h5py.File(path, "r") as h5:
            for beam in BEAMS:
                if f"{beam}/land_segments/latitude_20m" not in h5:
                    continue
                s = h5[f"{beam}/land_segments"]
                lat, lon = s["latitude_20m"][()], s["longitude_20m"][()]
                can_d, ter_d = s["canopy/h_canopy_20m"], s["terrain/h_te_best_fit_20m"]
                can, ter = can_d[()], ter_d[()]
                ok = (can != F32_MAX) & (ter != F32_MAX)
                ok &= without_fill(can_d, can) & without_fill(ter_d, ter)
                ok &= without_fill(s["latitude_20m"], lat) & without_fill(s["longitude_20m"], lon)
                ok &= np.repeat(s["cloud_flag_atm"][()], lat.shape[1]).reshape(lat.shape) <= 2
                parts.append((lat[ok].astype(np.float64), lon[ok].astype(np.float64),
                              {"canopy": can[ok].astype(np.float64),
                               "terrain": ter[ok].astype(np.float64)}))
    return concat(parts)


GPS_EPOCH_UNIX = 315964800      # 1980-01-06T00:00:00Z
GPS_MINUS_UTC_2019 = 18         # leap seconds between GPS and UTC since 2017-01-01


def atl07_utc(h5, beam):
    """POSIX UTC seconds of each segment: atlas_sdp_gps_epoch + delta_time are GPS seconds."""
    epoch = float(np.asarray(h5["ancillary_data/atlas_sdp_gps_epoch"][()]).ravel()[0])
    gps = epoch + h5[f"{beam}/sea_ice_segments/delta_time"][()]
    return gps + GPS_EPOCH_UNIX - GPS_MINUS_UTC_2019


def atl07_points(paths, window=(-np.inf, np.inf)):
    """Sea-ice segments with a fit quality of 1..3 (-1, the flag's fill, is no fit) and a
    height that is not the height's _FillValue; with a window, only segments whose UTC time
    lies in [start, end)."""
    parts = []
    for path in paths:
        with h5py.File(path, "r") as h5:
            for beam in BEAMS:
                if f"{beam}/sea_ice_segments/latitude" not in h5:  # an empty beam
                    continue
                s = h5[f"{beam}/sea_ice_segments"]
                h_d, f_d = s["heights/height_segment_height"], \
                    s["heights/height_segment_fit_quality_flag"]
                h, flag = h_d[()], f_d[()]
                ok = without_fill(h_d, h) & without_fill(f_d, flag) & (flag <= 3)
                utc = atl07_utc(h5, beam)
                ok &= (utc >= window[0]) & (utc < window[1])
                parts.append((s["latitude"][()][ok], s["longitude"][()][ok],
                              {"h": h[ok].astype(np.float64)}))
    return concat(parts)


def check_atl07_window(checks, files, nprocs, tmp):
    """A config time window that starts inside the first granule and ends inside the last."""
    with h5py.File(files[0], "r") as h5:
        first = atl07_utc(h5, "gt1l")
    with h5py.File(files[-1], "r") as h5:
        last = atl07_utc(h5, "gt1l")
    start = np.floor(np.median(first))
    end = np.floor(np.median(last))
    text = lambda t: np.datetime_as_string(np.datetime64(int(t), "s")) + "Z"  # noqa: E731
    cfg = variant(config_file("atl07.yaml"), tmp, "atl07_window.yaml", "\nvariables:",
                  f"\ntime: {{start: {text(start)}, end: {text(end)}}}\n\nvariables:")
    points = atl07_points(files, (start, end))
    everything = atl07_points(files)
    checks.check(0 < points[0].size < everything[0].size,
                 f"ATL07 window keeps {points[0].size} of {everything[0].size} segments")
    run_case(checks, "real ATL07 time window", cfg, files, nprocs, tmp, points)



# ----------------------------------------------------------------------------- netCDF-4, flat

NC4_CONFIG = """product: netCDF-4 test
coordinates: {latitude: /lat, longitude: /lon}
variables:
  v: /v
  big: /big
  w: {dataset: /w, sentinel: 3.4028235e38}
grid: {parent_order: 4, child_order: 8}
statistics:
  - {name: count, function: count, variable: v}
  - {name: v_mean, function: mean, variable: v}
  - {name: v_max, function: max, variable: v}
  - {name: big_max, function: max, variable: big}
  - {name: w_mean, function: mean, variable: w}
"""


def make_netcdf4(path, rng, n=2000):
    """netCDF4-python's way: /v without fill_value= and a quarter never written (netCDF's
    default fill there), an int64 /big around 2^53 with _FillValue 2^53 + 1, a float64 /w
    holding float32's largest value widened (the config's sentinel 3.4028235e38)."""
    import netCDF4  # pylint: disable=import-outside-toplevel
    big = (2**53 + rng.integers(-3, 4, n)).astype(np.int64)
    w = rng.normal(10.0, 2.0, n)
    w[::37] = float(F32_MAX)
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("obs", n)
        ds.createVariable("lat", "f8", ("obs",))[:] = rng.uniform(-40.0, -38.0, n)
        ds.createVariable("lon", "f8", ("obs",))[:] = rng.uniform(170.0, 172.0, n)
        ds.createVariable("v", "f4", ("obs",))[: 3 * n // 4] = rng.normal(3.0, 1.0, 3 * n // 4)
        ds.createVariable("big", "i8", ("obs",), fill_value=2**53 + 1)[:] = big
        ds.createVariable("w", "f8", ("obs",))[:] = w


def netcdf4_points(path):
    """What netCDF4-python masks (the default fill of /v, /big's _FillValue, exactly), and
    /w's float32 largest value as the sentinel stands for it."""
    import netCDF4  # pylint: disable=import-outside-toplevel
    with netCDF4.Dataset(path) as ds:
        lat, lon = ds["lat"][:].filled(np.nan), ds["lon"][:].filled(np.nan)
        v, big, w = ds["v"][:], ds["big"][:], ds["w"][:]
    ok = ~np.ma.getmaskarray(v) & ~np.ma.getmaskarray(big) & (w.data != float(F32_MAX))
    return lat[ok], lon[ok], {"v": v.data[ok].astype(np.float64),
                              "big": big.data[ok].astype(np.float64), "w": w.data[ok]}


# ----------------------------------------------------------------------------- bad configs

SQUARE_CONFIG = """product: square swath
coordinates: {latitude: /lat, longitude: /lon}
variables: {v: /v_ok, r: /per_row}
grid: {parent_order: 2, child_order: 6, latitude: geodetic}
statistics:
  - {name: v_min, function: min, variable: v}
  - {name: r_min, function: min, variable: r}
"""


def make_square_swath(path, n=4):
    """netCDF-4, lat/lon on (along, across), both n long: /v_ok in that order, /v_transposed
    on (across, along), /per_row on along, /per_column on across."""
    import netCDF4  # pylint: disable=import-outside-toplevel
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("along", n)
        ds.createDimension("across", n)
        values = np.arange(n * n, dtype="f8").reshape(n, n)
        for name, dims, data in (
                ("lat", ("along", "across"), 10.0 + 3.0 * np.arange(n)[:, None] + 0.2 * values[:1]),
                ("lon", ("along", "across"), 20.0 + 3.0 * np.arange(n)[None, :] + 0 * values),
                ("v_ok", ("along", "across"), values),
                ("v_transposed", ("across", "along"), values.T),
                ("per_row", ("along",), np.arange(n, dtype="f8")),
                ("per_column", ("across",), np.arange(n, dtype="f8")),
                ("across", ("across",), np.arange(n, dtype="f8"))):  # a coordinate variable
            ds.createVariable(name, "f8", dims)[:] = data
    return path


def make_partial_scales(path, n=4):
    """h5py: lat/lon on (along, across) with a scale on dim 0 only; /v stored (across, along),
    `along` attached to its dim 1 (the one name known on each side shows the order)."""
    with h5py.File(path, "w") as h5:
        along = h5.create_dataset("along", data=np.arange(n, dtype="f8"))
        along.make_scale("along")
        values = np.arange(n * n, dtype="f8").reshape(n, n)
        for name, data in (("lat", 10.0 + 3.0 * np.arange(n)[:, None] + 0.2 * values[:1]),
                           ("lon", 20.0 + 3.0 * np.arange(n)[None, :] + 0 * values),
                           ("v_ok", values)):
            h5.create_dataset(name, data=data).dims[0].attach_scale(along)
        h5.create_dataset("v_transposed", data=values.T).dims[1].attach_scale(along)
    return path


def check_bad_configs(checks, nprocs, tmp, flat, gedi, atl06):
    """Each bad config: exit 2, the message names the key and the dataset, no skip advice."""
    flat_cfg = CF_CONFIG
    cases = [
        ("misspelled ATL06 dataset", "atl06",
         variant(config_file("atl06.yaml"), tmp, "bad1.yaml", "land_ice_segments/h_li\n",
                 "land_ice_segments/h_lii\n"),
         ["variables.h_li: missing dataset /gt1", "land_ice_segments/h_lii"]),
        ("misspelled ATL06 latitude (every beam has its longitude)", "atl06",
         variant(config_file("atl06.yaml"), tmp, "bad1b.yaml", "land_ice_segments/latitude\n",
                 "land_ice_segments/latitud\n"),
         ["coordinates.latitude: missing dataset /gt1", "land_ice_segments/latitud ("]),
        ("2-D dataset without a column", "gedi",
         variant(config_file("gedi_l2a.yaml"), tmp, "bad2.yaml", "rh[:, 98]", "rh"),
         ["variables.rh98: dataset /BEAM0000/rh is not 1-D", "[:, k]"]),
        ("column out of range", "gedi",
         variant(config_file("gedi_l2a.yaml"), tmp, "bad3.yaml", "rh[:, 98]", "rh[:, 101]"),
         ["variables.rh98: column 101 is out of range: /BEAM0000/rh has 101 columns"]),
        ("string _FillValue", "flat",
         write_yaml(tmp, "bad4.yaml", flat_cfg.replace("  h: /h\n", "  h: /bad_fill\n")),
         ["variables.h: dataset /bad_fill: attribute _FillValue is a string"]),
        ("misspelled flat latitude", "flat",
         write_yaml(tmp, "bad5.yaml", flat_cfg.replace("latitude: /lat", "latitude: /latt")),
         ["coordinates.latitude: missing dataset /latt"]),
        ("duplicated group", "atl06",
         variant(config_file("atl06.yaml"), tmp, "bad6.yaml", "[gt1l, gt1r,", "[gt1l, gt1l,"),
         ["groups[1]: group 'gt1l' is listed twice"]),
        ("several groups, one path", "flat",
         write_yaml(tmp, "bad7.yaml", "groups: [a, b]\n" + flat_cfg),
         ["coordinates.latitude: must use {group} when several groups are listed"]),
        ("{group} without groups", "atl06",
         variant(config_file("atl06.yaml"), tmp, "bad8.yaml",
                 "groups: [gt1l, gt1r, gt2l, gt2r, gt3l, gt3r]\n", ""),
         ["uses {group} but the config lists no groups"]),
        ("a selector of one item on a 2-D dataset", "gedi",
         variant(config_file("gedi_l2a.yaml"), tmp, "bad9.yaml", "rh[:, 98]", "rh[98]"),
         ["variables.rh98: the selector gives 1 item(s), /BEAM0000/rh has 2 dimensions",
          "for column 98 write /BEAM0000/rh[:, 98]"]),
        ("malformed selector", "gedi",
         variant(config_file("gedi_l2a.yaml"), tmp, "bad9b.yaml", "rh[:, 98]", "rh[:, x]"),
         ["variables.rh98: index 'x' is neither : nor a non-negative integer"]),
        ("time window without an epoch", "gedi",
         variant(config_file("gedi_l2a.yaml"), tmp, "bad10.yaml", "\nvariables:",
                 "\ntime: {start: 2019-01-01}\nvariables:"),
         ["coordinates.time: dataset /BEAM0000/delta_time: no epoch for the time"]),
        ("time window without a time coordinate", "flat",
         write_yaml(tmp, "bad11.yaml", flat_cfg.replace(", time: /time", "")
                    + "time: {end: 2020-01-02}\n"),
         ["coordinates.time: required by the time window"]),
        ("expression with an unknown name", "flat",
         write_yaml(tmp, "bad13.yaml", EXPRESSION_CONFIG.replace("h - 0.5 * t", "h - geoid")),
         ["variables.h_rel.expression: 'h - geoid'", "geoid"]),
        ("time in a calendar other than the standard one", "flat",
         write_yaml(tmp, "bad14.yaml", flat_cfg.replace("time: /time", "time: /time_noleap")
                    + "time: {end: 2020-01-02}\n"),
         ["coordinates.time: dataset /time_noleap: calendar \"noleap\""]),
        ("time units disagreeing with the ATLAS epoch", "atlas_days",
         write_yaml(tmp, "bad15.yaml", flat_cfg.replace("time: /time", "time: /t_days")
                    + "time: {end: 2020-01-02}\n"),
         ["coordinates.time: dataset /t_days: units \"days since 2019-03-01\" disagree with "
          "/ancillary_data/atlas_sdp_gps_epoch 1198800018"]),
        # A square swath (netCDF-4): shapes cannot tell a transposed dataset, nor a value per
        # column from one per row; the dimensions can (both were read in stored order, exit 0).
        ("a square swath's dataset stored transposed", "square",
         write_yaml(tmp, "bad16.yaml", SQUARE_CONFIG.replace("/v_ok", "/v_transposed")),
         ["variables.v: dataset /v_transposed is stored on dimensions (/across, /along), the "
          "latitude on (/along, /across)", "ncpdq -a along,across"]),
        ("a value per row stored along the columns", "square",
         write_yaml(tmp, "bad17.yaml", SQUARE_CONFIG.replace("/v_ok", "/per_column")),
         ["variables.v: dataset /per_column lies along dimension /across, the latitude's "
          "columns"]),
        ("the columns' coordinate variable as a value per row", "square",
         write_yaml(tmp, "bad18.yaml", SQUARE_CONFIG.replace("/v_ok", "/across")),
         ["variables.v: dataset /across lies along dimension /across, the latitude's columns"]),
        ("a netCDF dimension without a variable (never written)", "square",
         write_yaml(tmp, "bad19.yaml", SQUARE_CONFIG.replace("/v_ok", "/along")),
         ["variables.v: missing dataset /along: it is a netCDF dimension without a variable"]),
        ("a transposed dataset, one dimension named on each side", "partial",
         write_yaml(tmp, "bad20.yaml", SQUARE_CONFIG.replace("/v_ok", "/v_transposed")
                    .replace(", r: /per_row", "").replace(
                        "\n  - {name: r_min, function: min, variable: r}", "")),
         ["variables.v: dataset /v_transposed is stored on dimensions ((unnamed), /along), the "
          "latitude on (/along, (unnamed))"]),
        ("time window end before start", "flat",
         write_yaml(tmp, "bad12.yaml", flat_cfg + "time: {start: 2020-01-02, end: 2020-01-01}\n"),
         ["time: the start 2020-01-02 is not before the end 2020-01-01"]),
    ]
    atlas_days = os.path.join(tmp, "atlas_days.h5")
    with h5py.File(atlas_days, "w") as h5, h5py.File(flat, "r") as src:
        for name in src:  # the flat file, its time in days beside an ATLAS epoch
            src.copy(name, h5)
        h5["ancillary_data/atlas_sdp_gps_epoch"] = np.array([1198800018.0])
        h5.create_dataset("t_days", data=src["time"][()] / 24.0 + 306.0)
        h5["t_days"].attrs["units"] = np.bytes_("days since 2019-03-01")
    square = make_square_swath(os.path.join(tmp, "square.nc"))
    rc, output = common.run_healgrid(["--config", write_yaml(tmp, "square.yaml", SQUARE_CONFIG),
                                      "--input", square, "--output", os.path.join(tmp, "sq.nc")],
                                     nprocs)
    checks.check(rc == 0, f"a square swath in the latitude's order failed (exit {rc})\n{output}")
    partial = make_partial_scales(os.path.join(tmp, "partial.h5"))
    inputs = {"flat": [flat], "gedi": [gedi], "atl06": atl06, "atlas_days": [atlas_days],
              "square": [square], "partial": [partial]}
    out = os.path.join(tmp, "bad.nc")
    for label, data, cfg, needles in cases:
        if not inputs[data]:
            print(f"note: bad config ({label}) left out: no real ATL06 granules")
            continue
        args = ["--config", cfg, "--output", out]
        for path in inputs[data]:
            args += ["--input", path]
        rc, output = common.run_healgrid(args, nprocs)
        checks.check(rc == 2, f"bad config ({label}): exit {rc}, expected 2\n{output}")
        for needle in needles:
            checks.check(needle in output, f"bad config ({label}): message lacks {needle!r}\n"
                         f"{output}")
        checks.check("on-bad-granule" not in output,
                     f"bad config ({label}): advises --on-bad-granule\n{output}")
        checks.check(not os.path.exists(out), f"bad config ({label}): left {out}")
    print(f"bad configs: {len(cases)} cases")


POLE_CONFIG = """product: packed poles
coordinates: {latitude: /lat, longitude: /lon}
variables: {h: /h}
grid: {parent_order: 3, child_order: 12}
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_sum, function: sum, variable: h}
"""


def check_packed_poles(checks, nprocs, tmp):
    """int32 latitudes with a float32 scale_factor of 1e-7: the stored 9e8 unpacks in double
    to 90.0000011 (the float32 1e-7 is 1.0000000117e-7), the pole itself; 9.05e8 (90.5) has no
    position. Every point's h is distinct powers of two, so h_sum says which were used."""
    raw = np.array([900000000, -900000000, 899999000, -899999000, 905000000, -905000000,
                    450000000, 900000000], dtype=np.int32)
    h = 2.0 ** np.arange(len(raw))
    path = os.path.join(tmp, "packed_poles.h5")
    with h5py.File(path, "w") as h5:
        d = h5.create_dataset("lat", data=raw)
        d.attrs.create("scale_factor", 1e-7, dtype="f4")
        h5.create_dataset("lon", data=np.linspace(-170.0, 170.0, len(raw)))
        h5.create_dataset("h", data=h)
    lat = raw.astype(np.float64) * np.float64(np.float32(1e-7))
    used = np.abs(lat) <= 90.0 + 90.0 * np.finfo(np.float32).eps
    checks.check(used.sum() == 6 and not used[4] and not used[5], "packed poles: the reference")
    cfg = write_yaml(tmp, "packed_poles.yaml", POLE_CONFIG)
    out = os.path.join(tmp, "packed_poles.nc")
    if not common.run_healgrid_ok(["--config", cfg, "--input", path, "--output", out], nprocs,
                                  checks, "packed poles"):
        return
    ds = common.open_output(out)
    got_sum = float(np.nansum(ds["h_sum"].values))
    print(f"packed poles: points_used {ds.attrs['points_used']} (want {used.sum()}), "
          f"h sum {got_sum:.0f} (want {h[used].sum():.0f})")
    checks.check(int(ds.attrs["points_used"]) == used.sum() and got_sum == h[used].sum(),
                 f"packed poles: points_used {ds.attrs['points_used']}, h sum {got_sum}; want "
                 f"{used.sum()} and {h[used].sum()} (the poles' points lost?)")


RADIAN_CONFIG = """product: radian coordinates
coordinates: {latitude: /lat, longitude: /lon}
variables: {h: /h}
grid: {parent_order: 4, child_order: 11}
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_mean, function: mean, variable: h}
  - {name: h_max, function: max, variable: h}
"""


def check_radian_coordinates(checks, nprocs, tmp, rng, n=4000):
    """Coordinates whose CF units are radians (the longitude packed int32 * 1e-7 rad) are
    gridded in degrees; a latitude whose units are degrees_east (swapped coordinates) and a
    coordinate in metres are refused (exit 2) naming the dataset."""
    lat = np.radians(rng.uniform(-85.0, -60.0, n))
    lon_raw = np.round(np.radians(rng.uniform(-180.0, 180.0, n)) * 1e7).astype(np.int32)
    h = rng.normal(1500.0, 300.0, n)
    path = os.path.join(tmp, "radians.h5")
    with h5py.File(path, "w") as h5:
        h5.create_dataset("lat", data=lat).attrs["units"] = "radians"
        d = h5.create_dataset("lon", data=lon_raw)
        d.attrs["units"] = "rad"
        d.attrs["scale_factor"] = 1e-7
        h5.create_dataset("lat_e", data=np.degrees(lat)).attrs["units"] = "degrees_east"
        h5.create_dataset("x", data=rng.uniform(-1e6, 1e6, n)).attrs["units"] = "m"
        h5.create_dataset("h", data=h)
    cfg = write_yaml(tmp, "radians.yaml", RADIAN_CONFIG)
    run_case(checks, "radian coordinates", cfg, [path], nprocs, tmp,
             (np.degrees(lat), np.degrees(lon_raw.astype(np.float64) * 1e-7), {"h": h}))
    out = os.path.join(tmp, "refused.nc")
    for label, text, needle in [
            ("swapped", RADIAN_CONFIG.replace("latitude: /lat,", "latitude: /lat_e,"),
             'coordinates.latitude: dataset /lat_e: units "degrees_east" are the longitude\'s'),
            ("metres", RADIAN_CONFIG.replace("longitude: /lon", "longitude: /x"),
             'coordinates.longitude: dataset /x: units "m" are not an angle')]:
        bad = write_yaml(tmp, f"{label}.yaml", text)
        rc, output = common.run_healgrid(["--config", bad, "--input", path, "--output", out],
                                         nprocs)
        checks.check(rc == 2 and needle in output and not os.path.exists(out),
                     f"{label} coordinates: exit {rc} (want 2), message lacks {needle!r}?\n"
                     f"{output}")


UNITS_CONFIG = """product: units across granules
coordinates: {latitude: /lat, longitude: /lon}
variables: {h: /h}
filters:
  - {dataset: /q, op: "<=", value: 1}
grid: {parent_order: 4, child_order: 10}
statistics:
  - {name: count, function: count, variable: h}
  - {name: h_mean, function: mean, variable: h}
"""


def check_units_across_granules(checks, nprocs, tmp, rng, n=500):
    """Granules in name order A, B, C: h in "m", "meters" and no units, then a D in "cm". A, B,
    C agree (C with a warning) and grid to the reference; with D the run is refused (exit 2)
    naming the key, A and D and both units, whichever ranks read them."""
    files, points = [], []
    for name, units in [("A", "m"), ("B", "meters"), ("C", None), ("D", "cm")]:
        lat, lon = rng.uniform(-80.0, -70.0, n), rng.uniform(0.0, 20.0, n)
        h, q = rng.normal(800.0, 50.0, n), rng.integers(0, 3, n)
        path = os.path.join(tmp, f"units_{name}.h5")
        with h5py.File(path, "w") as h5:
            h5.create_dataset("lat", data=lat)
            h5.create_dataset("lon", data=lon)
            d = h5.create_dataset("h", data=h)
            if units:
                d.attrs["units"] = units
            h5.create_dataset("q", data=q.astype(np.int8))
        files.append(path)
        points.append((lat[q <= 1], lon[q <= 1], {"h": h[q <= 1]}))
    cfg = write_yaml(tmp, "units.yaml", UNITS_CONFIG)
    run_case(checks, "units that agree across granules", cfg, files[:3], nprocs, tmp,
             concat(points[:3]))
    out = os.path.join(tmp, "units_refused.nc")
    args = ["--config", cfg, "--output", out]
    for path in files:
        args += ["--input", path]
    rc, output = common.run_healgrid(args, nprocs)
    needle = ('variables.h: the granules disagree on its units: units_A.h5 has "m", units_D.h5 '
              'has "cm"')
    checks.check(rc == 2 and needle in output and not os.path.exists(out),
                 f"units across granules: exit {rc} (want 2), message lacks {needle!r}?\n{output}")


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_products --np {nprocs}")
    rng = np.random.default_rng(14)
    with common.temp_dir() as tmp:
        flat = os.path.join(tmp, "cf_packed.h5")
        make_cf_packed(flat, rng)
        run_case(checks, "CF packed flat file", write_yaml(tmp, "cf.yaml", CF_CONFIG), [flat],
                 nprocs, tmp, cf_packed_points(flat))
        check_units(checks, os.path.join(tmp, "CF_packed_flat_file.nc"),
                    {"h_min": "m", "t_max": "m s-1", "t_var": "(m s-1)^2", "count": "1"})
        run_case(checks, "CF packed flat file, start and end options", write_yaml(tmp, "cf.yaml",
                 CF_CONFIG), [flat], nprocs, tmp, cf_packed_points(flat, (12.0, 30.5)),
                 extra=["--start", "2020-01-01T12:00:00Z", "--end", "2020-01-02T06:30:00Z"])
        run_case(checks, "expressions on the CF file", write_yaml(tmp, "expr.yaml",
                 EXPRESSION_CONFIG), [flat], nprocs, tmp, expression_points(flat))
        nc4 = os.path.join(tmp, "netcdf4.nc")
        make_netcdf4(nc4, rng)
        run_case(checks, "netCDF-4 default fills, int64 fill, widened sentinel",
                 write_yaml(tmp, "nc4.yaml", NC4_CONFIG), [nc4], nprocs, tmp,
                 netcdf4_points(nc4))
        swath = os.path.join(tmp, "swath.nc")
        make_swath(swath, rng)
        run_case(checks, "2-D swath", write_yaml(tmp, "swath.yaml", SWATH_CONFIG), [swath],
                 nprocs, tmp, swath_points(swath))
        gedi = [os.path.join(tmp, f"GEDI02_A_like_{i}.h5") for i in range(2)]
        for path in gedi:
            make_gedi_like(path, rng)
        run_case(checks, "GEDI L2A-like", config_file("gedi_l2a.yaml"), gedi, nprocs, tmp,
                 gedi_points(gedi))
        real_gedi = real_files("GEDI02_A_*.h5")
        atl06 = real_files("*ATL06_*.h5")
        if real_gedi:
            run_case(checks, "real GEDI L2A", config_file("gedi_l2a.yaml"), real_gedi, nprocs,
                     tmp, gedi_points(real_gedi))
        atl08 = real_files("atl08_clip.h5")
        if atl08:
            run_case(checks, "real ATL08 20 m", config_file("atl08.yaml"), atl08, nprocs, tmp,
                     atl08_points(atl08))
        atl07 = real_files("*ATL07-01_*.h5")
        if atl07:
            run_case(checks, "real ATL07", config_file("atl07.yaml"), atl07, nprocs, tmp,
                     atl07_points(atl07))
            check_atl07_window(checks, atl07, nprocs, tmp)
        # ATL03 photons (with their segment level): check_photons.py
        if not (real_gedi and atl06 and atl07 and atl08):
            print("note: some real granules are absent from <shared>/data/real: their cases "
                  "were left out")
        check_bad_configs(checks, nprocs, tmp, flat, gedi[0], atl06)
        check_packed_poles(checks, nprocs, tmp)
        check_radian_coordinates(checks, nprocs, tmp, rng)
        check_units_across_granules(checks, nprocs, tmp, rng)
    checks.finish()


if __name__ == "__main__":
    main()
