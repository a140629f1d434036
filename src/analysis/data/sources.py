"""CBS StatLine connector (OData v3 JSON API), with a cache in data/raw/cbs/ and provenance beside each download.

There is no internet on the build machines: the real HTTP path is used as is, tested with recorded responses
(tests/fixtures/cbs/), and fails with a clear message when opendata.cbs.nl cannot be reached.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
Fetch = Callable[[str], dict]


class CbsUnavailableError(RuntimeError):
    pass


def http_get_json(url: str, timeout: float = 30.0) -> dict:
    req = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "groningen-sociaal-domein/0.1"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise CbsUnavailableError(
            f"cannot reach CBS StatLine ({url}): {exc}. This machine has no internet access; use the bundled data "
            "in data/raw/ or download on a connected machine with `analysis data cbs TABLE_ID`."
        ) from exc


@dataclass(frozen=True)
class CbsTable:
    table_id: str
    title: str
    period: str
    data: pd.DataFrame
    properties: pd.DataFrame
    retrieved: str
    urls: tuple[str, ...]


def _get_all(url: str, fetch: Fetch) -> tuple[list[dict], list[str]]:
    """Follow odata.nextLink: CBS pages results at 10,000 rows."""
    rows, urls = [], []
    while url:
        urls.append(url)
        payload = fetch(url)
        if "value" not in payload:
            raise CbsUnavailableError(f"unexpected CBS response from {url}: no 'value' field")
        rows.extend(payload["value"])
        url = payload.get("odata.nextLink")
    return rows, urls


def fetch_table(table_id: str, *, filter: str | None = None, fetch: Fetch = http_get_json) -> CbsTable:
    if not table_id.replace("NED", "").replace("ENG", "").isalnum():
        raise ValueError(f"not a CBS table id: {table_id!r}")
    info_rows, u1 = _get_all(f"{BASE_URL}/{table_id}/TableInfos?$format=json", fetch)
    prop_rows, u2 = _get_all(f"{BASE_URL}/{table_id}/DataProperties?$format=json", fetch)
    q = f"{BASE_URL}/{table_id}/TypedDataSet?$format=json"
    if filter:
        q += "&$filter=" + urllib.request.quote(filter)
    data_rows, u3 = _get_all(q, fetch)
    info = info_rows[0] if info_rows else {}
    data = pd.DataFrame(data_rows)
    for c in [c for c in data.columns if pd.api.types.is_string_dtype(data[c])]:
        data[c] = data[c].str.strip()  # CBS pads region codes ("GM0014    ")
    return CbsTable(
        table_id,
        info.get("Title", ""),
        info.get("Period", ""),
        data,
        pd.DataFrame(prop_rows),
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        tuple(u1 + u2 + u3),
    )


def download_table(
    table_id: str,
    raw_dir: str | Path,
    *,
    filter: str | None = None,
    refresh: bool = False,
    fetch: Fetch = http_get_json,
) -> Path:
    """Download into ``raw_dir/cbs/<table_id>/`` with provenance; reuse the cache unless ``refresh``.

    data/raw is immutable: a refresh writes a new dated folder instead of overwriting the old one.
    """
    from analysis.data.io import atomic_path, sha256_file, write_json_atomic

    base = Path(raw_dir) / "cbs" / table_id
    existing = sorted(base.glob("*/data.csv")) if base.exists() else []
    if existing and not refresh:
        return existing[-1]
    table = fetch_table(table_id, filter=filter, fetch=fetch)
    folder = base / dt.date.today().isoformat()
    if (folder / "data.csv").exists():
        folder = base / dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / "data.csv") as tmp:
        table.data.to_csv(tmp, index=False)
    table.properties.to_json(folder / "data_properties.json", orient="records", force_ascii=False, indent=1)
    write_json_atomic(
        {
            "table_id": table_id,
            "title": table.title,
            "period": table.period,
            "publisher": "CBS",
            "licence": "CC BY 4.0",
            "retrieved": table.retrieved,
            "urls": list(table.urls),
            "filter": filter,
            "rows": len(table.data),
            "sha256": sha256_file(folder / "data.csv"),
        },
        folder / "provenance.json",
    )
    return folder / "data.csv"
