"""The one registry every extension point uses (provenances, aggregators, built-in functions,
synthesis domains and strategies, pipelines, datasets).

An extension point is a package whose modules each add entries: adding an entry is adding one
file. A `Registry` finds those modules with `pkgutil` (skipping `base` and helpers named
`_*`) and imports them on first use, in order, only until the wanted name is found, so a
lookup never pays for modules it does not need (plain Datalog never imports torch). A module
lists its entries in a module-level attribute (one entry, or a list of them), or registers
them itself when imported (as the built-in function modules do). Code outside the package
adds and removes entries with `register` and `unregister`.

This module is a leaf: it imports nothing from nesy but `errors`.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, Iterable, Iterator, TypeVar

from .errors import UsageError, closest

T = TypeVar("T")


def _name(entry) -> tuple[str, ...]:
    return (entry.name,)


class Registry(Generic[T]):
    """Entries of one kind by name.

    what       what an entry is, for messages ("provenance", "search strategy")
    package    the package whose modules add entries (None: entries are only registered)
    attribute  the module attribute holding a module's entry or list of entries (None: modules
               register their entries themselves when imported)
    names      an entry's names (default: its `name`); every one of them selects it
    kind       the class every entry must be an instance of (TypeError otherwise)
    check      further validation of an entry, raising TypeError or ValueError
    order      sort key of module names (default: alphabetical): cheap, common ones first
    listing    the words before the list of names when a name is unknown
    """

    def __init__(self, what: str, package: str | None = None, attribute: str | None = None, *,
                 names: Callable[[T], Iterable[str]] = _name, kind: type | None = None,
                 check: Callable[[T], object] | None = None,
                 order: Callable[[str], object] | None = None, listing: str = "choose one of"):
        self.what = what
        self._package = package
        self._attribute = attribute
        self._names = names
        self._kind = kind
        self._check = check
        self._order = order
        self._listing = listing
        self._entries: dict[str, T] = {}
        self._pending: list[str] | None = None if package else []  # modules not yet imported
        self._scanning = False

    # -- finding the package's modules ------------------------------------------------------

    def _modules(self) -> list[str]:
        if self._pending is None:
            path = importlib.import_module(self._package).__path__
            found = sorted(m.name for m in pkgutil.iter_modules(path)
                           if m.name != "base" and not m.name.startswith("_"))
            self._pending = sorted(found, key=self._order) if self._order else found
        return self._pending

    def _scan(self, until: str | None = None) -> None:
        """Import the modules not imported yet, in order, stopping once `until` is registered.
        Registering from a module being imported does not start another scan."""
        if self._scanning:
            return
        self._scanning = True
        try:
            pending = self._modules()
            while pending and (until is None or until not in self._entries):
                module = importlib.import_module(f"{self._package}.{pending[0]}")
                pending.pop(0)  # after the import: a module that failed is tried again
                self._add_from(module)
        finally:
            self._scanning = False

    def _add_from(self, module) -> None:
        if self._attribute is None:
            return
        found = getattr(module, self._attribute, None)  # helper modules have none
        if found is None:
            return
        for entry in found if isinstance(found, (list, tuple)) else [found]:
            self.register(entry)

    # -- the registry -----------------------------------------------------------------------

    def register(self, entry: T, *, replace: bool = False) -> T:
        """Make `entry` selectable by its names; returns it, so it can decorate. A name
        taken by another entry is refused unless `replace`, which removes that entry."""
        if self._kind is not None and not isinstance(entry, self._kind):
            raise TypeError(f"{self.what} entries are instances of {self._kind.__module__}."
                            f"{self._kind.__qualname__}, got {entry!r}")
        if self._check is not None:
            self._check(entry)
        self._scan()
        names = tuple(self._names(entry))
        for name in names:
            taken = self._entries.get(name, entry)
            if taken is not entry and not replace:
                raise ValueError(f"{self.what} name {name!r} is already taken: another "
                                 f"{self.what} is already registered under it")
            if taken is not entry:
                self._remove(taken)
        for name in names:
            self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> T | None:
        """Remove the entry called `name` (under all its names); returns it, None if none."""
        entry = self.get(name)
        if entry is not None:
            self._remove(entry)
        return entry

    def _remove(self, entry: T) -> None:
        for name in [n for n, e in self._entries.items() if e is entry]:
            del self._entries[name]

    def get(self, name: str) -> T | None:
        """The entry called `name`, or None; imports modules only until it is found."""
        entry = self._entries.get(name)
        if entry is None and self._pending != []:
            self._scan(until=name)
            entry = self._entries.get(name)
        return entry

    def require(self, name: str) -> T:
        """The entry called `name`; a UsageError listing the names (and the closest) if none."""
        entry = self.get(name)
        if entry is None:
            names = self.names()
            close = closest(name, names)
            hint = f"; did you mean '{close}'?" if close else ""
            raise UsageError(f"unknown {self.what} '{name}'; {self._listing}: "
                             f"{', '.join(names)}{hint}")
        return entry

    def names(self) -> list[str]:
        """Every name (aliases included), sorted."""
        self._scan()
        return sorted(self._entries)

    def entries(self) -> dict[str, T]:
        """Entries by name, in the order they were registered (a copy)."""
        self._scan()
        return dict(self._entries)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries())
