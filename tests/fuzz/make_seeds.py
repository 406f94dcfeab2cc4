#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from real files (nothing is committed).

    make_seeds.py SHARED_DIR OUT_DIR

OUT_DIR/config:             the repository's pipeline configs (config/*.yaml)
OUT_DIR/catalog_json:       recorded CMR and STAC responses (SHARED_DIR/data/responses/*.json)
OUT_DIR/granule_bytes:      small granules cut from the real ATL06 files (first 48 rows of the
                            configured datasets of every beam, with their attributes, chunked
                            and deflated as in the originals)
OUT_DIR/granule_structured: a few byte patterns (the target builds the file itself)
"""

import glob
import os
import shutil
import sys

import h5py

COLUMNS = ("latitude", "longitude", "delta_time", "h_li", "h_li_sigma", "atl06_quality_summary")
ROWS = 48


def cut_granule(src, dst):
    with h5py.File(src, "r") as h5, h5py.File(dst, "w") as out:
        for beam in ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"):
            seg = f"{beam}/land_ice_segments"
            if seg not in h5:
                continue
            group = out.create_group(seg)
            for name in COLUMNS:
                if name not in h5[seg]:
                    continue
                ds = h5[seg][name]
                data = ds[:ROWS]
                new = group.create_dataset(name, data=data, chunks=(max(1, min(16, len(data))),)
                                           if len(data) else None, compression="gzip"
                                           if len(data) else None)
                for key in ("_FillValue", "units", "long_name"):
                    if key in ds.attrs:
                        new.attrs[key] = ds.attrs[key]


def main():
    shared, out = sys.argv[1], sys.argv[2]
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    dirs = {k: os.path.join(out, k) for k in ("config", "catalog_json", "granule_bytes",
                                              "granule_structured")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    for path in glob.glob(os.path.join(repo, "config", "*.yaml")):
        shutil.copyfile(path, os.path.join(dirs["config"], os.path.basename(path)))
    for path in glob.glob(os.path.join(shared, "data", "responses", "*.json")):
        shutil.copyfile(path, os.path.join(dirs["catalog_json"], os.path.basename(path)))
    for path in sorted(glob.glob(os.path.join(shared, "data", "real", "*ATL06_*.h5"))):
        cut_granule(path, os.path.join(dirs["granule_bytes"], os.path.basename(path)))
    for i, pattern in enumerate((b"\x00" * 64, bytes(range(256)), b"\xff\x10" * 200)):
        with open(os.path.join(dirs["granule_structured"], f"seed{i}"), "wb") as stream:
            stream.write(pattern)
    counts = {k: len(os.listdir(d)) for k, d in dirs.items()}
    print(f"fuzz seeds in {out}: {counts}")


if __name__ == "__main__":
    main()
