#!/usr/bin/env python3
"""End-to-end test of `healgrid synth` under mpirun.

Runs the real binary with 2 ranks, reads the granules with h5py and checks, independently of the
C++ code: the ATL06 release-006 layout (groups, dtypes, chunking, filters, fill values, string
attribute types), the geometry (20 m along track, 90 m within a beam pair, 3.3 km between
pairs), the requested fill/quality fractions, that a re-run gives identical data values, and that
1 and 2 ranks give identical data values. Also checks --help and the error exits (usage errors
return 2, an unusable --output-dir returns 1, on every rank, without hanging).

Environment: HEALGRID_BIN, MPIEXEC (HEALGRID_SOURCE_DIR is not needed). Exit 0 pass, 1 fail,
77 skipped (h5py/numpy missing).
"""
import datetime
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

try:
    import h5py
    import numpy as np
except ImportError as e:  # the Debian python3-h5py is needed; other interpreters may lack it
    print(f"SKIP: {sys.executable} cannot import h5py/numpy ({e})")
    sys.exit(77)

from common import rank_pids  # noqa: E402  (the ranks mpirun started)

BIN = os.environ.get("HEALGRID_BIN", "")
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
RUN_TIMEOUT = 300
NAME_RE = re.compile(r"^ATL06_(\d{14})_(\d{4})(\d{2})(\d{2})_006_01\.h5$")
BEAMS = ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"]
FLOAT_FILL = np.float32(3.4028235e38)
EARTH_RADIUS = 6371008.8
SDP_EPOCH = datetime.datetime(2018, 1, 1)
SYNTH_ARGS = ["--granules", "3", "--first-rgt", "100", "--cycle", "2", "--seed", "7",
              "--fill-fraction", "0.02", "--bad-quality-fraction", "0.1"]
# (dtype, shuffle, units, _FillValue or None) of the land_ice_segments columns.
COLUMNS = {
    "latitude": ("<f8", False, "degrees_north", None),
    "longitude": ("<f8", False, "degrees_east", None),
    "delta_time": ("<f8", False, "seconds since 2018-01-01", None),
    "h_li": ("<f4", False, "meters", FLOAT_FILL),
    "h_li_sigma": ("<f4", False, "meters", FLOAT_FILL),
    "sigma_geo_h": ("<f4", False, "meters", FLOAT_FILL),
    "atl06_quality_summary": ("|i1", True, "1", 127),
    "segment_id": ("<i4", True, "1", 0),
}
# Latitude band of each Antarctic region: (first, last) of the rows kept (south of 60S).
REGION_LAT = {10: (-60.0, -79.0), 11: (-79.0, -79.0), 12: (-79.0, -60.0)}

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"  FAIL: {what}")
    return ok


