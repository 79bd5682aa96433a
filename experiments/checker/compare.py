"""Compare what a learner's function returned with what the course's returns.

One walk over the expected value (tuples, lists, dicts, arrays, numbers) finds
the first difference and says it in the course's words: which output, its shape
against the course's, rank-1 arrays and transposes by name, the largest
difference of the values.
"""

import numbers
from dataclasses import dataclass

import numpy as np

# Values: a learner's arithmetic may be ordered differently from the reference's.
RTOL = 1e-6
ATOL = 1e-9


@dataclass
class Difference:
    """The first place where two results differ.

    Attributes
    ----------
    kind : {"type", "shape", "keys", "length", "value"}
    where : str
        The output, in the course's names (``dW``, ``grads["db1"]``, ``cache[0]``).
    text : str
        One line for the learner.
    max_diff : float or None
        Largest absolute difference, for ``kind == "value"``.
    """

    kind: str
    where: str
    text: str
    max_diff: float = None


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, numbers.Integral):
        return f"the int {value}"
    if isinstance(value, np.generic):
        return f"a NumPy {type(value).__name__}"
    if isinstance(value, float):
        return "a float"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _is_scalar(value):
    return isinstance(value, (numbers.Number, np.generic)) or (
        isinstance(value, np.ndarray) and value.shape == ())


def child(where, key):
    """The name of an entry of ``where``: ``grads["dW1"]``, ``cache[0]``."""
    if isinstance(key, str):
        return f'{where}["{key}"]' if where else key
    return f"{where}[{key}]"


def _numbers(where, expected, got):
    """Compare two arrays or numbers of equal shape by value."""
    if np.iscomplexobj(got) and not np.iscomplexobj(expected):
        # Converting to float would drop the imaginary part (and only warn).
        return Difference("type", where, f"{where} holds complex numbers; the course's are real "
                                         "(a square root or a log of a negative number?)")
    try:
        e = np.asarray(expected, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return Difference("type", where, f"{where} is {_describe(got)}, not numbers")
    if np.allclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True):
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(g - e)
    diff = np.where(np.isnan(diff), np.inf, diff)
    biggest = float(np.max(diff)) if diff.size else 0.0
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    pointer = _pointer(e, g)
    if e.ndim == 0:
        text = f"{where} is {float(g):.6g}; the course's is {float(e):.6g}"
        if pointer and "where the course's are finite" in pointer:
            text += " (a log of 0, a division by 0 or an overflow?)"
        elif pointer and "wrong sign" in pointer:
            text += " (the wrong sign)"
        elif pointer and ("times the course's" in pointer or " of the course's" in pointer):
            text += f" ({pointer.replace('every entry is ', '')})"
    elif pointer:
        text = f"{where} {e.shape} differs: {pointer}"
    else:
        text = (f"{where} {e.shape} differs: max difference {biggest:.3g} "
                f"(the course's largest entry is {scale:.3g})")
    return Difference("value", where, text, biggest)


