"""analysis.memo: results computed once per distinct input content, handed out as independent copies."""

import pandas as pd
import pytest

from analysis import memo


@pytest.fixture(autouse=True)
def clean():
    memo.clear()
    yield
    memo.clear()


def test_equal_content_is_computed_once_and_copies_are_independent():
    calls = []

    @memo.shared
    def total(df, factor=1):
        calls.append(1)
        return df.assign(y=df.x * factor)

    a = pd.DataFrame({"x": [1, 2, 3]})
    first = total(a, factor=2)
    again = total(pd.DataFrame({"x": [1, 2, 3]}), factor=2)  # another frame, same content
    assert len(calls) == 1 and again.equals(first)
    again.loc[0, "y"] = -1  # a notebook changing its table in place
    assert total(a, factor=2).loc[0, "y"] == 2
    total(pd.DataFrame({"x": [1, 2, 4]}), factor=2)  # other content
    total(a, factor=3)  # other argument
    assert len(calls) == 3 and memo.stats["hits"] == 2


def test_functions_are_keyed_by_code_and_what_they_close_over():
    def scenario(level):
        return lambda v: v * level

    k = lambda f: memo.key("f", (f,), {})  # noqa: E731
    assert k(scenario(2)) == k(scenario(2))
    assert k(scenario(2)) != k(scenario(3))


def test_unhashable_arguments_are_not_cached():
    calls = []

    @memo.shared
    def f(obj):
        calls.append(1)
        return 1

    class Slotted:
        __slots__ = ("a",)

        def __reduce__(self):
            raise TypeError("no")

    f(Slotted())
    f(Slotted())
    assert len(calls) == 2


def test_install_wraps_the_shared_functions_once():
    from analysis.demand import tariff

    original = tariff.tariff_effect_did
    try:
        assert "analysis.demand.tariff:tariff_effect_did" in memo.install()
        wrapped = tariff.tariff_effect_did
        assert wrapped.__wrapped_shared__ is original
        memo.install()
        assert tariff.tariff_effect_did is wrapped  # idempotent
    finally:
        for spec in memo.SHARED:
            mod, name = spec.split(":")
            m = __import__(mod, fromlist=[name])
            fn = getattr(m, name)
            setattr(m, name, getattr(fn, "__wrapped_shared__", fn))
