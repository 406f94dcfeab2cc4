#!/usr/bin/env python3
"""The read floor (bench/read_floor.cpp, issue 18) reads what it says it reads.

For each config in config/ and its real granules (../shared/data/real; skipped per product when
absent), the datasets the config needs are derived here from the YAML (coordinates, linked
levels' links, filter and variable datasets) and counted with h5py and zlib: chunks, their
stored bytes and what they inflate to, and the datasets stored whole (contiguous or compact, as in the GEDI
subset); the floor's --json must report the same totals. Generated files check what it must
refuse or decode: contiguous, compact and external datasets (a missing external file fails it),
a virtual dataset (refused), a corrupt chunk (it inflates every chunk), a filter it does not
apply, a chunk written with its deflate skipped (filter mask), a missing beam group (skipped,
no HDF5 error stack printed), no input.
"""

import json
import os
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402

PRODUCTS = {  # config -> the real granules it reads
    "atl06.yaml": ["processed_ATL06_20190416093911_02770303_002_01.h5",
                   "ATL06_20181013235645_02340114_209_01.h5"],
    "atl03.yaml": ["ATL03_gt1l.h5", "atl03_clip.h5"],
    "atl07.yaml": ["processed_ATL07-01_20190222003738_08490201_003_02.h5"],
    "atl08.yaml": ["atl08_clip.h5"],
    "gedi_l2a.yaml": ["GEDI02_A_2019108080338_O01964_T05337_02_001_01_sub.h5"],
}


def floor_bin():
    return common.executable_from_env("HEALGRID_READ_FLOOR")


