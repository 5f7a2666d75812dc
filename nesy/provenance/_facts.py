"""The per-run table of probabilistic input facts shared by the formula-valued provenances.

Every probabilistic input fact gets an id (0, 1, ... in arrival order) and one boolean
variable with the same index. Annotated disjunctions are encoded exactly by a chain of
variables, read from the newest member down: member i of a group is `c_i and not c_j for
every later member j`, with P(c_i) = p_i / (1 - sum_{j>i} p_j). Every world of the chain
has its ProbLog probability, so weighted model counting over these variables is exact under
mutual exclusion (the fix for Scallop issue #64) and differentiable in the members'
probabilities.

The proof-set provenances (`proofs`, `topkproofs`, `difftopkproofs`) count disjunctions as
Scallop does instead (`FactTable(independent_groups=True)`): every member is an independent
variable with its own probability, only kept apart (`apart`): no proof holds two members of
one group. Scallop's top-k proofs provenance tags a member with its disjunction id, drops the
proofs with two positive members (`Disjunctions::has_conflict`,
core/src/runtime/provenance/common/disjunction.rs) and counts the rest with
`AsBooleanFormula::wmc` over independent facts (common/as_boolean_formula.rs; its
`wmc_with_disjunctions` is off by default). So `{0.3::a; 0.5::b}` with `q :- a. q :- b.` is
0.8 under `exact` (ProbLog) and 1 - 0.7 * 0.5 = 0.65 under `topkproofs` (Scallop), and
any sum is allowed (`{1.0::a; 1.0::b}`).

Probabilities may be floats or torch tensors with batch dimensions (Dolphin-style: one
symbolic structure, a batch of probability vectors).
"""
from __future__ import annotations

import numpy as np

from ._bdd import BDD, FALSE, TRUE, Circuit, is_tensor


class FactTable:
    def __init__(self, independent_groups: bool = False):
        #: Scallop's counting (the proof-set provenances): every group's members are
        #: independent variables kept `apart`. Otherwise every group is chained, whatever its
        #: numbers (`exact` checks its sums before a run, and builds its structure on
        #: placeholder probabilities).
        self.independent_groups = independent_groups
        self.probs: list = []          # float or torch tensor per fact
        self.group: list[int] = []     # global annotated-disjunction id or -1
        self.members: dict[int, list[int]] = {}  # group -> its fact ids, ascending
        #: fact -> its independent group (the first member's id): members never in one proof
        self.apart: dict[int, int] = {}
        self._value: list[float] = []  # detached (batch-mean) probability, for ranking proofs
        self._layout_key = None

    def __len__(self):
        return len(self.probs)

    def add(self, probs, groups) -> np.ndarray:
        """Register one input batch; returns each row's fact id, or -1 for a certain row.

        Group ids are local to the call (each call's `;` groups are its own)."""
        probs = list(probs.unbind(-1)) if is_tensor(probs) else list(probs)
        groups = np.full(len(probs), -1) if groups is None else np.asarray(groups).reshape(-1)
        if len(groups) != len(probs):
            raise ValueError(f"{len(probs)} input facts but {len(groups)} group ids")
        local, first = {}, {}
        ids = [-1] * len(probs)
        for row, (p, g) in enumerate(zip(probs, groups.tolist())):
            if p is None:
                continue
            fact = ids[row] = len(self.probs)
            if g >= 0 and self.independent_groups:
                self.apart[fact], g = first.setdefault(g, fact), -1
            if g >= 0:
                g = local.setdefault(g, len(self.members))
                self.members.setdefault(g, []).append(fact)
            self.probs.append(p)
            self.group.append(g if g >= 0 else -1)
            self._value.append(_mean(p))
        return np.array(ids, dtype=np.int64)

    def value(self, fact: int) -> float:
        return self._value[fact]

    # -- probabilities of the boolean variables --------------------------------------------------
    def fact_probs(self, diff: bool):
        """Fact probabilities stacked as [n_facts] numpy, or a torch [n_facts, *batch]."""
        if not diff:
            return np.array(self._value, dtype=np.float64)
        import torch

        tensors = [p for p in self.probs if is_tensor(p)]
        dtype = tensors[0].dtype if tensors and tensors[0].is_floating_point() else torch.float64
        batch = torch.broadcast_shapes(*(t.shape for t in tensors)) if tensors else ()
        if not self.probs:
            return torch.zeros((0, *batch), dtype=dtype)
        return torch.stack([as_tensor(p, dtype).expand(batch) for p in self.probs])

    def var_probs(self, fact_probs):
        """Chain-variable probabilities from fact probabilities (numpy or torch, facts first).

        All groups at once: members are laid out in a padded [n_groups, max_size] index."""
        if not self.members:
            return fact_probs
        index, real = self._chain_layout()
        if is_tensor(fact_probs):
            import torch

            padded = torch.cat([fact_probs, fact_probs.new_zeros((1, *fact_probs.shape[1:]))])
            p = padded[torch.from_numpy(index)]
            rest = 1.0 - (p.cumsum(1) - p)
            ok = rest > 1e-12
            q = torch.where(ok, p / torch.where(ok, rest, torch.ones_like(rest)), 0.0)
            out = fact_probs.clone()
            out[torch.from_numpy(index[real])] = q[torch.from_numpy(real)]
        else:
            p = np.append(fact_probs, 0.0)[index]
            rest = 1.0 - (np.cumsum(p, axis=1) - p)
            q = np.where(rest > 1e-12, p / np.where(rest > 1e-12, rest, 1.0), 0.0)
            out = fact_probs.copy()
            out[index[real]] = q[real]
        return out

    def _chain_layout(self):
        """Member ids per group, newest first (the chain's order), padded with a dummy id
        (n_facts); and the mask of real ones."""
        key = (len(self.probs), len(self.members))
        if self._layout_key != key:
            size = max(len(m) for m in self.members.values())
            index = np.full((len(self.members), size), len(self.probs), dtype=np.int64)
            for row, facts in enumerate(self.members.values()):
                index[row, :len(facts)] = facts[::-1]
            self._layout_key, self._layout = key, (index, index < len(self.probs))
        return self._layout

    # -- formulas ------------------------------------------------------------------------------
    def literal_bdd(self, bdd: BDD, fact: int) -> int:
        """The BDD of `fact is true`: its chain variable, and no later member of its group.

        Later members sit above the fact, so a group reads top-down like its chain."""
        node = bdd.variable(fact)
        g = self.group[fact]
        if g >= 0:
            for later in self.members[g]:  # ascending ids: each lands above the last
                if later > fact:
                    node = bdd.node(later, node, FALSE)
        return node

    def proof_bdd(self, bdd: BDD, proof) -> int:
        node = TRUE
        for lit in sorted(proof, key=fact_of):  # each literal lands above the ones before
            atom = self.literal_bdd(bdd, fact_of(lit))
            node = bdd.conj(node, atom if lit >= 0 else bdd.neg(atom))
        return node


