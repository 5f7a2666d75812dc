"""The one registry every extension point uses, specified on a tiny package made for each test.

The package `toys` has a module listing two entries, a module holding one, a module that must
be found last, and a `base` and a `_helper` that are never scanned (importing them fails).
"""
from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from nesy.errors import UsageError
from nesy.registry import Registry

INIT = """
class Toy:
    def __init__(self, name, aliases=()):
        self.name, self.aliases = name, tuple(aliases)

    def __repr__(self):
        return f"Toy({self.name!r})"
"""
MODULES = {
    "__init__": INIT,
    "listed": "from toys import Toy\nTOYS = [Toy('ball'), Toy('kite', aliases=['dragon'])]\n",
    "single": "from toys import Toy\nTOYS = Toy('top')\n",
    "zeppelin": "from toys import Toy\nTOYS = Toy('zeppelin')\n",
    "helpers": "X = 1  # a module with no entries\n",
    "base": "raise ImportError('base is not scanned')\n",
    "_helper": "raise ImportError('helpers are not scanned')\n",
}


def make_package(root, name: str, modules: dict[str, str]) -> None:
    package = root / name
    package.mkdir()
    for module, text in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def package(tmp_path, monkeypatch):
    """Makes packages under tmp_path importable; forgets them afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(name: str, modules: dict[str, str]) -> str:
        make_package(tmp_path, name, modules)
        made.append(name)
        return name

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in made]:
        del sys.modules[module]


@pytest.fixture
def toys(package):
    package("toys", MODULES)
    return Registry("toy", "toys", "TOYS", names=lambda toy: (toy.name, *toy.aliases))


def imported(*modules: str) -> set[str]:
    return {m for m in modules if f"toys.{m}" in sys.modules}


def test_modules_are_scanned_on_first_use(toys):
    assert imported("listed", "single", "zeppelin") == set()
    assert toys.names() == ["ball", "dragon", "kite", "top", "zeppelin"]
    assert imported("listed", "single", "zeppelin", "helpers") == {
        "listed", "single", "zeppelin", "helpers"}
    assert "toys.base" not in sys.modules and "toys._helper" not in sys.modules


def test_a_list_and_a_single_entry_are_both_registered(toys):
    assert [toy.name for toy in toys.entries().values()] == ["ball", "kite", "kite", "top",
                                                             "zeppelin"]


def test_a_lookup_imports_modules_only_until_the_name_is_found(toys):
    assert toys.get("kite").name == "kite"
    assert imported("listed", "single", "zeppelin") == {"listed"}
    assert toys.get("dragon") is toys.get("kite")  # an alias, no further import
    assert imported("single", "zeppelin") == set()
    assert toys.get("nothing") is None
    assert imported("single", "zeppelin") == {"single", "zeppelin"}


def test_modules_are_scanned_in_the_given_order(package):
    package("toys", MODULES)
    toys = Registry("toy", "toys", "TOYS", order=lambda module: (module != "zeppelin", module))
    assert "zeppelin" in toys
    assert imported("listed", "single", "zeppelin") == {"zeppelin"}


def test_a_taken_name_is_refused_unless_replaced(toys):
    Toy = importlib.import_module("toys").Toy
    with pytest.raises(ValueError, match="toy name 'top' is already taken"):
        toys.register(Toy("top"))
    with pytest.raises(ValueError, match="'dragon' is already taken"):
        toys.register(Toy("wyvern", aliases=["dragon"]))
    assert toys.get("wyvern") is None  # nothing of a refused entry is registered
    same = toys.get("top")
    assert toys.register(same) is same  # registering the very same entry again is harmless
    wyvern = toys.register(Toy("wyvern", aliases=["dragon"]), replace=True)
    assert toys.get("dragon") is wyvern
    assert toys.get("kite") is None  # the replaced entry is gone under all its names


def test_unregister_removes_every_name_and_returns_the_entry(toys):
    kite = toys.unregister("dragon")  # before any scan: the scan must not bring it back
    assert kite.name == "kite"
    assert "kite" not in toys and "dragon" not in toys
    assert toys.names() == ["ball", "top", "zeppelin"]
    assert toys.unregister("kite") is None
    toys.register(kite)
    assert toys.get("dragon") is kite


def test_require_names_the_choices_and_the_closest(toys):
    with pytest.raises(UsageError) as error:
        toys.require("zepelin")
    assert str(error.value) == ("unknown toy 'zepelin'; choose one of: ball, dragon, kite, "
                                "top, zeppelin; did you mean 'zeppelin'?")
    with pytest.raises(UsageError) as error:
        toys.require("xyz")
    assert str(error.value).endswith("choose one of: ball, dragon, kite, top, zeppelin")
    assert toys.require("top").name == "top"


def test_the_words_before_the_choices_can_be_given(package):
    package("toys", MODULES)
    toys = Registry("toy", "toys", "TOYS", listing="known")
    with pytest.raises(UsageError, match="^unknown toy 'xyz'; known: ball, kite, top, zeppelin$"):
        toys.require("xyz")


def test_entries_of_the_wrong_kind_or_failing_the_check_are_refused(toys):
    Toy = importlib.import_module("toys").Toy

    def no_spaces(toy):
        if " " in toy.name:
            raise ValueError(f"toy name {toy.name!r} has a space")

    checked = Registry("toy", names=lambda toy: (toy.name,), kind=Toy, check=no_spaces)
    with pytest.raises(TypeError, match="toy entries are instances of toys.Toy"):
        checked.register("ball")
    with pytest.raises(ValueError, match="has a space"):
        checked.register(Toy("beach ball"))
    assert checked.names() == []


def test_modules_may_register_their_entries_themselves(package):
    package("tools", {
        "__init__": "from nesy.registry import Registry\nTOOLS = Registry('tool', __name__)\n",
        "hammer": """
            from tools import TOOLS

            @TOOLS.register
            class Hammer:
                name = "hammer"
            """,
        "saw": """
            from tools import TOOLS

            class Saw:
                name = "saw"

            TOOLS.register(Saw())
            TOOLS.register(type("Plane", (), {"name": "plane"}))
            """,
    })
    from tools import TOOLS

    assert TOOLS.names() == ["hammer", "plane", "saw"]
    assert TOOLS.get("hammer").__name__ == "Hammer"  # the decorator gives back the class
    assert list(TOOLS) == ["hammer", "saw", "plane"]  # iteration: in the order registered


def test_a_registry_without_a_package_holds_what_is_registered():
    class Named:
        def __init__(self, name):
            self.name = name

    registry = Registry("thing")
    assert registry.names() == [] and registry.get("a") is None
    a = registry.register(Named("a"))
    assert "a" in registry and list(registry) == ["a"] and registry.require("a") is a
