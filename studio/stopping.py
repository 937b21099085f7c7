"""A stop request shared by every process of one worker cluster.

The event is made when this module is first imported, in the cluster's main process, before
django-q2 forks its sentinel and workers, so all of them share it (fork start method). Long
work (the reconciler loop, downloads) checks it and hands over as it does at the end of a pass;
nothing else in a worker has to react to signals. A leaf: it imports no app code.
"""

from __future__ import annotations

import multiprocessing

_stop = multiprocessing.get_context("fork").Event()


def request() -> None:
    _stop.set()


def requested() -> bool:
    return _stop.is_set()


def wait(seconds: float) -> bool:
    """Sleep up to `seconds`; True as soon as a stop is requested."""
    return _stop.wait(seconds)