def fact_of(lit: int) -> int:
    return lit if lit >= 0 else ~lit


def as_tensor(p, dtype):
    """`p` (a float or a tensor) as a torch tensor of `dtype`."""
    import torch

    return p.to(dtype) if is_tensor(p) else torch.tensor(float(p), dtype=dtype)


def _mean(p) -> float:
    if is_tensor(p):
        return float(p.detach().double().mean())
    return float(p)


class CompiledQuery:
    """Probabilities of fixed formulas as a function of the fact probabilities.

    Built once from the tags of a run (the symbolic structure), it maps a [*batch, n_facts]
    tensor of fact probabilities to [*batch, n_rows] probabilities by autograd-visible torch
    ops: the Dolphin-style way to evaluate a training batch without re-running the program.
    Formulas with few outcome paths are summed path by path (a fixed handful of ops, which is
    what small batches need); others go through the layered circuit."""

    def __init__(self, facts: FactTable, bdd: BDD, roots):
        self.facts = facts
        self.paths = OutcomePaths.enumerate(facts, bdd, roots)
        self.circuit = Circuit(bdd, roots) if self.paths is None else None

    @classmethod
    def from_paths(cls, facts: FactTable, paths: list[tuple], owners: list[int],
                   n_roots: int) -> "CompiledQuery":
        """Formulas already written as disjoint outcome paths (`OutcomePaths`; `owners` the
        index of each path's formula), for a caller that finds the paths without building
        and walking a diagram (`TopKProofs.compile`)."""
        query = cls.__new__(cls)
        query.facts = facts
        query.paths = OutcomePaths(facts, paths, owners, n_roots)
        query.circuit = None
        return query

    def __call__(self, fact_probs):
        """[*batch, n_facts] torch tensor -> [*batch, n_rows]; a numpy [n_facts] -> [n_rows]."""
        if self.paths is not None:
            if is_tensor(fact_probs):
                batch = fact_probs.shape[:-1]
                out = self.paths(fact_probs.reshape(batch.numel(), fact_probs.shape[-1]))
                return out.reshape(*batch, out.shape[-1])
            return self.paths(np.asarray(fact_probs, np.float64)[None])[0]
        if is_tensor(fact_probs):
            var = self.facts.var_probs(fact_probs.movedim(-1, 0))
            return self.circuit.evaluate(var).movedim(0, -1)
        return self.circuit.evaluate(self.facts.var_probs(np.asarray(fact_probs, np.float64)))

    def probabilities(self, diff: bool) -> list:
        """Per-row probabilities from the probabilities stored in the fact table."""
        facts = self.facts
        batched = any(is_tensor(p) and p.ndim > 0 for p in facts.probs)
        if not diff and not batched:
            return np.asarray(self(facts.fact_probs(False))).tolist()
        out = self(facts.fact_probs(True).movedim(0, -1)).movedim(-1, 0)
        return list(out.unbind(0)) if diff else [row.detach().numpy() for row in out]


