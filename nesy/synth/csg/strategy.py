"""The CSG systems (`nesy.synth.csg.solve`) as strategies of the shared `synthesize`.

The problem's grammar is the CSG domain's (`nesy.synth.domains.csg.grammar`) and its one
example's output is the target `Shape`. An exact program is returned as a grammar `Program`
(which `synthesize` re-executes through the domain's operations); a search that ends without
one reports the best IoU it reached in its message. Without a timeout the budget is 5 s
(the search is any-time and would otherwise never stop on an inexact target).
"""
from __future__ import annotations

from nesy.errors import UsageError
from nesy.synth.search import Budget, Problem, SearchResult
from nesy.synth.strategies import Strategy


class CsgStrategy(Strategy):
    def __init__(self, name: str, system: str):
        self.name, self.system = name, system

    def search(self, problem: Problem, budget: Budget) -> SearchResult:
        from nesy.synth.csg.solve import solve
        from nesy.synth.domains.csg import Shape, to_program

        if problem.domain.name != "csg" or problem.examples != 1 or not isinstance(
                problem.outputs[0], Shape):
            raise UsageError(f"the {self.name} strategy searches the csg domain's grammar "
                             "for one target Shape")
        model = None
        if self.system != "search":
            from nesy.synth.csg.model import load
            model = load()
        answer, program = solve(problem.outputs[0].mask, timeout=budget.timeout or 5.0,
                                system=self.system, model=model, clock=budget.clock)
        if answer.exact:
            return SearchResult(to_program(program, problem.grammar), 0, 0, answer.seconds,
                                program.size, "solved", "solved")
        return SearchResult(None, 0, 0, answer.seconds, 0, "timeout",
                            f"best IoU {answer.iou:.4f}: {answer.program}")
