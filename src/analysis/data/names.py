"""Error messages for a wrong table or column name: list the valid names and suggest the nearest ("did you mean").

Lives in ``analysis.data`` so that every layer (data, stats, demand, ...) can use it without breaking the import
direction."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, valid: Iterable[str], *, n: int = 3) -> str:
    """' (did you mean 'x'?)' for the nearest valid names, or '' when none is close.

    Parameters
    ----------
    name : str
        The name that was given.
    valid : iterable of str
        The names that exist.
    n : int
        At most this many suggestions.

    Returns
    -------
    str
        The suggestion, starting with a space, or an empty string.

    Raises
    ------
    None

    Examples
    --------
    >>> did_you_mean("jar", ["jaar", "gemeente_code"])
    " (did you mean 'jaar'?)"
    """
    valid = [str(v) for v in valid]
    # a shortened name ('wmo_panel') is as likely as a typo: names that start with it come first
    prefix = [v for v in valid if str(name) and v.startswith(str(name))]
    close = list(dict.fromkeys(prefix + difflib.get_close_matches(str(name), valid, n=n, cutoff=0.6)))[:n]
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def unknown_names(kind: str, missing: Iterable[str], valid: Iterable[str]) -> str:
    """One line for names that do not exist: each with its nearest valid name, then all valid names.

    Parameters
    ----------
    kind : str
        What the names are (``column``, ``table``).
    missing : iterable of str
        The names not found.
    valid : iterable of str
        The names that exist.

    Returns
    -------
    str
        The message.

    Raises
    ------
    None

    Examples
    --------
    >>> unknown_names("column", ["jar"], ["jaar", "y"])
    "column 'jar' (did you mean 'jaar'?) not found; valid columns: 'jaar', 'y'"
    """
    valid = [str(v) for v in valid]
    missing = [str(m) for m in missing]
    parts = [f"{m!r}{did_you_mean(m, valid, n=1)}" for m in missing]
    plural = "s" if len(missing) > 1 else ""
    shown = ", ".join(repr(v) for v in valid[:40]) + (f" and {len(valid) - 40} more" if len(valid) > 40 else "")
    return f"{kind}{plural} {', '.join(parts)} not found; valid {kind}s: {shown}"
