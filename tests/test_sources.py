"""CBS connector: real code path with recorded-format responses; offline gives a clear error."""

import json
from pathlib import Path

import pytest

from analysis.data import sources

FIX = Path(__file__).parent / "fixtures" / "cbs"


def recorded(url: str) -> dict:
    if "TableInfos" in url:
        name = "84753NED_TableInfos.json"
    elif "DataProperties" in url:
        name = "84753NED_DataProperties.json"
    elif "skiptoken=1" in url:
        name = "84753NED_TypedDataSet_page2.json"
    else:
        name = "84753NED_TypedDataSet_page1.json"
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def test_fetch_table_follows_paging_and_strips_codes():
    t = sources.fetch_table("84753NED", fetch=recorded)
    assert t.title.startswith("Wmo-cliënten")
    assert t.data["WijkenEnBuurten"].tolist() == ["GM0014", "GM1952"]
    assert t.data.loc[0, "HuishoudelijkeHulp_4"] == 3940
    assert len(t.urls) == 4  # infos, properties, two data pages


def test_download_caches_and_writes_provenance(tmp_path):
    calls = []

    def counting(url):
        calls.append(url)
        return recorded(url)

    p1 = sources.download_table("84753NED", tmp_path, fetch=counting)
    prov = json.loads((p1.parent / "provenance.json").read_text())
    assert prov["licence"] == "CC BY 4.0" and prov["rows"] == 2 and len(prov["sha256"]) == 64
    n = len(calls)
    p2 = sources.download_table("84753NED", tmp_path, fetch=counting)
    assert p2 == p1 and len(calls) == n  # cache hit: no new requests


def test_offline_gives_clear_message(monkeypatch):
    import urllib.error

    def no_net(*a, **k):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(sources.urllib.request, "urlopen", no_net)
    with pytest.raises(sources.CbsUnavailableError, match="no internet access"):
        sources.fetch_table("84753NED")


def test_rejects_bad_table_id():
    with pytest.raises(ValueError):
        sources.fetch_table("../etc", fetch=recorded)
