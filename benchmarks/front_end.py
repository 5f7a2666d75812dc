"""Front-end scaling: compile time of fact-heavy files, syntax-error recovery, and the memory
of a long string literal (issue 16, items 4 and 5).

Each measurement has its own oracle, checked before a figure is printed, and the script exits
non-zero when one fails:
- facts read in bulk (`nesy/dsl/facts.py`) must equal the facts the general parser makes of the
  same file when the bulk reader is kept out (a comment inside each set, at the end of each
  line); the ratio of the two compile times is the speed-up, measured in one run;
- recovery must stay linear: twice the statements may cost at most 3 times the CPU time
  (judged when the larger file takes over 0.5 s);
- a literal may cost at most 20 bytes of traced memory per byte of text;
- rule lists (the Bayesian networks of benchmarks/problog_reachability.py, one probabilistic
  rule per CPT row): the parse tree of nesy's parser (`parser._parser`, its single-child
  reductions made plain) must equal, positions included, that of lark's own build of the
  grammar (`parser._lark`); the LALR parse and building the AST from it are timed, and the
  whole compile, which reads such rules without the parser (`nesy/dsl/simple.py`);
- the parse of the same rule lists by other builds of the grammar (issue 19): lark's own,
  lark without position propagation (what positions cost), and, when it is installed
  (`pip install lark-cython`), lark_cython's Cython lexer and LALR parser, with and
  without positions and with nesy's single-child reductions made plain; each tree must
  equal lark's (positions too, where propagated). lark_cython's tokens are not `str`
  (nesy's AST builder reads tokens as strings) and its syntax errors cannot be printed
  under lark 1.3; both are reported.

    python benchmarks/front_end.py                 # 32,000 facts; 8,000/16,000 statements; 16 MB
    python benchmarks/front_end.py --facts 4000 --statements 1000 --literal-mb 1   # a quick run

Times are CPU seconds of this process (`time.process_time`), best of --repeat.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

import lark

from nesy.dsl import parser as nesy_parser
from nesy.errors import Source
from nesy.program import diagnose


def cpu(text: str, repeat: int):
    """(best CPU seconds, IR facts or diagnostics codes) of compiling `text`."""
    best, outcome = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        program, diagnostics = diagnose(Source("bench.nesy", text))
        best = min(best, time.process_time() - start)
        outcome = ([(f.relation, f.values, f.probability) for f in program.facts]
                   if program is not None else sorted(d.code for d in diagnostics))
    return best, outcome


def fact_files(n: int, seed: int) -> dict[str, tuple[str, str]]:
    """name -> (text the bulk reader takes, the same facts for the parser alone)."""
    rng = random.Random(seed)
    pairs = [(rng.randrange(10_000), rng.randrange(10_000)) for _ in range(n)]
    items = ", ".join(f"({a}, {b})" for a, b in pairs)
    probabilistic = ", ".join(f"0.{rng.randrange(1, 100):02d}::({a}, \"n{b}\")" for a, b in pairs)
    lines = "".join(f"rel edge({a}, {b})\n" for a, b in pairs)
    rule = "rel out(a) = edge(a, 5)\n"
    return {
        "fact set": (f"rel edge = {{{items}}}\n{rule}", f"rel edge = {{{items} /**/}}\n{rule}"),
        "probabilistic set": (f"rel e = {{{probabilistic}}}\n", f"rel e = {{{probabilistic} /**/}}\n"),
        "one-line facts": (lines + rule, lines.replace("\n", " //\n") + rule),
    }


def recovery_file(n: int, kind: str) -> str:
    statement = {"rules": "rel a{i}(x) = b(x, {i})\n", "facts": "rel a{i}({i})\n"}[kind]
    return "".join(statement.format(i=i) for i in range(n)) + "rel broken(x) = = x\n"


def bayesnet(nodes: int):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from problog_reachability import bayesnet as make

    return make(nodes)


def positions(tree) -> list:
    """Every node's name and position (offsets, lines and columns) in pre-order."""
    return [(t.data, t.meta.empty) + (() if t.meta.empty else (
        t.meta.start_pos, t.meta.end_pos, t.meta.line, t.meta.column, t.meta.end_line,
        t.meta.end_column)) for t in tree.iter_subtrees_topdown()]


