#!/usr/bin/env python3
"""End-to-end checks of linked levels (photons owned by segments) at --np N ranks.

ATL03 stores its corrections once per 20 m geolocation segment: segment k owns the photons
ph_index_beg[k] .. ph_index_beg[k] + segment_ph_cnt[k] - 1 (1-based; 0 for an empty segment).
config/atl03.yaml broadcasts the segment geoid to its photons and grids h_ph and h_ph - geoid.
This test does the broadcast itself (numpy repeat over the index ranges), selects the photons
from what the datasets mean, and compares EVERY statistic of EVERY cell with numpy + healpy.
Real files with broken links (atl03_clip.h5, atl08_clip.h5: overlapping ranges, see
<shared>/data/SOURCES.md) must be refused with a message naming the file, level and dataset,
and bad linked-level configs must give their clear errors (exit 2).
"""

import os

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from check_products import config_file, real_files, run_case, variant, write_yaml  # noqa: E402

BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")
F32_FILL = np.float32(3.4028235e38)


def broadcast(seg_values, begin, count, photons, base=1):
    """Each segment's value repeated over the photons it owns; NaN for photons of no segment."""
    out = np.full(photons, np.nan)
    has = count > 0
    starts = begin[has].astype(np.int64) - base
    lengths = count[has].astype(np.int64)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[np.repeat(starts, lengths) + within] = np.repeat(seg_values[has], lengths)
    return out


def atl03_points(paths, column):
    """Photons of signal confidence >= 3 for surface `column`, quality_ph 0, whose segment has a
    geoid: h_ph, the segment geoid and h_ph - geoid."""
    lats, lons, hs, geoids = [], [], [], []
    for path in paths:
        with h5py.File(path, "r") as h5:
            for beam in BEAMS:
                if f"{beam}/heights/lat_ph" not in h5:
                    continue
                ph, geo = h5[f"{beam}/heights"], h5[f"{beam}/geolocation"]
                geoid = h5[f"{beam}/geophys_corr/geoid"][()]
                geoid = np.where(geoid == F32_FILL, np.nan, geoid.astype(np.float64))
                n = ph["lat_ph"].shape[0]
                g = broadcast(geoid, geo["ph_index_beg"][()], geo["segment_ph_cnt"][()], n)
                ok = ((ph["signal_conf_ph"][()][:, column] >= 3) & (ph["quality_ph"][()] == 0)
                      & np.isfinite(g))
                lats.append(ph["lat_ph"][()][ok])
                lons.append(ph["lon_ph"][()][ok])
                hs.append(ph["h_ph"][()][ok].astype(np.float64))
                geoids.append(g[ok])
    h, geoid = np.concatenate(hs), np.concatenate(geoids)
    return (np.concatenate(lats), np.concatenate(lons),
            {"h_ph": h, "geoid": geoid, "h_geoid": h - geoid})


def photon_only_points(paths, column):
    """The same selection without the segment level (files whose links are broken)."""
    lats, lons, hs = [], [], []
    for path in paths:
        with h5py.File(path, "r") as h5:
            for beam in BEAMS:
                if f"{beam}/heights/lat_ph" not in h5:
                    continue
                ph = h5[f"{beam}/heights"]
                ok = (ph["signal_conf_ph"][()][:, column] >= 3) & (ph["quality_ph"][()] == 0)
                lats.append(ph["lat_ph"][()][ok])
                lons.append(ph["lon_ph"][()][ok])
                hs.append(ph["h_ph"][()][ok].astype(np.float64))
    return np.concatenate(lats), np.concatenate(lons), {"h_ph": np.concatenate(hs)}


def without_levels(tmp, name, column):
    """config/atl03.yaml without its segment level and the statistics that use it."""
    with open(config_file("atl03.yaml"), encoding="utf-8") as stream:
        lines = stream.read().replace("signal_conf_ph[:, 3]", f"signal_conf_ph[:, {column}]")
    keep, skipping = [], False
    for line in lines.splitlines(keepends=True):
        if line.startswith("levels:"):
            skipping = True
            continue
        if skipping and not line.startswith(" ") and line.strip():
            skipping = False
        if skipping or "geoid" in line and not line.startswith("#"):
            continue
        keep.append(line)
    return write_yaml(tmp, name, "".join(keep))


def expect_failure(checks, label, cfg, inputs, nprocs, tmp, rc_expected, needles, extra=()):
    out = os.path.join(tmp, "refused.nc")
    args = ["--config", cfg, "--output", out] + list(extra)
    for path in inputs:
        args += ["--input", path]
    rc, output = common.run_healgrid(args, nprocs)
    checks.check(rc == rc_expected, f"{label}: exit {rc}, expected {rc_expected}\n{output}")
    for needle in needles:
        checks.check(needle in output, f"{label}: message lacks {needle!r}\n{output}")
    checks.check(not os.path.exists(out), f"{label}: left {out}")


