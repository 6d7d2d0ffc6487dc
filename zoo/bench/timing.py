"""Timing helpers: per-call seconds and contenders interleaved round by round.

These machines are shared: contenders are timed in turn within each round,
and reports use medians and per-round ratios.

Example:
>>> from zoo.bench import timing
>>> rounds = timing.interleaved_call_seconds({"a": f, "b": g}, x, rounds=7, calls=50)
>>> timing.paired_ratio(rounds["a"], rounds["b"])
"""

import time

import numpy as np


def call_seconds(function, x, calls):
    """Returns the list of wall seconds of `calls` single calls of `function(x)`."""
    seconds = []
    clock = time.perf_counter
    for _ in range(calls):
        started = clock()
        function(x)
        seconds.append(clock() - started)
    return seconds


def interleaved_call_seconds(contenders, x, rounds, calls, warmup=3):
    """Per-call seconds for each contender, timed in turn each round.

    Args:
        contenders: dict. Name -> function of one numpy batch.
        x: numpy array. The batch every contender runs.
        rounds: int. Rounds; each times `calls` calls of every contender.
        calls: int. Calls per contender per round.
        warmup: int. Untimed calls per contender first (tracing, allocation).

    Returns:
        Dict name -> list of rounds, each a list of per-call seconds.
    """
    for function in contenders.values():
        for _ in range(warmup):
            function(x)
    timings = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, function in contenders.items():
            timings[name].append(call_seconds(function, x, calls))
    return timings


def percentile(rounds, q):
    """The `q`-th percentile of every call of every round."""
    return float(np.percentile(np.concatenate(rounds), q))


def paired_ratio(rounds_a, rounds_b):
    """Median over rounds of p50(a) / p50(b), each pair timed in the same round."""
    return float(np.median([np.median(a) / np.median(b)
                            for a, b in zip(rounds_a, rounds_b, strict=True)]))


# ----------------------------------------------------------------- models