class OutcomePaths:
    """Formulas as sums over disjoint paths, each a product of outcome probabilities.

    Walking a BDD while branching on a whole annotated disjunction's outcome (which member
    holds, or none) rather than on its chain variables gives paths whose weights are products
    of the facts' own probabilities, `1 - p` for a false independent fact and `1 - sum p` for a
    group with no member: no chain conversion, and a few gathers and one product per batch.
    This is exact because every formula here is built from `literal_bdd` atoms, so it depends
    on a group's chain variables only through the group's outcome."""

    LIMIT = 4096  # paths; beyond this the layered circuit is cheaper
    STEPS = 64 * LIMIT  # nodes visited while enumerating, so dead branches cannot run away

    def __init__(self, facts: FactTable, paths: list[tuple], owners: list[int], n_roots: int):
        negated = sorted({f for path in paths for kind, f in path if kind == "neg"})
        empty = sorted({g for path in paths for kind, g in path if kind == "none"})
        depth = max((len(p) for p in paths), default=0)
        ragged = any(len(p) < depth for p in paths) or depth == 0
        n = len(facts)
        column = {("pos", f): f for f in range(n)}
        column.update({("neg", f): n + i for i, f in enumerate(negated)})
        column.update({("none", g): n + len(negated) + i for i, g in enumerate(empty)})
        one = n + len(negated) + len(empty)
        index = np.full((len(paths), max(depth, 1)), one, dtype=np.int64)
        for row, path in enumerate(paths):
            index[row, :len(path)] = [column[lit] for lit in path]
        self.n_roots = n_roots
        self.negated = np.array(negated, dtype=np.int64)
        self.membership = np.zeros((n, len(empty)))
        for i, g in enumerate(empty):
            self.membership[facts.members[g], i] = 1.0
        self.ragged = ragged
        self.index = index.reshape(-1)
        self.depth = index.shape[1]
        self.owner = np.array(owners, dtype=np.int64)
        self._torch = None  # the arrays above as torch tensors, made on first use

    def __call__(self, fact_probs):
        """[batch, n_facts] (torch or numpy) -> [batch, n_roots]: the same few ops in either
        (numpy for a plain run, which then never loads torch)."""
        batch = fact_probs.shape[0]
        if is_tensor(fact_probs):
            import torch

            if self._torch is None:
                self._torch = tuple(torch.from_numpy(a) for a in (self.negated, self.membership,
                                                                  self.index, self.owner))
            negated, membership, index, owner = self._torch
            membership = membership.to(fact_probs.dtype)
            concat = lambda parts: torch.cat(parts, dim=1)  # noqa: E731
            ones = fact_probs.new_ones((batch, 1))
            sum_by_owner = lambda w: fact_probs.new_zeros((batch, self.n_roots)).index_add(1, owner, w)  # noqa: E731
        else:
            negated, membership, index, owner = self.negated, self.membership, self.index, self.owner
            concat = lambda parts: np.concatenate(parts, axis=1)  # noqa: E731
            ones = np.ones((batch, 1))

            def sum_by_owner(weights):
                out = np.zeros((batch, self.n_roots))
                np.add.at(out, (slice(None), owner), weights)
                return out
        parts = [fact_probs]
        if len(negated):
            parts.append(1.0 - fact_probs[:, negated])
        if membership.shape[1]:
            parts.append(1.0 - fact_probs @ membership)
        if self.ragged:
            parts.append(ones)
        literals = concat(parts) if len(parts) > 1 else fact_probs
        weights = literals[:, index]
        if self.depth > 1:
            weights = weights.reshape(batch, -1, self.depth).prod(-1)
        return sum_by_owner(weights)

    @classmethod
    def enumerate(cls, facts: FactTable, bdd: BDD, roots) -> "OutcomePaths | None":
        """The paths to TRUE below every root, or None when there are more than LIMIT."""
        paths, owners, steps = [], [], 0
        for owner, root in enumerate(int(r) for r in roots):
            stack = [(root, (), {})]
            while stack:
                node, path, chosen = stack.pop()
                steps += 1
                if steps > cls.STEPS:
                    return None
                if node == TRUE:
                    paths.append(path)
                    owners.append(owner)
                    if len(paths) > cls.LIMIT:
                        return None
                    continue
                if node == FALSE:
                    continue
                v, hi, lo = bdd.var[node], bdd.hi[node], bdd.lo[node]
                g = facts.group[v]
                if g < 0:
                    stack.append((lo, path + (("neg", v),), chosen))
                    stack.append((hi, path + (("pos", v),), chosen))
                elif g in chosen:  # the group's outcome fixes every chain variable
                    stack.append((hi if chosen[g] == v else lo, path, chosen))
                else:
                    for member in (*facts.members[g], None):
                        literal = ("none", g) if member is None else ("pos", member)
                        stack.append((hi if member == v else lo, path + (literal,),
                                      {**chosen, g: member}))
        return cls(facts, paths, owners, len(roots))
