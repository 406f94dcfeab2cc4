#!/usr/bin/env python3
"""Generates the corpus of bad granules from one good ATL06 granule (nothing is committed).

    python3 bad_granules.py GOOD.h5 OUT_DIR [--big]     # writes the corpus, prints its table

Each case is a file (or directory) in OUT_DIR named `<case>_<good name>` and a `Case` record
saying what healgrid must do with it:
    "skip"   the index pass rejects it: `--on-bad-granule fail` stops naming the file and `needle`,
             `skip` leaves it out with "skipped: <reason>" in the provenance;
    "values" it is readable: bad points are dropped (or longitudes wrapped) and every statistic
             must equal the independent reference computed on this very file;
    "fatal"  it passes the index pass but fails when its variables are read: fatal in both modes;
    "input"  rejected while resolving the inputs (before any granule is opened), in both modes.
"""

import dataclasses
import os
import shutil
import sys

import h5py
import numpy as np

BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")
SEG = "land_ice_segments"
BIG_ROWS = 10_000_000


@dataclasses.dataclass
class Case:
    name: str      # case name (file name prefix)
    path: str      # the generated file or directory
    expect: str    # skip | values | fatal | input
    needle: str    # text the error message must contain (besides the file name)
    what: str      # one line for the docs table


def _copy(good, out_dir, case):
    dst = os.path.join(out_dir, f"{case}_{os.path.basename(good)}")
    shutil.copyfile(good, dst)
    os.chmod(dst, 0o644)
    return dst


def busiest_beam(path):
    """The beam of `path` with the most land-ice segments (the cases edit it)."""
    with h5py.File(path, "r") as h5:
        sizes = {b: h5[f"{b}/{SEG}/latitude"].shape[0] for b in BEAMS if f"{b}/{SEG}" in h5}
    return max(sizes, key=sizes.get)