def same_positions(tree, expected) -> bool:
    return positions(tree) == positions(expected)


def same_parse(stock, text: str) -> bool:
    """Whether nesy's parser and lark's build give the same tree, with the same positions."""
    ours, theirs = nesy_parser._parser().parse(text), stock.parse(text)
    return ours == theirs and same_positions(ours, theirs)


def rule_list_phases(text: str, repeat: int):
    """Best CPU seconds of (the LALR parse, building the AST from its tree, the whole
    compile) of `text`. The compile reads such rules with `nesy/dsl/simple.py`, without the
    LALR parse (tests/dsl/test_simple_statements.py checks it makes the same AST)."""
    best = [float("inf")] * 3
    source = Source("bn.nesy", text)
    for _ in range(repeat):
        start = time.process_time()
        tree = nesy_parser._parser().parse(text)
        parsed = time.process_time()
        nesy_parser.AstBuilder(source).transform(tree)
        built = time.process_time()
        diagnose(source)
        done = time.process_time()
        for i, t in enumerate((parsed - start, built - parsed, done - built)):
            best[i] = min(best[i], t)
    return tuple(best)


def backends() -> dict:
    """name -> (LALR parser, whether it propagates positions) for the backend comparison:
    nesy's parser; lark's own build; lark without positions; when installed, lark_cython
    (`cython`), it with nesy's single-child reductions made plain (`cython-plain`), and
    without positions (lark_cython's builds are not cached: lark's cache would load them)."""
    builds = {"nesy": (nesy_parser._parser(), True), "lark": (nesy_parser._lark(), True),
              "lark-nopos": (nesy_parser._lark(propagate_positions=False), False)}
    try:
        import lark_cython
    except ImportError:
        return builds
    cython = {"_plugins": lark_cython.plugins, "cache": False}
    builds["cython"] = (nesy_parser._lark(**cython), True)
    plain = nesy_parser._lark(**cython)
    nesy_parser._make_plain(plain.parser.parser.parser_conf.callbacks)
    builds["cython-plain"] = (plain, True)
    builds["cython-nopos"] = (nesy_parser._lark(**cython, propagate_positions=False), False)
    return builds


def cython_problems(builds: dict) -> list[str]:
    """What keeps lark_cython from replacing lark under nesy, checked on its build."""
    if "cython" not in builds:
        return ["not installed: its columns are left out"]
    cython = builds["cython"][0]
    problems = []
    token = cython.parse("rel a()").children[0].children[1].children[0]
    if not isinstance(token, str):
        problems.append(f"its tokens ({type(token).__module__}.{type(token).__name__}) are "
                        "not str")
    try:
        cython.parse("rel a() )")
    except lark.exceptions.UnexpectedInput as err:
        try:
            str(err)
        except Exception as failure:  # noqa: BLE001 - the point is to name it
            problems.append(f"str() of its {type(err).__name__} raises "
                            f"{type(failure).__name__}: {failure}")
    return problems


