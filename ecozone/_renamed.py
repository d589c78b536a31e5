"""Keyword parameters that were renamed (改名的参数): the old spelling still works, with a warning.

Example
-------
>>> import warnings
>>> @renamed(type="restoration_type")
... def progress(*, restoration_type=None):
...     return restoration_type
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     value = progress(type="coastal_wetland")
>>> value, caught[0].category.__name__
('coastal_wetland', 'DeprecationWarning')
>>> print(caught[0].message)
progress(type=…) is deprecated; use restoration_type=…
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Accept each old keyword as the new one, with a DeprecationWarning naming the new one; both at once is
    a TypeError."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old}= and {new}=; use {new}=")
                    warnings.warn(f"{func.__name__}({old}=…) is deprecated; use {new}=…", DeprecationWarning,
                                  stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
