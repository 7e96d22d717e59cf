"""Looking a name up in one of the registries (activations, data sets, init schemes)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping, TypeVar

from .i18n import tr

T = TypeVar("T")


def lookup(registry: Mapping[str, T], field: str, name: object) -> T:
    """registry[name], or a ValueError naming the field and every allowed name."""
    try:
        return registry[name]           # type: ignore[index]
    except (KeyError, TypeError):       # TypeError: an unhashable value such as a list
        raise ValueError(tr("{name}: unknown value {value}; allowed: {allowed}", name=field,
                            value=repr(str(name)[:40]), allowed=", ".join(registry))) from None


def label_in(registry: Mapping[str, Any], name: object) -> str:
    """How the app writes a registry entry (its `label`); unknown names unchanged."""
    entry = registry.get(str(name))
    return entry.label if entry is not None else str(name)


def order_in(registry: Mapping[str, Any], names: Iterable[object]) -> list[str]:
    """Distinct names: registry order first, then any others in order of appearance."""
    seen = list(dict.fromkeys(str(n) for n in names))
    return [n for n in registry if n in seen] + [n for n in seen if n not in registry]
