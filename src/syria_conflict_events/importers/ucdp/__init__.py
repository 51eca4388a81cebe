"""UCDP Georeferenced Event Dataset (GED) CSV -> SCE records, a module per table.

Columns are matched by name, so every published column set works (with or without relid,
code_status, the *_dset_id columns, where_description, gwnoa/gwnob; best/low/high or the older
best_est/low_est/high_est). Crosswalks come from the declaration's ``ucdp`` attributes; where
UCDP's code maps to several SCE codes the choice is made here and documented in
docs/importers.md:

* events (:mod:`.rows`, one row at a time with every check and message; :mod:`.columnar`, the
  ordinary rows column-wise, and :func:`read_ucdp`): type_of_violence 1 (state-based) and 2
  (non-state) -> battles / armed_clash, 3 (one-sided) -> violence_against_civilians / attack;
* places (:mod:`.places`): where_prec 1, 2 and 5 a point, 3 the district, 4 the governorate,
  6 the country; 7 (international waters or airspace) cannot be placed and is reported;
* actors (:mod:`.actors`): side_a / side_b -> roles side_a / side_b, whatever the type;
* claims and sources (:mod:`.claims`): UCDP's claim with the figures, and one claim per source
  UCDP lists, by its publisher, without figures.
"""

from __future__ import annotations

from .columnar import read_ucdp
from .rows import SCHEME, Options

__all__ = ["SCHEME", "Options", "read_ucdp"]