def run_floor(args):
    proc = subprocess.run([floor_bin(), "--repeats", "1"] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def dataset_templates(cfg):
    """The dataset paths a run reads from each granule, from the config's meaning."""
    paths = [cfg["coordinates"]["latitude"], cfg["coordinates"]["longitude"]]
    for level in (cfg.get("levels") or {}).values():
        paths += [level["index_begin"], level["count"]]
    for f in cfg.get("filters") or []:
        if "dataset" in f:
            paths.append(f["dataset"])
    for v in (cfg.get("variables") or {}).values():
        if isinstance(v, str):
            paths.append(v)
        elif "dataset" in v:
            paths.append(v["dataset"])
    unique = []
    for p in (p.split("[")[0] for p in paths):  # a column selector reads the whole dataset
        if p not in unique:
            unique.append(p)
    return unique


def deflate_bit(ds):
    """The bit of a chunk's filter mask that says its deflate was skipped."""
    plist = ds.id.get_create_plist()
    for i in range(plist.get_nfilters()):
        if plist.get_filter(i)[0] == h5py.h5z.FILTER_DEFLATE:
            return 1 << i
    return 0


def expected_totals(files, cfg):
    """chunks, whole reads, stored and inflated bytes, counted by h5py and zlib."""
    totals = dict(chunks=0, whole_reads=0, stored_bytes=0, inflated_bytes=0, dataset_reads=0)
    groups = cfg.get("groups") or [""]
    for path in files:
        with h5py.File(path, "r") as f:
            for group in groups:
                for template in dataset_templates(cfg):
                    name = template.replace("{group}", group)
                    if name not in f:
                        continue
                    ds = f[name]
                    totals["dataset_reads"] += 1
                    if ds.chunks is None:
                        totals["whole_reads"] += 1
                        external = ds.id.get_create_plist().get_external_count() > 0
                        size = ds.size * ds.dtype.itemsize if external else \
                            ds.id.get_storage_size()  # bytes in other files: those read
                        totals["stored_bytes"] += size
                        totals["inflated_bytes"] += size
                        continue
                    for i in range(ds.id.get_num_chunks()):
                        info = ds.id.get_chunk_info(i)
                        mask, raw = ds.id.read_direct_chunk(info.chunk_offset)
                        deflated = ds.compression == "gzip" and not mask & deflate_bit(ds)
                        totals["chunks"] += 1
                        totals["stored_bytes"] += info.size
                        # What the chunk inflates to: most writers store whole chunks, some
                        # (the clipped samples) only the rows up to the dataset's end.
                        totals["inflated_bytes"] += len(zlib.decompress(raw) if deflated else raw)
    return totals


def check_real(checks):
    real = os.path.join(common.shared_dir(), "data", "real")
    measured = 0
    for config, names in PRODUCTS.items():
        files = [os.path.join(real, n) for n in names if os.path.exists(os.path.join(real, n))]
        if not files:
            print(f"SKIP part: no {config} granules in {real}")
            continue
        cfg_path = os.path.join(common.source_dir(), "config", config)
        cfg = common.load_config(cfg_path)
        want = expected_totals(files, cfg)
        rc, out, err = run_floor(["--json", "--config", cfg_path] + files)
        if not checks.check(rc == 0, f"{config}: exit {rc}:\n{out}{err}"):
            continue
        got = json.loads(out)
        for key, value in want.items():
            checks.check(got.get(key) == value, f"{config}: {key} {got.get(key)}, h5py {value}")
        checks.check(got["datasets"] == dataset_templates(cfg),
                     f"{config}: datasets {got['datasets']}, want {dataset_templates(cfg)}")
        checks.check("HDF5-DIAG" not in err, f"{config}: HDF5's error stack printed:\n{err}")
        checks.check(got["median_seconds"] > 0, f"{config}: no time measured: {got}")
        checks.check(want["dataset_reads"] > 0 and want["chunks"] + want["whole_reads"] > 0,
                     f"{config}: none of its datasets in {names}: {want}")
        if config == "gedi_l2a.yaml":  # the subset stores most datasets contiguous
            checks.check(want["whole_reads"] > 0, f"{config}: no dataset stored whole: {want}")
        measured += 1
        print(f"{config}: {want}")
    return measured


def write_granule(path, beams=("g1", "g2"), filters=None, n=5000):
    """A small granule: lat, lon, a quality flag and a variable per beam, deflated + shuffled."""
    rng = np.random.default_rng(7)
    kw = filters if filters is not None else dict(compression="gzip", shuffle=True)
    with h5py.File(path, "w") as f:
        for b in beams:
            f.create_dataset(f"{b}/lat", data=rng.uniform(-80, -60, n), chunks=(1000,), **kw)
            f.create_dataset(f"{b}/lon", data=rng.uniform(-180, 180, n), chunks=(1000,), **kw)
            f.create_dataset(f"{b}/q", data=rng.integers(0, 2, n).astype("i1"), chunks=(1000,),
                             **kw)
            f.create_dataset(f"{b}/v", data=rng.normal(0, 1, n).astype("f4"), chunks=(1000,),
                             **kw)


def write_config(path):
    base = common.load_config(common.config_path())
    base.update(groups=["g1", "g2"],
                coordinates={"latitude": "/{group}/lat", "longitude": "/{group}/lon"},
                variables={"h_li": "/{group}/v", "s_li": "/{group}/v"},
                filters=[{"dataset": "/{group}/q", "op": "==", "value": 0}])
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(base, stream)


def check_generated(checks, tmp):
    cfg_path = os.path.join(tmp, "small.yaml")
    write_config(cfg_path)
    cfg = common.load_config(cfg_path)

    good = os.path.join(tmp, "good.h5")
    write_granule(good)
    one_beam = os.path.join(tmp, "one_beam.h5")
    write_granule(one_beam, beams=("g2",))
    rc, out, err = run_floor(["--json", "--config", cfg_path, good, one_beam])
    if checks.check(rc == 0, f"generated granules: exit {rc}:\n{out}{err}"):
        got, want = json.loads(out), expected_totals([good, one_beam], cfg)
        checks.check(want["chunks"] == 3 * 4 * 5 and want["dataset_reads"] == 12,
                     f"the test's own count is off: {want}")
        for key, value in want.items():
            checks.check(got.get(key) == value, f"generated: {key} {got.get(key)}, h5py {value}")
        checks.check("HDF5-DIAG" not in err and "error" not in err.lower(),
                     f"a missing beam printed an error:\n{err}")

    # A chunk written with its deflate skipped (filter mask bit 1: shuffle is filter 0, deflate
    # filter 1) holds shuffled plain bytes: decoded without an inflate.
    masked = os.path.join(tmp, "masked.h5")
    write_granule(masked)
    with h5py.File(masked, "r+") as f:
        values = np.arange(1000, dtype="f4")
        shuffled = values.view(np.uint8).reshape(1000, 4).T.copy().tobytes()
        f["g1/v"].id.write_direct_chunk((0,), shuffled, filter_mask=deflate_bit(f["g1/v"]))
    rc, out, err = run_floor(["--json", "--config", cfg_path, masked])
    if checks.check(rc == 0, f"a chunk with its deflate skipped: exit {rc}:\n{out}{err}"):
        got, want = json.loads(out), expected_totals([masked], cfg)
        checks.check((got["stored_bytes"], got["inflated_bytes"]) ==
                     (want["stored_bytes"], want["inflated_bytes"]),
                     f"a chunk with its deflate skipped: {got}, h5py {want}")

    # Datasets stored whole: contiguous (lat, lon), compact (q), in an external raw file (v),
    # whose absence fails the read: the floor reads them, it does not only count them.
    whole = os.path.join(tmp, "whole.h5")
    rng = np.random.default_rng(3)
    external = os.path.join(tmp, "whole_v.raw")
    rng.normal(0, 1, 4000).astype("<f4").tofile(external)
    with h5py.File(whole, "w") as f:
        for b in ("g1", "g2"):
            f.create_dataset(f"{b}/lat", data=rng.uniform(-80, -60, 1000))
            f.create_dataset(f"{b}/lon", data=rng.uniform(-180, 180, 1000))
            plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            plist.set_layout(h5py.h5d.COMPACT)
            space = h5py.h5s.create_simple((1000,))
            h5py.h5d.create(f.require_group(b).id, b"q", h5py.h5t.STD_I8LE, space, dcpl=plist)
            f.create_dataset(f"{b}/v", shape=(1000,), dtype="<f4",
                             external=[(external, 4000 * (b == "g2"), 4000)])
    rc, out, err = run_floor(["--json", "--config", cfg_path, whole])
    if checks.check(rc == 0, f"datasets stored whole: exit {rc}:\n{out}{err}"):
        got, want = json.loads(out), expected_totals([whole], cfg)
        checks.check(want["whole_reads"] == 8 and want["chunks"] == 0, f"test's count: {want}")
        for key, value in want.items():
            checks.check(got.get(key) == value, f"stored whole: {key} {got.get(key)}, {value}")
    os.remove(external)
    rc, out, err = run_floor(["--config", cfg_path, whole])
    checks.check(rc == 1 and whole in err and "/g1/v" in err and "cannot read" in err,
                 f"an external raw file missing: exit {rc}, stderr:\n{err}")

    # A virtual dataset is refused: its bytes are read through other datasets' layouts.
    virtual = os.path.join(tmp, "virtual.h5")
    write_granule(virtual)
    with h5py.File(virtual, "r+") as f:
        layout = h5py.VirtualLayout(shape=(5000,), dtype="<f4")
        layout[:] = h5py.VirtualSource(f["g2/v"])
        del f["g1/v"]
        f.create_virtual_dataset("g1/v", layout)
    rc, out, err = run_floor(["--config", cfg_path, virtual])
    checks.check(rc == 1 and "/g1/v" in err and "virtual" in err,
                 f"a virtual dataset: exit {rc}, stderr:\n{err}")

    # Every chunk is inflated: one corrupt chunk fails the floor, naming file and dataset.
    corrupt = os.path.join(tmp, "corrupt.h5")
    write_granule(corrupt)
    with h5py.File(corrupt, "r") as f:
        info = f["g2/v"].id.get_chunk_info(3)
    with open(corrupt, "r+b") as stream:
        stream.seek(info.byte_offset + 2)
        stream.write(b"\xff" * (info.size - 6))
    rc, out, err = run_floor(["--config", cfg_path, corrupt])
    checks.check(rc == 1 and corrupt in err and "/g2/v" in err and "chunk 3" in err,
                 f"a corrupt chunk: exit {rc}, stderr:\n{err}")

    # A filter the floor does not apply (Fletcher-32 checksums) is refused, not skipped.
    fletcher = os.path.join(tmp, "fletcher.h5")
    write_granule(fletcher, filters=dict(compression="gzip", fletcher32=True))
    rc, out, err = run_floor(["--config", cfg_path, fletcher])
    checks.check(rc == 1 and "/g1/lat" in err and "filter 3" in err,
                 f"a Fletcher-32 dataset: exit {rc}, stderr:\n{err}")

    rc, out, err = run_floor([os.path.join(tmp, "empty_dir_does_not_exist")])
    checks.check(rc != 0, f"a missing input: exit {rc}")
    os.makedirs(os.path.join(tmp, "empty"))
    rc, out, err = run_floor([os.path.join(tmp, "empty")])
    checks.check(rc == 2 and "no .h5 granule" in err, f"an empty directory: exit {rc}:\n{err}")


def main():
    checks = common.Checks("check_read_floor")
    with common.temp_dir() as tmp:
        check_generated(checks, tmp)
    if check_real(checks) == 0:
        print("SKIP part: no real granules; the generated files only")
    checks.finish()


if __name__ == "__main__":
    main()
