"""Regional comparison of the gezinsverzorger pilots from the regional-monitor table.

The monitor schema (analysis.data.schemas.REGIONAL_MONITOR) is documented in the README so that the real
regional data (one row per pilot) can be dropped in as data/raw/regionale_monitor/*.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OWN_PILOT_CODE = "GM0014"


def regional_comparison(
    monitor: pd.DataFrame, own: dict | None = None, *, as_of: str | None = None, planned_end: str | None = None
) -> pd.DataFrame:
    """One row per gezinsverzorger pilot in the region with common metrics.

    ``own``: our pilot's figures computed from its own registration at the report's peildatum (keys as the monitor
    columns); they replace the monitor's Groningen row, so the regional table never shows other numbers for Groningen
    than the rest of the report.

    ``basis`` says what each row covers, so a reader does not set a running pilot's spending to the peildatum beside
    another pilot's whole run unawares: 'hele looptijd' for a pilot whose period ended by ``as_of`` (the peildatum),
    'tot de peildatum (loopt door tot <month>)' for our own pilot (``planned_end``: its planned end), 'lopend' for
    another pilot still running on the peildatum. ``maanden``: the months the row covers.

    Parameters
    ----------
    monitor : pandas.DataFrame
        The regional monitor, one row per pilot (schema ``analysis.data.schemas.REGIONAL_MONITOR``: pilot,
        gemeente_code, uitvoerder, tarief, periode_start, periode_einde, gezinnen_gestart, gezinnen_afgerond,
        gem_duur_maanden, zrm_verbeterd, zrm_gemeten, uithuisplaatsingen, kosten_eur).
    own : dict, optional
        Our pilot's figures by monitor column.
    as_of : str, optional
        The peildatum; without it there is no ``basis`` column.
    planned_end : str, optional
        Our pilot's planned end (ISO date).

    Returns
    -------
    pandas.DataFrame
        pilot, uitvoerder, tarief, periode (Dutch months), gezinnen_gestart, gezinnen_afgerond, gem_duur_maanden,
        zrm_verbeterd, zrm_gemeten, aandeel_zrm_verbeterd, uithuisplaatsingen, kosten_per_gezin (euros), maanden and
        (with ``as_of``) basis.

    Raises
    ------
    DataInputError
        If the monitor (or the monitor with our figures) does not match its schema; one line names the column and
        rows.
    ValueError
        If ``own`` is given and the monitor has no row for Groningen (GM0014).
    KeyError
        If ``own`` has a key that is not a monitor column.

    Examples
    --------
    >>> from analysis.data.io import load_processed
    >>> t = regional_comparison(load_processed("synthetic/regional_monitor"), as_of="2022-11-01")  # doctest: +SKIP
    >>> t[["pilot", "gezinnen_gestart", "kosten_per_gezin", "basis"]]  # doctest: +SKIP
    """
    from analysis.data.schemas import REGIONAL_MONITOR, validate
    from analysis.formatting import month

    m = validate(monitor, REGIONAL_MONITOR, "regional monitor", line_offset=2).copy()
    if own is not None:
        is_own = m["gemeente_code"] == OWN_PILOT_CODE
        if not is_own.any():
            raise ValueError(f"the regional monitor has no row for {OWN_PILOT_CODE} to replace")
        for k, v in own.items():
            if k not in m.columns:
                raise KeyError(f"own pilot figure {k!r} is not a regional monitor column")
            m.loc[is_own, k] = v
        m = validate(m, REGIONAL_MONITOR, "regional monitor with own figures", line_offset=2)
    out = pd.DataFrame(
        {
            "pilot": m["pilot"],
            "uitvoerder": m["uitvoerder"],
            "tarief": m["tarief"],
            "periode": [
                f"{month(str(a)[:10], short=True)} t/m {month(str(b)[:10], short=True)}"
                for a, b in zip(m["periode_start"], m["periode_einde"])
            ],
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
    start, end = pd.to_datetime(m["periode_start"]), pd.to_datetime(m["periode_einde"])
    out["maanden"] = ((end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month + 1).to_numpy()
    if as_of is not None:
        cut = pd.Timestamp(as_of)
        is_own = (m["gemeente_code"] == OWN_PILOT_CODE).to_numpy()
        running = is_own | (end >= cut).to_numpy()
        until = f" (loopt door tot {month(planned_end[:10])})" if planned_end else " (loopt door)"
        out["basis"] = np.where(
            running, np.where(is_own, "tot de peildatum" + until, "lopend: stand eind periode"), "hele looptijd"
        )
    return out