def _plural(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _indices(indices, limit=4):
    shown = ", ".join(str(int(i)) for i in indices[:limit])
    return shown + (", ..." if len(indices) > limit else "")


def _pointer(e, g):
    """The most specific thing to say about two same-shape arrays whose values differ, or None.

    NaN or infinite entries; one factor throughout (a sign, m, 1/m); a transpose;
    one offset throughout; the rows, columns or entries that differ.
    """
    with np.errstate(all="ignore"):
        broken = ~np.isfinite(g) & np.isfinite(e)
        if broken.any():
            kind = "NaN" if np.isnan(g[broken]).any() else "infinite"
            return (f"{_plural(int(broken.sum()), 'entry').replace('entrys', 'entries')} of "
                    f"{e.size} {'is' if broken.sum() == 1 else 'are'} {kind} where the course's "
                    "are finite (a log of 0, a division by 0 or an overflow?)")
        if not np.isfinite(e).all():
            return None
        close = np.isclose(g, e, rtol=RTOL, atol=ATOL)
        nonzero = np.abs(e) > ATOL
        if nonzero.any() and np.allclose(g[~nonzero], 0, atol=ATOL):
            ratios = g[nonzero] / e[nonzero]
            c = float(ratios.flat[0])
            if np.allclose(ratios, c, rtol=1e-6, atol=0) and c != 0:
                if abs(c + 1) < 1e-6:
                    return "every entry has the wrong sign (minus the course's)"
                if abs(c - round(c)) < 1e-6 * abs(c) and abs(round(c)) >= 2:
                    return (f"every entry is {round(c)} times the course's (a factor such as "
                            "m or 1/m missing or extra?)")
                if abs(1 / c - round(1 / c)) < 1e-6 / abs(c) and abs(round(1 / c)) >= 2:
                    return (f"every entry is 1/{round(1 / c)} of the course's (a factor such as "
                            "m or 1/m missing or extra?)")
                if e.size > 1:
                    return f"every entry is {c:.4g} times the course's"
        if e.ndim == 2 and e.shape[0] == e.shape[1] and e.shape[0] > 1 and \
                np.allclose(g, e.T, rtol=RTOL, atol=ATOL):
            return "it is the transpose of the course's (a .T missing or extra?)"
        offset = (g - e).flat[0]
        if e.size > 1 and np.allclose(g - e, offset, rtol=0, atol=max(ATOL, 1e-9 * abs(offset))):
            return f"every entry is off by {offset:.4g} (a constant added or left out?)"
        if e.ndim == 2 and e.size > 1:
            rows = np.flatnonzero(~close.all(axis=1))
            columns = np.flatnonzero(~close.all(axis=0))
            if 0 < len(rows) < e.shape[0]:
                return (f"{'row' if len(rows) == 1 else 'rows'} {_indices(rows)} of "
                        f"{e.shape[0]} {'differs' if len(rows) == 1 else 'differ'}, "
                        "the others are right")
            if 0 < len(columns) < e.shape[1]:
                return (f"{'column' if len(columns) == 1 else 'columns'} {_indices(columns)} of "
                        f"{e.shape[1]} {'differs' if len(columns) == 1 else 'differ'}, "
                        "the others are right")
        if e.size > 1 and close.any():
            wrong = np.argwhere(~close)
            first = tuple(int(i) for i in wrong[0])
            return (f"{len(wrong)} of {e.size} entries differ, the first at "
                    f"{first if len(first) != 1 else first[0]}")
    return None


def compare(expected, got, where="the result", values=True):
    """The first difference between the course's result and the learner's, or None.

    Parameters
    ----------
    expected : object
        What the reference returned.
    got : object
        What the learner's function returned.
    where : str
        Name of the whole result.
    values : bool
        Compare values too (False: types, keys and shapes only).

    Returns
    -------
    Difference or None
    """
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is a "
                                             f"dict with keys {', '.join(map(str, expected))}")
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append("has no " + ", ".join(map(str, missing)))
            if extra:
                parts.append("has unexpected " + ", ".join(map(str, extra)))
            return Difference("keys", where, f"{where} " + " and ".join(parts))
        for key in expected:
            found = compare(expected[key], got[key], child(where, key) if where != "the result"
                            else str(key), values)
            if found:
                return found
        return None
    if isinstance(expected, (tuple, list)):
        if isinstance(got, np.ndarray) and isinstance(expected, list) and got.ndim == 1:
            got = list(got)
        if not isinstance(got, (tuple, list)):
            kind = "tuple" if isinstance(expected, tuple) else "list"
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is a "
                                             f"{kind} of {len(expected)}")
        if len(got) != len(expected):
            return Difference("length", where, f"{where} has {len(got)} entries; "
                                               f"the course's has {len(expected)}")
        for index, (e, g) in enumerate(zip(expected, got)):
            found = compare(e, g, child(where, index), values)
            if found:
                return found
        return None
    if isinstance(expected, np.ndarray) and expected.shape != ():
        if not isinstance(got, np.ndarray):
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is "
                                             f"an array of shape {expected.shape}")
        if got.shape != expected.shape:
            return Difference("shape", where, shape_text(where, got.shape, expected.shape))
        return _numbers(where, expected, got) if values else None
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(got, (bool, np.bool_)) and bool(got) == bool(expected):
            return None
        return Difference("value" if isinstance(got, (bool, np.bool_)) else "type", where,
                          f"{where} is {_describe(got)}; the course's is {bool(expected)}")
    # A number: the course's tests check the kind of number.
    if isinstance(expected, bool) or isinstance(expected, (numbers.Integral, np.integer)):
        if not isinstance(got, (numbers.Integral, np.integer)) or isinstance(got, bool):
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is "
                                             f"the int {expected}")
        return _numbers(where, expected, got) if values else None
    if type(expected) is float:  # noqa: E721 - a Python float exactly, as the course checks
        if not isinstance(got, (float, np.floating)) or isinstance(got, np.ndarray):
            extra = ""
            if isinstance(got, np.ndarray) and got.size == 1:
                extra = " (float(np.squeeze(...)) makes it one)"
            if isinstance(got, numbers.Integral):
                extra = f" (write {got}.0)"
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is a "
                                             f"Python float{extra}")
        return _numbers(where, expected, got) if values else None
    if _is_scalar(expected):
        if not _is_scalar(got):
            shape = getattr(got, "shape", None)
            extra = " (np.squeeze it)" if shape is not None and np.size(got) == 1 else ""
            return Difference("type", where, f"{where} is {_describe(got)}; the course's is a "
                                             f"single number{extra}")
        return _numbers(where, expected, got) if values else None
    return None if got is expected or got == expected else Difference(
        "value", where, f"{where} is {got!r}; the course's is {expected!r}")


def shape_text(where, got, expected):
    """One line about a wrong shape, naming rank-1 arrays and transposes."""
    if len(got) == 1 and len(expected) == 2 and got[0] in expected and 1 in expected:
        return (f"{where} has shape {got}, a rank-1 array; the course's is {expected} "
                "(keepdims=True or .reshape)")
    if len(got) == 0 and len(expected) == 2:
        return f"{where} is a single number; the course's has shape {expected}"
    if len(got) == 2 and got == expected[::-1]:
        return f"{where} has shape {got}, the transpose of the course's {expected}"
    return f"{where} has shape {got}; the course's is {expected}"