def _damage_chunk(path, dataset):
    """Flip bytes in the middle of the first compressed chunk of `dataset` (deflate damaged)."""
    with h5py.File(path, "r") as h5:
        info = h5[dataset].id.get_chunk_info(0)
    start = info.byte_offset + info.size // 3
    length = max(8, min(64, info.size // 3))
    with open(path, "r+b") as stream:
        stream.seek(start)
        data = bytearray(stream.read(length))
        stream.seek(start)
        stream.write(bytes(b ^ 0x5A for b in data))


def _replace(path, dataset, data):
    with h5py.File(path, "r+") as h5:
        del h5[dataset]
        h5.create_dataset(dataset, data=data)


def _opens(path, name):
    try:
        with h5py.File(path, "r") as h5:
            h5[name].shape
        return True
    except Exception:  # noqa: BLE001 - any HDF5 failure means "damaged"
        return False


def _damage_signature(path, signatures, wanted):
    """Zeroes the first HDF5 metadata signature (b"SNOD", b"BTLF", ... tried in order) whose
    loss makes `wanted(path)` true; False when there is none."""
    data = open(path, "rb").read()
    for signature in signatures:
        at = data.find(signature)
        while at >= 0:
            with open(path, "r+b") as stream:
                stream.seek(at)
                stream.write(bytes(4))
            if wanted(path):
                return True
            with open(path, "r+b") as stream:  # not this one: restore it
                stream.seek(at)
                stream.write(signature)
            at = data.find(signature, at + 1)
    return False


def make_corpus(good, out_dir, big=False):
    """Writes every case into out_dir; returns the list of Case records."""
    os.makedirs(out_dir, exist_ok=True)
    beam = busiest_beam(good)
    lat_ds, hli_ds = f"/{beam}/{SEG}/latitude", f"/{beam}/{SEG}/h_li"
    size = os.path.getsize(good)
    cases = []

    def add(case, expect, needle, what, path=None):
        cases.append(Case(case, path or os.path.join(out_dir, f"{case}_{os.path.basename(good)}"),
                          expect, needle, what))

    for label, offset in (("trunc0", 0), ("trunc512", 512), ("trunc4k", 4096),
                          ("trunc25pct", size // 4), ("trunc50pct", size // 2),
                          ("truncminus1", size - 1)):
        with open(_copy(good, out_dir, label), "r+b") as stream:
            stream.truncate(offset)
        add(label, "skip", "", f"truncated at byte {offset} of {size}")

    with open(_copy(good, out_dir, "zerosuper"), "r+b") as stream:
        stream.write(bytes(2048))
    add("zerosuper", "skip", "not a readable HDF5 file", "superblock (first 2048 bytes) zeroed")

    _damage_chunk(_copy(good, out_dir, "badlatchunk"), lat_ds)
    add("badlatchunk", "skip", "latitude",
        "deflate stream of the first latitude chunk damaged (read by the index pass)")

    path = _copy(good, out_dir, "strhli")
    with h5py.File(path, "r") as h5:
        n = h5[hli_ds].shape[0]
    _replace(path, hli_ds, np.array([b"x"] * n, dtype="S4"))
    add("strhli", "skip", "is not numeric", "h_li is a string dataset (wrong type)")

    _replace(path := _copy(good, out_dir, "rank2hli"), hli_ds, np.zeros((n, 2), np.float32))
    add("rank2hli", "skip", "is not 1-D", "h_li is 2-D (wrong rank)")

    _replace(path := _copy(good, out_dir, "shorthli"), hli_ds, np.zeros(n - 5, np.float32))
    add("shorthli", "skip", "rows, latitude has", "h_li 5 rows shorter than latitude")

    path = _copy(good, out_dir, "badlat")
    with h5py.File(path, "r+") as h5:
        lat = h5[lat_ds][()]
        lat[0:n:3] = 91.0
        lat[1:n:3] = -91.0
        lat[2:n:7] = np.nan
        h5[lat_ds][...] = lat
    add("badlat", "values", "", "latitudes of +91, -91 and NaN in one beam (points dropped)")

    path = _copy(good, out_dir, "lon360")
    with h5py.File(path, "r+") as h5:
        for b in BEAMS:
            if f"{b}/{SEG}" in h5:
                ds = h5[f"{b}/{SEG}/longitude"]
                ds[...] = np.mod(ds[()], 360.0)
    add("lon360", "values", "", "longitudes in 0..360 instead of -180..180 (wrapped)")

    path = _copy(good, out_dir, "emptybeams")
    with h5py.File(path, "r+") as h5:
        for b in BEAMS:
            if f"{b}/{SEG}" not in h5:
                continue
            for name in list(h5[f"{b}/{SEG}"]):
                obj = h5[f"{b}/{SEG}/{name}"]
                if isinstance(obj, h5py.Dataset) and obj.ndim == 1:
                    dtype, attrs = obj.dtype, dict(obj.attrs)
                    del h5[f"{b}/{SEG}/{name}"]
                    new = h5.create_dataset(f"{b}/{SEG}/{name}", shape=(0,), dtype=dtype,
                                            maxshape=(None,), chunks=(10000,))
                    for k, v in attrs.items():
                        if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                            new.attrs[k] = v
    add("emptybeams", "values", "", "every beam present with 0 rows")

    # Damaged group metadata must make a bad granule, never a beam (or a whole granule) that
    # reads as absent: its points would be lost with exit status 0.
    lats = [f"/{b}/{SEG}/latitude" for b in BEAMS if _opens(good, f"/{b}/{SEG}/latitude")]
    group_nodes = (b"SNOD", b"BTLF", b"BTHD", b"FHDB", b"FRHP", b"OHDR")  # old and new groups
    if _damage_signature(path := _copy(good, out_dir, "badbeamgroup"), group_nodes,
                         lambda p: not _opens(p, lat_ds) and all(
                             _opens(p, x) for x in lats if x != lat_ds)):
        add("badbeamgroup", "skip", "damaged metadata",
            f"one metadata signature on the way to {beam}'s latitude zeroed (the others intact)")
    else:
        os.remove(path)
        print(f"note: badbeamgroup left out: no metadata node of {good} hides {beam} alone")
    if _damage_signature(path := _copy(good, out_dir, "badroot"), (b"TREE",) + group_nodes,
                         lambda p: not any(_opens(p, x) for x in lats)):
        add("badroot", "skip", "damaged metadata",
            "one metadata signature zeroed that hides every beam (the root group's links)")
    else:
        os.remove(path)
        print(f"note: badroot left out: no metadata node of {good} hides every beam")

    # An earlier output left among the inputs (the root attribute healgrid_version marks
    # healgrid's outputs): refused by name, not read as a granule without beams.
    path = _copy(good, out_dir, "healgridout")
    with h5py.File(path, "r+") as h5:
        h5.attrs["healgrid_version"] = np.bytes_("0.1.0")
    add("healgridout", "skip", "a healgrid output", "a file with healgrid's healgrid_version mark")

    # Another product's file: none of the configured groups, so no points, with a warning.
    path = _copy(good, out_dir, "nobeams")
    with h5py.File(path, "r+") as h5:
        for b in BEAMS:
            if b in h5:
                h5.move(b, f"other_{b}")
    add("nobeams", "values", "", "none of the configured beam groups (another product's layout)")

    path = os.path.join(out_dir, f"isdir_{os.path.basename(good)}")
    os.makedirs(path, exist_ok=True)
    add("isdir", "input", "not a regular file", "a directory named like a granule", path)

    _damage_chunk(_copy(good, out_dir, "badhlichunk"), hli_ds)
    add("badhlichunk", "fatal", "h_li: chunk 0 (rows 0..",  # the dataset and its rows
        "deflate stream of the first h_li chunk damaged (read only in read+aggregate)")

    # h_li stored in an external raw file (h5py `external=`) that is short or missing: HDF5
    # reads the bytes it lacks as zeros (a short file was gridded as heights of 0, exit 0), and
    # a missing one failed only in read+aggregate, fatal even with skip, without its name.
    for label, keep in (("shortexternal", n // 2), ("missingexternal", None)):
        path = _copy(good, out_dir, label)
        raw = os.path.abspath(path + ".hli.bin")
        with h5py.File(path, "r+") as h5:
            values = h5[hli_ds][()].astype("<f4")
            attrs = dict(h5[hli_ds].attrs)
            del h5[hli_ds]
            values[:keep].tofile(raw) if keep is not None else None
            new = h5.create_dataset(hli_ds, shape=values.shape, dtype="<f4",
                                    external=[(raw, 0, h5py.h5f.UNLIMITED)])
            for k, v in attrs.items():
                if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                    new.attrs[k] = v
        add(label, "skip", os.path.basename(raw),
            f"h_li in an external raw file {'holding half its rows' if keep else 'that is missing'}")

    path = _copy(good, out_dir, "unreadable")
    os.chmod(path, 0)
    add("unreadable", "skip", "", "file mode 000 (run as user nobody when root)")

    if big:
        cases.append(make_big_beam(out_dir))
    return cases


def make_big_beam(out_dir, rows=BIG_ROWS):
    """One granule whose gt1l beam holds `rows` points (a track crossing Antarctica)."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "bigbeam_ATL06_20200101000000_00010110_006_01.h5")
    rng = np.random.default_rng(8)
    t = np.linspace(0.0, 1.0, rows)
    lat = -60.0 - 28.0 * np.sin(np.pi * t)          # -60 .. -88 .. -60
    lon = -180.0 + 360.0 * t
    h = (2000.0 + 500.0 * np.cos(6.0 * np.pi * t) + rng.normal(0, 5, rows)).astype(np.float32)
    sigma = rng.uniform(0.05, 0.5, rows).astype(np.float32)
    quality = (rng.random(rows) < 0.1).astype(np.int8)
    h[::1000] = np.float32(3.4028235e38)            # fill values, dropped
    with h5py.File(path, "w") as h5:
        seg = h5.create_group(f"gt1l/{SEG}")
        opts = dict(chunks=(1 << 20,))
        seg.create_dataset("latitude", data=lat, **opts)
        seg.create_dataset("longitude", data=lon, **opts)
        seg.create_dataset("delta_time", data=t * 400.0, **opts)
        for name, data in (("h_li", h), ("h_li_sigma", sigma)):
            ds = seg.create_dataset(name, data=data, **opts)
            ds.attrs["_FillValue"] = np.float32(3.4028235e38)
            ds.attrs["units"] = np.bytes_("meters")
        ds = seg.create_dataset("atl06_quality_summary", data=quality, **opts)
        ds.attrs["_FillValue"] = np.int8(127)
    return Case("bigbeam", path, "values", "", f"one beam with {rows:,} points")


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    for case in make_corpus(argv[1], argv[2], big="--big" in argv):
        print(f"{case.name:12s} {case.expect:7s} {case.what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
