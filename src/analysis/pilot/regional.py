"""Regional comparison of the gezinsverzorger pilots from the regional-monitor table.

The monitor schema (analysis.data.schemas.REGIONAL_MONITOR) is documented in the README so that the real
regional data (one row per pilot) can be dropped in as data/raw/regionale_monitor/*.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def regional_comparison(monitor: pd.DataFrame) -> pd.DataFrame:
    from analysis.data.schemas import REGIONAL_MONITOR, validate

    m = validate(monitor, REGIONAL_MONITOR, "regional monitor", line_offset=2)
    out = pd.DataFrame(
        {
            "pilot": m["pilot"],
            "uitvoerder": m["uitvoerder"],
            "tarief": m["tarief"],
            "periode": m["periode_start"].astype(str).str[:7] + " t/m " + m["periode_einde"].astype(str).str[:7],
            "gezinnen_gestart": m["gezinnen_gestart"],
            "gezinnen_afgerond": m["gezinnen_afgerond"],
            "gem_duur_maanden": m["gem_duur_maanden"],
            "zrm_verbeterd": m["zrm_verbeterd"],
            "zrm_gemeten": m["zrm_gemeten"],
            "aandeel_zrm_verbeterd": np.where(
                m["zrm_gemeten"] > 0, m["zrm_verbeterd"] / m["zrm_gemeten"].where(m["zrm_gemeten"] > 0), np.nan
            ),
            "uithuisplaatsingen": m["uithuisplaatsingen"],
            "kosten_per_gezin": m["kosten_eur"] / m["gezinnen_gestart"].where(m["gezinnen_gestart"] > 0),
        }
    )
    return out