def run(np_count, args, expect_rc=0):
    cmd = [MPIEXEC, "-np", str(np_count), BIN, "synth"] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        check(False, f"timed out (a rank hanging?): {' '.join(cmd)}")
        return None
    check(p.returncode == expect_rc,
          f"exit {p.returncode}, expected {expect_rc}: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p


def string_attr(obj, name):
    """The value of a fixed-length, null-terminated ASCII scalar string attribute."""
    if not check(name in obj.attrs, f"{obj.name}: attribute {name} missing"):
        return None
    aid = h5py.h5a.open(obj.id, name.encode())
    t = aid.get_type()
    check(isinstance(t, h5py.h5t.TypeStringID) and not t.is_variable_str(),
          f"{obj.name}@{name}: not a fixed-length string")
    check(t.get_strpad() == h5py.h5t.STR_NULLTERM, f"{obj.name}@{name}: not null-terminated")
    check(t.get_cset() == h5py.h5t.CSET_ASCII, f"{obj.name}@{name}: not ASCII")
    check(aid.shape == (), f"{obj.name}@{name}: not scalar")
    value = obj.attrs[name]
    text = value.decode("ascii") if isinstance(value, bytes) else str(value)
    check(t.get_size() == len(text) + 1, f"{obj.name}@{name}: size is not len + 1")
    return text


def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * np.arcsin(np.sqrt(h))


def check_layout(path):
    name = os.path.basename(path)
    m = NAME_RE.match(name)
    if not check(m is not None, f"{name}: bad file name"):
        return
    stamp, rgt, cycle, region = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
    with h5py.File(path, "r") as f:
        anc, orb = f["ancillary_data"], f["orbit_info"]
        check(anc["atlas_sdp_gps_epoch"][0] == 1198800018.0, f"{name}: atlas_sdp_gps_epoch")
        check(string_attr(anc["atlas_sdp_gps_epoch"], "units") ==
              "seconds since 1980-01-06T00:00:00.000000Z", f"{name}: epoch units")
        for key, want in (("start_rgt", rgt), ("start_cycle", cycle), ("start_region", region)):
            check(anc[key][0] == want, f"{name}: ancillary_data/{key} = {anc[key][0]}, want {want}")
        for key, dtype, want in (("rgt", "<i2", rgt), ("cycle_number", "|i1", cycle)):
            check(orb[key].dtype.str == dtype and orb[key][0] == want,
                  f"{name}: orbit_info/{key} {orb[key].dtype.str} {orb[key][0]}")
        check(orb["sc_orient"].dtype.str == "|i1", f"{name}: orbit_info/sc_orient dtype")
        orient = int(orb["sc_orient"][0])
        check(orient in (0, 1), f"{name}: sc_orient {orient}")
        start_utc = anc["granule_start_utc"][0].decode()
        check(re.sub(r"[-T:]", "", start_utc)[:14] == stamp,
              f"{name}: name time vs granule_start_utc {start_utc}")
        t_name = (datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S") - SDP_EPOCH).total_seconds()

        rows = fills = bad = 0
        seg = {}
        for i, beam in enumerate(BEAMS):
            g = f[beam]
            strong = (i % 2 == 1) == (orient == 1)  # forward: the right beam is strong
            check(string_attr(g, "atlas_beam_type") == ("strong" if strong else "weak"),
                  f"{name}/{beam}: atlas_beam_type vs sc_orient {orient}")
            spot = 6 - i if orient == 1 else i + 1
            check(string_attr(g, "atlas_spot_number") == str(spot), f"{name}/{beam}: spot")
            check(string_attr(g, "groundtrack_id") == beam, f"{name}/{beam}: groundtrack_id")
            check(string_attr(g, "sc_orientation") == ("Forward" if orient else "Backward"),
                  f"{name}/{beam}: sc_orientation")
            check(string_attr(g, "atlas_pce") in ("pce1", "pce2", "pce3"), f"{beam}: atlas_pce")
            lis = g["land_ice_segments"]
            n = None
            for col, (dtype, shuffle, units, fill) in COLUMNS.items():
                d = lis[col]
                where = f"{name}/{beam}/{col}"
                check(d.dtype.str == dtype, f"{where}: dtype {d.dtype.str}, want {dtype}")
                check(d.ndim == 1 and d.maxshape == (None,), f"{where}: not 1-D unlimited")
                check(d.chunks == (10000,), f"{where}: chunks {d.chunks}")
                check(d.compression == "gzip" and d.compression_opts == 6, f"{where}: deflate 6")
                check(bool(d.shuffle) == shuffle, f"{where}: shuffle {d.shuffle}")
                check(string_attr(d, "units") == units, f"{where}: units")
                for key in ("long_name", "description", "contentType", "coordinates", "source"):
                    check(bool(string_attr(d, key)), f"{where}: {key} empty")
                if fill is None:
                    check("_FillValue" not in d.attrs, f"{where}: unexpected _FillValue")
                elif check("_FillValue" in d.attrs, f"{where}: _FillValue missing"):
                    fv = d.attrs["_FillValue"]
                    check(fv.dtype == d.dtype and fv == fill, f"{where}: _FillValue {fv!r}")
                    check(d.fillvalue == fill, f"{where}: dataset fill value {d.fillvalue}")
                n = d.shape[0] if n is None else n
                check(d.shape[0] == n, f"{where}: length differs within the beam")
            lat, lon = lis["latitude"][:], lis["longitude"][:]
            t, h = lis["delta_time"][:], lis["h_li"][:]
            s, q, sid = lis["h_li_sigma"][:], lis["atl06_quality_summary"][:], lis["segment_id"][:]
            first, last = REGION_LAT[region]
            check(abs(lat[0] - first) < 0.05 and abs(lat[-1] - last) < 0.05,
                  f"{name}/{beam}: latitude runs {lat[0]:.3f}..{lat[-1]:.3f}")
            if region == 11:
                check(abs(lat.min() + 88.0) < 0.05, f"{name}/{beam}: min latitude {lat.min()}")
            check(np.all(np.diff(t) > 0) and t[0] >= t_name, f"{name}/{beam}: delta_time order")
            check(np.all(np.diff(sid) == 1), f"{name}/{beam}: segment_id steps")
            step = haversine(lat[:-1], lon[:-1], lat[1:], lon[1:])
            check(step.min() > 19.9 and step.max() < 20.2,
                  f"{name}/{beam}: along-track spacing {step.min():.3f}..{step.max():.3f} m")
            valid = h != FLOAT_FILL
            check(np.array_equal(valid, s != FLOAT_FILL),
                  f"{name}/{beam}: h_li and h_li_sigma fills differ")
            check(np.all((h[valid] > -50) & (h[valid] < 4100)), f"{name}/{beam}: h_li range")
            check(np.all((s[valid] >= 0.02) & (s[valid] <= 0.5)), f"{name}/{beam}: sigma range")
            check(set(np.unique(q)) <= {0, 1}, f"{name}/{beam}: quality values")
            rows, fills, bad = rows + n, fills + int((~valid).sum()), bad + int(q.sum())
            seg[beam] = (sid, lat, lon)

        def spacing(a, b):
            common, ia, ib = np.intersect1d(seg[a][0], seg[b][0], return_indices=True)
            return haversine(seg[a][1][ia], seg[a][2][ia], seg[b][1][ib], seg[b][2][ib])

        for a, b, want, tol in (("gt1l", "gt1r", 90, 0.5), ("gt2l", "gt2r", 90, 0.5),
                                ("gt3l", "gt3r", 90, 0.5), ("gt1l", "gt2l", 3300, 5),
                                ("gt2r", "gt3r", 3300, 5)):
            d = spacing(a, b)
            check(len(d) > 1000 and np.all(np.abs(d - want) < tol),
                  f"{name}: {a}-{b} spacing {d.min():.2f}..{d.max():.2f} m, want {want}")
        check(abs(fills / rows - 0.02) < 0.003, f"{name}: fill fraction {fills / rows:.4f}")
        check(abs(bad / rows - 0.1) < 0.005, f"{name}: bad-quality fraction {bad / rows:.4f}")
        print(f"  {name}: {rows} rows, sc_orient {orient}, fill {fills / rows:.4f}, "
              f"bad {bad / rows:.4f}")


def check_coarse_posting(out_dir):
    """--along-track-m 400: every 20th segment of NASA's 20 m posting."""
    print("checking --along-track-m 400")
    args = list(SYNTH_ARGS)
    args[args.index("--granules") + 1] = "1"
    run(1, args + ["--along-track-m", "400", "--output-dir", out_dir])
    names = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
    check(len(names) == 1, f"--along-track-m: expected 1 granule, got {names}")
    for n in names:
        with h5py.File(os.path.join(out_dir, n), "r") as f:
            lis = f["gt1l/land_ice_segments"]
            lat, lon, sid = lis["latitude"][:], lis["longitude"][:], lis["segment_id"][:]
            check(len(sid) > 100 and np.all(np.diff(sid) == 20),
                  "--along-track-m 400: segment_id steps")
            step = haversine(lat[:-1], lon[:-1], lat[1:], lon[1:])
            check(step.min() > 399 and step.max() < 404,
                  f"--along-track-m 400: spacing {step.min():.2f}..{step.max():.2f} m")


def dataset_values(path):
    """Every dataset's dtype, shape and raw bytes, keyed by its path."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(key, obj):
            if isinstance(obj, h5py.Dataset):
                out[key] = (obj.dtype.str, obj.shape, obj[()].tobytes())
        f.visititems(visit)
    return out


def compare_runs(dir_a, dir_b, what):
    names_a = sorted(os.listdir(dir_a))
    names_b = sorted(os.listdir(dir_b))
    if not check(names_a == names_b, f"{what}: different file lists {names_a} vs {names_b}"):
        return
    for name in names_a:
        va = dataset_values(os.path.join(dir_a, name))
        vb = dataset_values(os.path.join(dir_b, name))
        check(va.keys() == vb.keys(), f"{what}: {name}: different datasets")
        diff = [k for k in va if k in vb and va[k] != vb[k]]
        check(not diff, f"{what}: {name}: datasets differ: {diff[:5]}")
    print(f"  {what}: {len(names_a)} files, all dataset values identical")


def check_stop_signal(out_dir):
    """SIGTERM to every rank while granules are written: exit 143 naming the signal, the
    granules being written removed (they were left as NAME.tmp.<pid>.<n>.<hex>: the default
    action killed the process), the complete ones kept and whole."""
    print("checking a stop signal while granules are written")
    cmd = [MPIEXEC, "-np", "2", BIN, "synth", "--granules", "40", "--output-dir", out_dir]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + RUN_TIMEOUT
    # A granule complete and another one being written (a rank simulates a granule before it
    # creates its temporary: the check is repeated until one is there).
    writing = []
    while proc.poll() is None and time.monotonic() < deadline:
        names = os.listdir(out_dir) if os.path.isdir(out_dir) else []
        writing = [n for n in names if ".h5.tmp." in n]
        if writing and any(NAME_RE.match(n) for n in names):
            break
        time.sleep(0.02)
    ranks = list(rank_pids(proc.pid).values()) if proc.poll() is None else []
    for pid in ranks:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    if not check(len(ranks) == 2 and writing, f"no granule in writing to stop ({ranks}, {writing})"):
        return
    check(proc.returncode == 143, f"stopped synth: exit {proc.returncode}, expected 143\n{err}")
    check("stopped by SIGTERM" in err, f"stopped synth: the reason is not given:\n{err}")
    names = sorted(os.listdir(out_dir))
    left = [n for n in names if not NAME_RE.match(n)]
    check(not left, f"stopped synth left temporaries: {left}")
    done = [n for n in names if NAME_RE.match(n)]
    check(0 < len(done) < 40, f"stopped synth: {len(done)} complete granules")
    for n in done:
        with h5py.File(os.path.join(out_dir, n), "r") as f:
            check(all(f"{b}/land_ice_segments/h_li" in f for b in BEAMS), f"{n}: not whole")
    print(f"  stopped after {len(done)} complete granules, none half-written left")


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        print(f"FAIL: HEALGRID_BIN '{BIN}' is not an executable")
        return 1
    with tempfile.TemporaryDirectory(prefix="healgrid_synth_e2e_") as tmp:
        print("checking --help and error exits")
        p = run(2, ["--help"])
        if p:
            for opt in ("--region", "--granules", "--cycle", "--first-rgt", "--rgt-step", "--seed",
                        "--output-dir", "--fill-fraction", "--bad-quality-fraction",
                        "land_ice_segments"):
                check(opt in p.stdout, f"--help does not mention {opt}")
        for args, rc, needle in ((["--region", "mars"], 2, "--region"),
                                 (["--cycle", "0"], 2, "--cycle"),
                                 (["--seed", "-1"], 2, "--seed"),
                                 (["--along-track-m", "5"], 2, "--along-track-m"),
                                 (["--product", "atl03", "--along-track-m", "100"], 2,
                                  "--along-track-m: an atl06 option"),
                                 (["--photons-per-shot", "2"], 2,
                                  "--photons-per-shot: an atl03 option"),
                                 (["--no-such-option"], 2, "no-such-option")):
            p = run(2, args + ["--output-dir", os.path.join(tmp, "unused")], rc)
            if p:
                check(needle in p.stderr, f"{args}: stderr does not name {needle}: {p.stderr}")
        blocker = os.path.join(tmp, "a_file")
        open(blocker, "w").close()
        p = run(2, ["--granules", "1", "--output-dir", os.path.join(blocker, "sub")], 1)
        if p:
            check(blocker in p.stderr, f"unusable --output-dir: path not named: {p.stderr}")

        dirs = {k: os.path.join(tmp, k) for k in ("np2", "np2_again", "np1")}
        print("running synth with 2 ranks:", " ".join(SYNTH_ARGS))
        run(2, SYNTH_ARGS + ["--output-dir", dirs["np2"]])
        names = sorted(os.listdir(dirs["np2"])) if os.path.isdir(dirs["np2"]) else []
        check(len(names) == 3 and all(NAME_RE.match(n) for n in names),
              f"expected 3 granules (no temporaries), got {names}")
        regions = sorted(int(NAME_RE.match(n).group(4)) for n in names if NAME_RE.match(n))
        check(regions == [10, 11, 12], f"regions {regions}")
        print("checking the ATL06 layout and values")
        for n in names:
            check_layout(os.path.join(dirs["np2"], n))
        print("checking determinism")
        run(2, SYNTH_ARGS + ["--output-dir", dirs["np2_again"]])
        compare_runs(dirs["np2"], dirs["np2_again"], "re-run with 2 ranks")
        run(1, SYNTH_ARGS + ["--output-dir", dirs["np1"]])
        compare_runs(dirs["np2"], dirs["np1"], "1 rank vs 2 ranks")
        check_coarse_posting(os.path.join(tmp, "coarse"))

        # synth replaces its own granules (the rerun into np2 above), never another file at a
        # granule's name: a real granule there, someone's notes (they were replaced, exit 0).
        print("checking that files synth did not write are refused")
        taken = dirs["np2_again"]
        foreign = {names[0]: b"\x89HDF\r\n\x1a\n not synth's", names[1]: b"notes\n"}
        for name, data in foreign.items():
            os.remove(os.path.join(taken, name))
            with open(os.path.join(taken, name), "wb") as stream:
                stream.write(data)
        p = run(2, SYNTH_ARGS + ["--output-dir", taken], 2)
        if p:
            check(all(os.path.join(taken, n) in p.stderr for n in foreign),
                  f"the refusal does not name the files: {p.stderr}")
        for name, data in foreign.items():
            with open(os.path.join(taken, name), "rb") as stream:
                check(stream.read() == data, f"{name}: replaced although synth did not write it")

        check_stop_signal(os.path.join(tmp, "stopped"))

    if failures:
        print(f"FAILED: {len(failures)} check(s)")
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
