import pandas as pd
from numpy.testing import assert_allclose

from analysis.financing import koppels


def test_pairs_survive_by_provider_and_transfer():
    c = pd.DataFrame(
        {
            "client_id": list("abcde"),
            "gebied": ["N", "N", "N", "N", "Z"],
            "aanbieder": ["A", "A", "B", "B", "C"],
            "start": pd.to_datetime(["2018-01-01"] * 5),
            "einde": pd.to_datetime([None, None, None, "2022-06-01", None]),
            "koppel_start": pd.to_datetime(["2018-01-01", "2022-06-01", "2019-01-01", "2018-01-01", "2020-01-01"]),
            "geboortejaar": [1930, 1950, 1935, 1940, 1950],
        }
    )
    r = koppels.pair_continuity(c, change_date="2023-01-01", transfer_rate=0.5, chosen={"N": "A", "Z": "D"})
    n = r.per_area.set_index("gebied").loc["N"]
    assert n.koppels == 3 and n.nieuwe_aanbieder == 1  # d ended before the change
    assert_allclose(n.aandeel_behouden, (2 + 0.5) / 3)
    assert n.risico_lang == 1 and n.risico_85plus == 1  # client c: pair since 2019, aged 88
    z = r.per_area.set_index("gebied").loc["Z"]
    assert_allclose(z.aandeel_behouden, 0.5)