def parse_times(builds: dict, text: str, repeat: int) -> dict:
    """name -> best CPU seconds of parsing `text`, the builds taking turns."""
    best = dict.fromkeys(builds, float("inf"))
    for _ in range(repeat):
        for name, (build, _) in builds.items():
            start = time.process_time()
            build.parse(text)
            best[name] = min(best[name], time.process_time() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=32_000)
    parser.add_argument("--statements", type=int, default=8_000, help="and twice as many")
    parser.add_argument("--literal-mb", type=float, default=16)
    parser.add_argument("--bn-nodes", nargs="+", type=int, default=[10, 20, 40],
                        help="Bayesian networks of benchmarks/problog_reachability.py")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    failed = []
    cpu("rel warm(1)\n", 1)  # load the parser before anything is timed

    print(f"compile time, {args.facts:,} facts (CPU s)")
    print(f"  {'file':<18} {'bulk':>8} {'parser':>8} {'speed-up':>9}")
    for name, (bulk_text, plain_text) in fact_files(args.facts, args.seed).items():
        bulk, bulk_facts = cpu(bulk_text, args.repeat)
        plain, plain_facts = cpu(plain_text, args.repeat)
        if bulk_facts != plain_facts:
            failed.append(f"{name}: the bulk reader's facts differ from the parser's")
        print(f"  {name:<18} {bulk:8.2f} {plain:8.2f} {plain / bulk:8.1f}x")

    print("\nrecovery from one syntax error after n statements (CPU s)")
    n = args.statements
    for kind in ("rules", "facts"):
        small, small_codes = cpu(recovery_file(n, kind), args.repeat)
        large, large_codes = cpu(recovery_file(2 * n, kind), args.repeat)
        if small_codes != ["syntax-error"] or large_codes != ["syntax-error"]:
            failed.append(f"recovery ({kind}): expected one syntax error")
        ratio = large / small
        if ratio > 3 and large > 0.5:  # shorter runs are too noisy to judge
            failed.append(f"recovery ({kind}) is not linear: x{ratio:.1f} for twice the statements")
        print(f"  {kind:<6} n={n:,}: {small:.2f}   n={2 * n:,}: {large:.2f}   ratio {ratio:.2f}")

    size = int(args.literal_mb * 1024 * 1024)
    text = 'rel s("' + "a" * size + '")\nrel t(x) = s(x) and x == "' + "b" * size + '"\n'
    tracemalloc.start()
    program, diagnostics = diagnose(Source("literal.nesy", text))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if diagnostics or program is None:
        failed.append("the long literals did not compile")
    per_byte = peak / len(text)
    if per_byte > 20:
        failed.append(f"a long literal costs {per_byte:.0f} bytes per byte")
    print(f"\ntwo {args.literal_mb:g} MB string literals (a fact and a rule): peak traced memory "
          f"{peak / 2**20:.0f} MB, {per_byte:.1f} bytes per byte of text")

    print("\nrule lists: Bayesian networks, one rule per CPT row (CPU ms, best of --repeat): "
          "the LALR parse and its AST, and the compile, which reads them without the parser")
    print(f"  {'rules':>6} {'parse':>8} {'AST':>8} {'compile':>8}")
    stock = nesy_parser._lark()
    for nodes in args.bn_nodes:
        n_rules, text, _ = bayesnet(nodes)
        if not same_parse(stock, text):
            failed.append(f"rule list of {n_rules} rules: the parse tree differs from lark's")
        parse, build, total = rule_list_phases(text, args.repeat)
        print(f"  {n_rules:6d} {parse * 1e3:8.1f} {build * 1e3:8.1f} {total * 1e3:8.1f}")

    builds = backends()
    print("\nrule lists: the LALR parse by build (CPU ms, best of --repeat and at least 3, "
          "the builds taking turns)")
    widths = {name: max(8, len(name)) for name in builds}
    print(f"  {'rules':>6} " + " ".join(f"{name:>{widths[name]}}" for name in builds))
    for nodes in args.bn_nodes:
        n_rules, text, _ = bayesnet(nodes)
        expected = stock.parse(text)
        for name, (build, propagated) in builds.items():
            tree = build.parse(text)
            if tree != expected or (propagated and not same_positions(tree, expected)):
                failed.append(f"rule list of {n_rules} rules: {name}'s tree differs from lark's")
        times = parse_times(builds, text, max(args.repeat, 3))
        print(f"  {n_rules:6d} " + " ".join(f"{times[name] * 1e3:>{widths[name]}.1f}"
                                           for name in builds))
    for problem in cython_problems(builds):
        print(f"  lark_cython: {problem}")

    for problem in failed:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
