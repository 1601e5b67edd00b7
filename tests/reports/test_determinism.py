"""R19: a published period is byte-identical when recomputed in another process (set order
depends on the string-hash seed, the suppression pattern must not)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.reports.helpers import Cell, close, seed


def test_export_is_identical_across_hash_seeds(engine, settings):
    seed(engine, [Cell(municipality=m, count=c, language=lang, channel=ch)
                  for m, c in [("linkoping", 14), ("motala", 3), ("ydre", 6), ("kinda", 2)]
                  for lang in ("sv", "en") for ch in ("peer_ambassador", "staff_group")])
    close(engine, "2026-01")
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "LYSSNA_DATABASE_URL": settings.database_url,
               "LYSSNA_SECRET_KEY": settings.secret_key, "LYSSNA_VAR_DIR": str(settings.var_dir)}
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "results", "export", "--intervention", "so",
             "--by", "language", "--period", "2026-01", "--format", "json"],
            env=env, capture_output=True, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
