"""Looking a name up in one of the registries (activations, data sets, init schemes)."""
from __future__ import annotations

from typing import Mapping, TypeVar

T = TypeVar("T")


def lookup(registry: Mapping[str, T], field: str, name: object) -> T:
    """registry[name], or a ValueError naming the field and every allowed name."""
    try:
        return registry[name]           # type: ignore[index]
    except (KeyError, TypeError):       # TypeError: an unhashable value such as a list
        raise ValueError(f"{field}: unknown value {str(name)[:40]!r}; allowed: "
                         f"{', '.join(registry)}") from None
