"""Results that are the same for every gemeente, computed once per process.

A national batch renders the hh-raad report for ~350 gemeenten, in a few warm kernels that each render many of
them. Most of the analysis does not depend on the gemeente (the DiD on the whole panel and its robustness, the
back-tests, the national series and the synthetic Groningen fits): computing it again for every gemeente was
most of a render's time. ``install()`` wraps the named library functions so that a call with inputs equal in
content to an earlier call returns a copy of the earlier result.

Only the batch renderer installs it, in its own kernels (analysis.report.render); the library functions stay
plain functions everywhere else. The wrapped functions are pure (DataFrames and plain values in, a result out),
so a result keyed by the content of its inputs is the result. Results are handed out as deep copies, so a notebook
that changes a table in place cannot change what the next gemeente's report sees. Nothing is written to disk (no
pickles to trust), and the memory is bounded (``MAX_ENTRIES``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib
import pickle
from collections import OrderedDict

import pandas as pd

# module:function; a name that no longer exists is skipped (install returns what it wrapped)
SHARED = (
    "analysis.data.breaks:screen_registration_breaks",  # the whole panel: the same flags for every gemeente
    "analysis.demand.benchmark:_national_funnel",  # the fitted funnel and table of all gemeenten in one year
    "analysis.demand.benchmark:_indicator_funnel",  # the same for a second indicator (jeugdzorg)
    "analysis.demand.tariff:tariff_effect_did",
    "analysis.demand.tariff:did_robustness",
    "analysis.demand.tariff:tariff_effect_its",
    "analysis.demand.forecast:rolling_origin",
    "analysis.demand.forecast:simulate_projection",
    "analysis.demand.rates:hh_rates",
    "analysis.demand.rates:rates_65plus_by_area",
    "analysis.demand.drivers:driver_inputs",
)
MAX_ENTRIES = 64

_store: OrderedDict = OrderedDict()
stats = {"hits": 0, "misses": 0}


def _feed(h, obj) -> None:
    if isinstance(obj, pd.DataFrame):
        h.update(b"df")
        h.update(repr((list(map(str, obj.columns)), list(map(str, obj.dtypes)))).encode())
        try:
            h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists, dicts): the pickled frame still identifies the content
            h.update(pickle.dumps(obj, protocol=5))
    elif isinstance(obj, pd.Series):
        _feed(h, obj.to_frame())
    elif isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}{len(obj)}".encode())
        for o in obj:
            _feed(h, o)
    elif isinstance(obj, dict):
        h.update(f"dict{len(obj)}".encode())
        for k in sorted(obj, key=repr):
            _feed(h, k)
            _feed(h, obj[k])
    elif callable(obj) and hasattr(obj, "__code__"):  # a scenario's lambda: its code and what it closes over
        c = obj.__code__
        h.update(f"fn{obj.__qualname__}".encode() + c.co_code + repr(c.co_consts).encode())
        _feed(h, list(obj.__defaults__ or ()))
        _feed(h, [cell.cell_contents for cell in (obj.__closure__ or ())])
    else:
        try:
            h.update(pickle.dumps(obj, protocol=5))
        except (pickle.PicklingError, AttributeError, TypeError):
            if not hasattr(obj, "__dict__"):
                raise Unhashable(type(obj).__name__) from None
            h.update(f"obj{type(obj).__module__}.{type(obj).__qualname__}".encode())
            _feed(h, vars(obj))


class Unhashable(TypeError):
    """An argument whose content cannot be digested: the call is not cached."""


def key(name: str, args: tuple, kwargs: dict) -> str:
    """A digest of a call: the function and the content of every argument."""
    h = hashlib.sha256(name.encode())
    _feed(h, list(args))
    _feed(h, dict(kwargs))
    return h.hexdigest()


def shared(fn):
    """``fn`` computed once per distinct input content in this process; every caller gets its own copy."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            k = key(name, args, kwargs)
        except Unhashable:
            stats["uncached"] = stats.get("uncached", 0) + 1
            return fn(*args, **kwargs)
        if k in _store:
            stats["hits"] += 1
            _store.move_to_end(k)
        else:
            stats["misses"] += 1
            _store[k] = fn(*args, **kwargs)
            while len(_store) > MAX_ENTRIES:
                _store.popitem(last=False)
        return copy.deepcopy(_store[k])

    wrapper.__wrapped_shared__ = fn
    return wrapper


def install(names=SHARED) -> list[str]:
    """Wrap the named functions in their modules (idempotent). Returns the names wrapped."""
    done = []
    for spec in names:
        mod_name, fn_name = spec.split(":")
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        fn = getattr(mod, fn_name, None)
        if fn is None:
            continue
        if not hasattr(fn, "__wrapped_shared__"):
            setattr(mod, fn_name, shared(fn))
        done.append(spec)
    return done


def clear() -> None:
    _store.clear()
    stats.update(hits=0, misses=0)
