"""Transitive closure of random directed graphs: nesy (boolean) vs clingo vs networkx.

For each size n, one seeded random directed graph with n nodes and 2n distinct edges (no
self-loops) is closed by three systems in this one process:

  nesy      program.run(provenance="boolean", facts={"edge": edges}) on
              rel path(a, b) = edge(a, b)
              rel path(a, c) = path(a, b) and edge(b, c)
  clingo    the same two rules through clingo's Python API (ground + solve); the path
            atoms are read from the symbolic atoms afterwards, outside the timing
  networkx  nx.transitive_closure(G, reflexive=False)

All three path sets are checked to be identical. Times are wall-clock seconds of the best of
--repeat runs; compile time of the nesy program is reported separately (it is paid once).

    python benchmarks/transitive_closure.py                    # n = 200, 500, 1000, 2000
    python benchmarks/transitive_closure.py --sizes 200 500    # a quick run
    python benchmarks/transitive_closure.py --skip networkx    # networkx takes ~1 min at 2000
"""
from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
import time

PROGRAM = """
type edge(i32, i32)
rel path(a, b) = edge(a, b)
rel path(a, c) = path(a, b) and edge(b, c)
"""
ASP = """
path(A, B) :- edge(A, B).
path(A, C) :- path(A, B), edge(B, C).
"""
SYSTEMS = ("nesy", "clingo", "networkx")


def random_graph(n: int, m: int, seed: int) -> list[tuple[int, int]]:
    """m distinct directed edges (a, b), a != b, drawn uniformly with a seeded generator."""
    rng = random.Random(seed)
    edges: set[tuple[int, int]] = set()
    while len(edges) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            edges.add((a, b))
    return sorted(edges)


def timed(fn, repeat: int):
    best, value = float("inf"), None
    for _ in range(repeat):
        value = None
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


# -- the three systems ----------------------------------------------------------------------


def run_nesy(program, edges):
    return program.run(provenance="boolean", facts={"edge": edges})


def nesy_paths(result) -> set[tuple[int, int]]:
    return {tuple(t) for t in result["path"]}


def run_clingo(edges):
    import clingo

    ctl = clingo.Control(["--warn=none"])
    facts = "".join(f"edge({a},{b})." for a, b in edges)
    ctl.add("base", [], facts + ASP)
    ctl.ground([("base", [])])
    ctl.solve()
    return ctl


def clingo_paths(ctl) -> set[tuple[int, int]]:
    return {(s.symbol.arguments[0].number, s.symbol.arguments[1].number)
            for s in ctl.symbolic_atoms.by_signature("path", 2)}


def run_networkx(n, edges):
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return nx.transitive_closure(g, reflexive=False)


def networkx_paths(closure) -> set[tuple[int, int]]:
    return set(closure.edges())


# -- driver -----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000, 2000],
                        help="numbers of nodes (each graph has 2n edges)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the graphs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per system; best is kept")
    parser.add_argument("--skip", choices=SYSTEMS, nargs="*", default=[],
                        help="systems to leave out")
    args = parser.parse_args(argv)
    systems = [s for s in SYSTEMS if s not in args.skip]

    versions = {"python": platform.python_version()}
    program = None
    if "nesy" in systems:
        import nesy

        versions["nesy"] = nesy.__version__
        compile_time, program = timed(lambda: nesy.compile(PROGRAM, name="tc.nesy"), 1)
    if "clingo" in systems:
        import clingo

        versions["clingo"] = clingo.__version__
    if "networkx" in systems:
        import networkx

        versions["networkx"] = networkx.__version__
    print("transitive closure, random directed graphs with 2n edges, seed", args.seed)
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    if program is not None:
        print(f"nesy compile time: {compile_time * 1000:.1f} ms (once, not in the table)")
    print()

    header = f"{'n':>6} {'edges':>7} {'paths':>10}"
    header += "".join(f" {s + ' s':>11}" for s in systems)
    if "nesy" in systems:
        header += "".join(f" {'nesy/' + s:>15}" for s in systems if s != "nesy")
    print(header)
    print("-" * len(header))
    ok = True
    for n in args.sizes:
        edges = random_graph(n, 2 * n, args.seed + n)
        times, paths = {}, {}
        if "nesy" in systems:
            times["nesy"], result = timed(lambda: run_nesy(program, edges), args.repeat)
            paths["nesy"] = nesy_paths(result)
            del result
        if "clingo" in systems:
            times["clingo"], ctl = timed(lambda: run_clingo(edges), args.repeat)
            paths["clingo"] = clingo_paths(ctl)
            del ctl
        if "networkx" in systems:
            times["networkx"], closure = timed(lambda: run_networkx(n, edges), args.repeat)
            paths["networkx"] = networkx_paths(closure)
            del closure
        reference = next(iter(paths.values()))
        same = all(p == reference for p in paths.values())
        ok &= same
        row = f"{n:>6} {len(edges):>7} {len(reference):>10}"
        row += "".join(f" {times[s]:>11.3f}" for s in systems)
        if "nesy" in systems:
            # ratio = peer time / nesy time: above 1 means nesy is faster
            row += "".join(f" {times[s] / times['nesy']:>14.2f}x" for s in systems
                           if s != "nesy")
        if not same:
            sizes = ", ".join(f"{s}: {len(p)}" for s, p in paths.items())
            row += f"   MISMATCH ({sizes})"
        print(row, flush=True)
        paths.clear()
    print()
    print("nesy/X = time of X / time of nesy (above 1: nesy is faster).")
    print("all path sets identical" if ok else "PATH SETS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