def check_broken_links(checks, nprocs, tmp, clip03, clip08):
    """Real files whose photon/segment links overlap are refused, never gridded."""
    if clip03:
        cfg = variant(config_file("atl03.yaml"), tmp, "atl03_clip.yaml", "signal_conf_ph[:, 3]",
                      "signal_conf_ph[:, 0]")
        expect_failure(checks, "ATL03 clip with broken links", cfg, clip03, nprocs, tmp, 1,
                       ["atl03_clip.h5", "levels.segment", "/gt1r/geolocation/ph_index_beg",
                        "segment 1", "overlap"])
    if clip08:
        # ATL08 signal photons carry no coordinates of their own (they are ATL03 photons): the
        # delta_time of each photon stands in for a coordinate so that the links are read.
        cfg = write_yaml(tmp, "atl08_photons.yaml", """
product: ATL08
groups: [gt1r]
coordinates:
  latitude: /{group}/signal_photons/delta_time
  longitude: /{group}/signal_photons/delta_time
levels:
  land_segment:
    index_begin: /{group}/land_segments/ph_ndx_beg
    count: /{group}/land_segments/n_seg_ph
    base: 1
variables:
  ph_h: /{group}/signal_photons/ph_h
  canopy: {dataset: "/{group}/land_segments/canopy/h_canopy", level: land_segment}
statistics:
  - {name: count, function: count, variable: ph_h}
""")
        expect_failure(checks, "ATL08 clip with broken links", cfg, clip08, nprocs, tmp, 1,
                       ["atl08_clip.h5", "levels.land_segment", "/gt1r/land_segments/ph_ndx_beg",
                        "segment 2", "overlap"])


def check_bad_level_configs(checks, nprocs, tmp, atl03):
    base = config_file("atl03.yaml")
    cases = [
        ("unknown level", ("level: segment}", "level: segments}"), 2,
         ["variables.geoid.level: unknown level 'segments'", "declared levels: segment"]),
        ("missing count", ("    count: /{group}/geolocation/segment_ph_cnt\n", ""), 2,
         ["levels.segment.count: missing"]),
        ("index base 2", ("    base: 1\n", "    base: 2\n"), 2,
         ["levels.segment.base: must be 0 or 1"]),
        ("misspelled index dataset", ("ph_index_beg\n", "ph_index_begin\n"), 2,
         ["levels.segment.index_begin: missing dataset /gt1l/geolocation/ph_index_begin"]),
        ("a photon dataset on the segment level",
         ("/{group}/geophys_corr/geoid", "/{group}/heights/h_ph"),
         2, ["variables.geoid: dataset /gt1l/heights/h_ph of shape [2909]",
             "not one value per segment of levels.segment (40 segments)"]),
        ("level without {group}", ("/{group}/geolocation/segment_ph_cnt", "/gt1l/geolocation/"
                                   "segment_ph_cnt"), 2,
         ["levels.segment.count: must use {group} when several groups are listed"]),
        # Segment positions of another length: the level's segment count is named (it said
        # "latitude has 40", which read as the photons' latitude).
        ("photon latitudes as segment positions",
         ("latitude: /{group}/geolocation/reference_photon_lat",
          "latitude: /{group}/heights/lat_ph"), 2,
         ["levels.segment.latitude: dataset /gt1l/heights/lat_ph has 2909 rows, the level has "
          "40 segments (/gt1l/geolocation/ph_index_beg)"]),
    ]
    for i, (label, (old, new), rc, needles) in enumerate(cases):
        cfg = variant(base, tmp, f"bad_level{i}.yaml", old, new)
        expect_failure(checks, f"bad level config ({label})", cfg, atl03, nprocs, tmp, rc,
                       needles)
    print(f"bad linked-level configs: {len(cases)} cases")


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_photons --np {nprocs}")
    atl03 = real_files("ATL03_gt1l.h5")
    clip03 = real_files("atl03_clip.h5")
    clip08 = real_files("atl08_clip.h5")
    if not (atl03 or clip03 or clip08):
        common.skip("no real ATL03/ATL08 granules in <shared>/data/real")
    with common.temp_dir() as tmp:
        if atl03:
            # This subset is over sea ice (its land-ice confidences are all -1): column 2.
            cfg = variant(config_file("atl03.yaml"), tmp, "atl03_2.yaml", "signal_conf_ph[:, 3]",
                          "signal_conf_ph[:, 2]")
            run_case(checks, "real ATL03 segment geoid", cfg, atl03, nprocs, tmp,
                     atl03_points(atl03, 2))
            check_bad_level_configs(checks, nprocs, tmp, atl03)
        if clip03:
            run_case(checks, "real ATL03 clip photons only", without_levels(tmp, "clip0.yaml", 0),
                     clip03, nprocs, tmp, photon_only_points(clip03, 0))
        check_broken_links(checks, nprocs, tmp, clip03, clip08)
    checks.finish()


if __name__ == "__main__":
    main()
