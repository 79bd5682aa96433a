"""How often the checker's line points at the cause, on learner files it was not tuned on.

``python parity_tests/checker_heldout.py`` checks each single-mistake file of
``learner_fixtures/heldout/`` (none of them a catalogued mistake) without whole
runs and counts a line as pointing at the cause when the function is judged wrong
and the line names a catalogued mistake, or holds the words written down with the
file before it was ever checked (the quantity or relation to change: ``grads["db"]``,
``transpose``, ``1/5``) and is not the bare "max difference" fallback. Prints one
line per file and the fraction.
"""

import json
import sys
from pathlib import Path

HELDOUT = Path(__file__).resolve().parent / "learner_fixtures" / "heldout"


def main():
    from experiments.checker import check_path
    from experiments.checker.core import Options

    expected = json.loads((HELDOUT / "expected.json").read_text())
    pointed = 0
    for name, function, words, description in expected:
        records = check_path(HELDOUT / name, options=Options(runs=None, time_limit=5.0),
                             quiet=True)
        verdict = next((r for r in records if r.function == function), None)
        ok = verdict is not None and verdict.status == "wrong" and (
            verdict.mistake is not None
            or (words in verdict.message and "max difference" not in verdict.message))
        pointed += ok
        line = verdict.line() if verdict else f"{function}: no record"
        print(f"{'POINTED' if ok else 'vague  '} {name:40s} ({description})\n    {line}")
    print(f"pointed at the cause: {pointed} of {len(expected)} ({pointed / len(expected):.0%})")
    return 0 if pointed * 4 >= 3 * len(expected) else 1


if __name__ == "__main__":
    sys.exit(main())
