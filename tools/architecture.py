"""The dependency graph of nesy's subpackages, read from the imports, and its layering rule.

Data flows one way: text -> AST -> IR -> executor -> results. Every part of the package sits
in a layer (`LAYERS`, lowest first) and may import only parts of strictly lower layers, so
nothing downstream reaches back into the parser and the front end never imports the executor.
Every import counts, including the lazy ones inside functions.

    python tools/architecture.py           # rewrite docs/architecture.md from the imports
    python tools/architecture.py --check   # exit 1 if there is a back-edge or the doc is stale

`tests/test_architecture.py` runs the check, so the document stays true.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nesy"
DOC = ROOT / "docs" / "architecture.md"

#: Lowest first. A part may import only parts of strictly lower layers.
LAYERS: list[tuple[str, tuple[str, ...], str]] = [
    ("errors", ("errors",), "the one error hierarchy and diagnostics"),
    ("registry", ("registry",), "the one registry every extension point uses"),
    ("leaves", ("types", "files", "argtypes", "memory"),
     "value types and printers, file reading and atomic writing, argument types, memory use"),
    ("registries", ("builtins", "aggregators"),
     "what the language can call and aggregate: signatures and implementations both sides read"),
    ("rendering", ("render",), "results as a table, JSON and CSV: one writer per format"),
    ("ir", ("ir",), "the compiled program"),
    ("evaluation", ("expr",),
     "the one expression evaluator: rule bodies at run time, constant folding at compile time"),
    ("semirings, data", ("provenance", "datasets"), "provenance semirings; data sets"),
    ("front end, executor", ("dsl", "engine"),
     "text -> AST -> checks -> IR; semi-naive evaluation of the IR on a provenance "
     "(siblings: neither imports the other)"),
    ("synthesis, neural", ("synth", "neural"),
     "search over grammars with the executor's functions; programs as torch modules"),
    ("API", ("program",), "nesy.compile / nesy.load / Program / Result"),
    ("package root", ("nesy",), "`import nesy`: the public names"),
    ("pipelines", ("pipelines",), "training pipelines built on the API"),
    ("interactive", ("repl",), "`nesy repl`: a session growing a program, built on the API"),
    ("command line", ("cli",), "the `nesy` command"),
    ("entry point", ("__main__",), "`python -m nesy`"),
]


def layer_of(part: str) -> int:
    for index, (_, parts, _) in enumerate(LAYERS):
        if part in parts:
            return index
    raise KeyError(part)


def part_of(module: str) -> str | None:
    """`nesy.dsl.lower` -> `dsl`; `nesy` -> `nesy`; non-nesy modules -> None."""
    pieces = module.split(".")
    if pieces[0] != "nesy":
        return None
    return pieces[1] if len(pieces) > 1 else "nesy"


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    names = list(relative.parts)
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports anywhere in its body, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            if stem != "nesy":
                found.add(stem)
                continue
            # `from nesy import synth` imports the subpackage nesy.synth; `from nesy import
            # __version__` imports the package root
            for alias in node.names:
                submodule = (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").exists()
                found.add(f"nesy.{alias.name}" if submodule else "nesy")
    return found


def edges() -> dict[tuple[str, str], list[str]]:
    """(importer part, imported part) -> the files that make the edge."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = part_of(module_name(path))
        for module in imported_modules(path):
            target = part_of(module)
            if target is None or target == source:
                continue
            if target == "nesy" and module != "nesy":
                continue
            files = found.setdefault((source, target), [])
            if str(path.relative_to(ROOT)) not in files:
                files.append(str(path.relative_to(ROOT)))
    return found


def problems(found: dict[tuple[str, str], list[str]]) -> list[str]:
    out = []
    parts = {p for edge in found for p in edge} | {
        part_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    for part in sorted(parts):
        try:
            layer_of(part)
        except KeyError:
            out.append(f"nesy.{part} has no layer: add it to LAYERS in tools/architecture.py")
    for (source, target), files in sorted(found.items()):
        try:
            if layer_of(target) >= layer_of(source):
                out.append(f"back-edge: {source} imports {target} (in {', '.join(files)}); "
                           f"{source} may only import parts of layers below "
                           f"'{LAYERS[layer_of(source)][0]}'")
        except KeyError:
            continue
    return out


def render(found: dict[tuple[str, str], list[str]]) -> str:
    present = {p for edge in found for p in edge} | {
        part_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    lines = [
        "# Architecture",
        "",
        "<!-- generated by `python tools/architecture.py` from the imports; do not edit -->",
        "",
        "Data flows one way: text -> AST -> IR -> executor -> results. Each part of the",
        "`nesy` package sits in a layer and imports only parts of lower layers (lazy imports",
        "inside functions included); `tests/test_architecture.py` fails on a back-edge or",
        "when this page no longer matches the code.",
        "",
        "| layer | parts | what lives there |",
        "|---|---|---|",
    ]
    for name, parts, what in reversed(LAYERS):
        shown = [f"`{p}`" for p in parts if p in present]
        if shown:
            lines.append(f"| {name} | {', '.join(shown)} | {what} |")
    lines += ["", "Imports between parts (an arrow points at what is imported):", "",
              "```mermaid", "graph TD"]
    for source, target in sorted(found):
        lines.append(f"    {_node(source)} --> {_node(target)}")
    lines += ["```", "", "| part | imports |", "|---|---|"]
    by_source: dict[str, list[str]] = {}
    for source, target in found:
        by_source.setdefault(source, []).append(target)
    for source in sorted(by_source, key=lambda p: (-layer_of(p), p) if _known(p) else (0, p)):
        targets = sorted(by_source[source], key=lambda p: (-layer_of(p), p) if _known(p) else (0, p))
        lines.append(f"| `{source}` | {', '.join(f'`{t}`' for t in targets)} |")
    return "\n".join(lines) + "\n"


def _known(part: str) -> bool:
    try:
        layer_of(part)
        return True
    except KeyError:
        return False


def _node(part: str) -> str:
    return {"nesy": "nesy_api[nesy]", "__main__": "main[__main__]"}.get(part, part)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; fail on a back-edge or a stale docs/architecture.md")
    args = parser.parse_args(argv)
    found = edges()
    issues = problems(found)
    text = render(found)
    if args.check:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            issues.append(f"{DOC.relative_to(ROOT)} is stale: run python tools/architecture.py")
    else:
        DOC.write_text(text, encoding="utf-8")
    for issue in issues:
        print(issue, file=sys.stderr)
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
