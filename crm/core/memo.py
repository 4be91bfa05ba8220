"""A memo for one unit of work (a request that asks several selectors the same question).

Scoped reads each ask for the user's co-served customers (`customers.records.access.book_q`);
a page that runs seven scoped queries, the global search, would read them seven times. Inside
`with memo.scope():` `memo.remember(key, compute)` computes a value once; outside a scope it
simply computes, so nothing is ever cached across requests or seen by another user.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict | None] = ContextVar("fiducia_memo", default=None)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Values remembered inside the block are forgotten when it ends."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remember(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per `key` inside a scope; every time outside one."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
