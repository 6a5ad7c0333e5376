"""Small helpers that turn a near miss into a hint ("did you mean …?")."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest of `choices`, or listing them when none is close."""
    options = sorted(set(choices))
    import difflib  # only a misspelt name needs it

    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "expected one of: " + ", ".join(options) if options else ""
