"""`unit` / `boolean`: plain Datalog. Every derived tuple is simply true; tags are None."""
from __future__ import annotations

from .base import Provenance


class Unit(Provenance):
    name = "unit"
    aliases = ("boolean",)
    tagless = True
    disjunctions = "ignored"

    def input_tags(self, facts):
        return None

    def ones(self, n):
        return None

    def take(self, tags, index):
        return None

    def concat(self, batches):
        return None

    def conjoin(self, a, b):
        return None

    def disjoin_groups(self, tags, group, n_groups):
        return None

    def negate(self, tags):
        return None

    def nonzero(self, tags):
        raise AssertionError("the engine never asks a tagless provenance for tag values")

    def changed(self, old, new):
        raise AssertionError("the engine never asks a tagless provenance for tag values")


PROVENANCES = [Unit]
