"""Searching CSG programs for a target picture: a bank of small programs, a goal-directed
top-down search over partial specifications, local refinement, and the any-time best.

Every picture is a packed mask (`raster`). The search works on *specifications* (P, N): the
pixels a program must draw (P) and those it must leave blank (N); the others are free. The
target is (T, not T). A spec splits along an operation whose one operand F is taken from the
bank, leaving a spec for the other operand:

- F + R: F avoids N; R gets (P \\ F, N).
- F * R: F covers P; R gets (P, N & F).
- F - R: F covers P; R gets (N & F, P): it must remove F's excess and keep P.
- R - F: F avoids P; R gets (P, N \\ F).

The bank holds every program of at most two primitives with a distinct picture (observational
equivalence over masks: of two programs drawing the same picture only the first, smallest,
is kept), so a spec it satisfies is solved by lookup; 8x8-block summaries of each mask reject
most of the bank with one 64-bit test before the exact test. Splits are ranked by how hard
the remaining spec is (min(|P|, |N|): what the empty or the full picture gets wrong); the
`lookahead` best of each kind are then looked at one step ahead: the fewest pixels one
primitive gets wrong on the remaining spec. A split leaving one primitive, where no primitive
fits, goes last (it cannot succeed); ties in hardness go to the smaller look-ahead error, then
to the model's prior. A few splits per level (`width`) are tried, depth first, with iterative
deepening on the number of primitives and memoised failures. Since a bank operand has at most two primitives, a spec whose P falls
apart into separate pieces is first tried as a union of parts searched one piece at a time
(`TopDown.apart`), which reaches programs whose top-level operands both have three primitives
or more. The best program so far (IoU, then fewer primitives) is kept, so a search
stopped by its budget still answers. `refine` then edits primitives and operations one at a
time while that raises IoU: with every other part fixed, the picture as a function of one
primitive's pixels x is (x & R1) | (~x & R0), where R1 and R0 are the pictures with that
primitive full and empty, so all 396 substitutions are scored in one vectorised step.
"""
from __future__ import annotations

import functools
import importlib
import time
from dataclasses import dataclass, field

import numpy as np

from nesy.synth.csg import raster
from nesy.synth.csg.language import OPERATIONS, Leaf, Node, Program, apply, render
from nesy.synth.csg.metrics import iou

_ODD = np.random.default_rng(12345).integers(1, 2**63, size=raster.WORDS, dtype=np.uint64) | 1


def hashes(masks: np.ndarray) -> np.ndarray:
    """A 64-bit hash per packed mask (a random linear map, wrapping)."""
    with np.errstate(over="ignore"):
        return (masks * _ODD).sum(axis=-1, dtype=np.uint64) ^ (masks[..., ::-1] >> np.uint64(7)).sum(
            axis=-1, dtype=np.uint64)


def blocks(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per mask, 64-bit summaries over its 8x8 blocks: which blocks have a pixel set, and
    which are full."""
    m = np.ascontiguousarray(masks, dtype="<u8").view(np.uint8).reshape(
        masks.shape[:-1] + (8, 8, 8))  # block row, row in block, block column (one byte)
    def bits(flags):
        return np.packbits(flags.reshape(flags.shape[:-2] + (64,)), axis=-1,
                           bitorder="little").view("<u8")[..., 0]
    return bits((m != 0).any(axis=-2)), bits((m == 255).all(axis=-2))


class Bank:
    """Every program of one or two primitives with a distinct, non-empty picture."""

    def __init__(self):
        prims = raster.primitive_masks()
        n = len(prims)
        near, _ = blocks(prims)
        overlap = (near[:, None] & near[None, :]) != 0  # else `*` is empty and `-` the left
        np.fill_diagonal(overlap, False)
        i, j = np.triu_indices(n, 1)
        a, b = np.nonzero(overlap)
        parts = [(np.full(n, -1), np.arange(n), np.full(n, -1), prims)]
        for code, op in enumerate(OPERATIONS):
            left, right = (i, j) if op == "+" else (a, b)
            if op == "*":
                left, right = a[a < b], b[a < b]
            parts.append((np.full(len(left), code), left, right, apply(op, prims[left], prims[right])))
        op, left, right, masks = (np.concatenate(x) for x in zip(*parts))
        keep = raster.count(masks) > 0
        op, left, right, masks = op[keep], left[keep], right[keep], masks[keep]
        _, first = np.unique(hashes(masks), return_index=True)
        first.sort()  # primitives first, so each picture keeps its smallest program
        self.op, self.left, self.right = op[first].astype(np.int8), left[first], right[first]
        self.masks = masks[first]
        self.size = np.where(self.op < 0, 1, 2).astype(np.int8)
        self.any8, self.full8 = blocks(self.masks)
        self.index = dict(zip(hashes(self.masks).tolist(), range(len(self.masks))))

    def __len__(self) -> int:
        return len(self.masks)

    def program(self, e: int) -> Program:
        vocabulary = raster.vocabulary()
        leaf = Leaf(vocabulary[self.left[e]])
        if self.op[e] < 0:
            return leaf
        return Node(OPERATIONS[self.op[e]], leaf, Leaf(vocabulary[self.right[e]]))

    def exact(self, mask: np.ndarray) -> int | None:
        e = self.index.get(int(hashes(mask)))
        return e if e is not None and np.array_equal(self.masks[e], mask) else None


@functools.cache
def bank() -> Bank:
    return Bank()


def prepare() -> None:
    """Load what every search needs once per process, so that no time budget pays for it:
    the bank (a few seconds) and scipy's labelling for `_pieces` (importing it takes about
    half a second)."""
    importlib.import_module("scipy.ndimage")
    bank()


@dataclass
class Found:
    program: Program | None = None
    mask: np.ndarray | None = None
    iou: float = -1.0

    def offer(self, program: Program, mask: np.ndarray, target: np.ndarray) -> bool:
        """Keep the program if it beats the best so far (IoU, then fewer primitives)."""
        score = iou(mask, target)
        if self.program is None or (score, -program.size) > (self.iou, -self.program.size):
            self.program, self.mask, self.iou = program, mask, score
            return True
        return False


class Stop(Exception):
    pass


@dataclass
class TopDown:
    """One search for one target picture."""

    target: np.ndarray
    deadline: float
    width: int = 8
    max_primitives: int = 7  # CSGNet's longest programs: 13 tokens
    found: Found = field(default_factory=Found)
    prior: np.ndarray | None = None  # per primitive, a score that breaks ties between splits
    now: object = time.perf_counter  # the clock `deadline` is on (or time.process_time)
    nodes: int = 0
    apart_from: int = 5  # below, the levels are cheap and their programs the smallest
    lookahead: int = 32  # splits per kind, by the cheap measure, then looked one step ahead


    def __post_init__(self):
        self.bank = bank()
        self.failed: set = set()

    def run(self) -> Found:
        target = self.target
        e = self.bank.exact(target)
        if e is not None:
            self.found.offer(self.bank.program(e), self.bank.masks[e], target)
            return self.found
        try:
            self.greedy()
            for k in range(3, self.max_primitives + 1):
                result = None
                if k == self.apart_from:  # separate pieces at once, not level by level
                    result = self.apart(target, ~target, self.max_primitives)
                if result is None:
                    result = self.solve(target, ~target, k)
                if result is not None:
                    self.found.offer(result, render(result), target)
                    break
        except Stop:
            pass
        return self.found

    def greedy(self):
        """The any-time start: from the best single primitive, add the primitive and
        operation (at the root) that raise IoU most, while IoU rises; each step is refined."""
        prims = raster.primitive_masks()
        vocabulary = raster.vocabulary()
        scores = iou(prims, self.target)
        best = int(np.argmax(scores))
        program, mask, score = Leaf(vocabulary[best]), prims[best], float(scores[best])
        self.found.offer(program, mask, self.target)
        while program.size < self.max_primitives and score < 1.0:
            self.check_time()
            options = [(op, apply(op, mask, prims)) for op in OPERATIONS]
            picks = [(float(s[i]), op, i) for op, masks in options
                     for s in [iou(masks, self.target)] for i in [int(np.argmax(s))]]
            new_score, op, i = max(picks)
            if new_score <= score:
                break
            program = Node(op, program, Leaf(vocabulary[i]))
            program, score = refine(program, self.target, self.deadline, self.now)
            mask = render(program)
            self.found.offer(program, mask, self.target)

    def check_time(self):
        self.nodes += 1
        if self.now() > self.deadline:
            raise Stop

    def entry_prior(self, idx: np.ndarray) -> np.ndarray:
        """The model's probability of a bank entry's primitives (the larger of two); zeros
        without a model."""
        if self.prior is None:
            return np.zeros(len(idx))
        bk = self.bank
        right = np.where(bk.right[idx] >= 0, bk.right[idx], bk.left[idx])
        return np.maximum(self.prior[bk.left[idx]], self.prior[right])

    def satisfying(self, P, N, max_size) -> np.ndarray:
        """Bank entries of at most `max_size` primitives meeting the spec, smallest first."""
        bk = self.bank
        p_any, _ = blocks(P)
        _, n_full = blocks(N)
        coarse = np.nonzero(((p_any & ~bk.any8) == 0) & ((bk.any8 & n_full) == 0)
                            & (bk.size <= max_size))[0]
        return self.passing(self.passing(coarse, _covers, P), _avoids, N)

    def solve(self, P, N, k) -> Program | None:
        """A program of at most k primitives meeting (P, N), or None."""
        self.check_time()
        key = (P.tobytes(), N.tobytes())
        if (key, k) in self.failed:
            return None
        hits = self.satisfying(P, N, min(k, 2))
        if len(hits):
            return self.bank.program(int(hits[0]))
        if k <= 2:
            self.failed.add((key, k))
            return None
        apart = self.apart(P, N, k)
        if apart is not None:
            return apart
        for op, fixed, P2, N2, f_left in self.splits(P, N, k):
            rest = self.solve(P2, N2, k - int(self.bank.size[fixed]))
            if rest is not None:
                f = self.bank.program(int(fixed))
                return Node(op, f, rest) if f_left else Node(op, rest, f)
        self.failed.add((key, k))
        return None

    def apart(self, P, N, k) -> Program | None:
        """A union of separately searched parts, when P falls apart into separate pieces
        (8-connected components): the smallest piece left is drawn by the fewest primitives
        found for (piece, N), which may also draw other pieces, until P is drawn, within k
        primitives. Splits from the bank keep one operand to two primitives; this reaches
        programs like (a - b) * c + (d - e) * f, whose top-level operands both have three
        primitives or more, at the cost of the pieces' searches added, not multiplied."""
        pieces = _pieces(P)
        if len(pieces) < 2:
            return None
        program, left = None, P
        while pieces:
            piece = min(pieces, key=lambda m: int(raster.count(m)))
            used = 0 if program is None else program.size
            part = next((p for size in range(1, k - used - len(pieces) + 2)
                         for p in [self.solve(piece, N, size)] if p is not None), None)
            if part is None:
                return None
            program = part if program is None else Node("+", program, part)
            left = left & ~render(part)
            pieces = _pieces(left) if left.any() else []
        return program

    def splits(self, P, N, k):
        """The `width` most promising (op, bank entry, P', N', entry on the left) splits."""
        for kind, e in self.ranked(P, N, k)[: self.width]:
            f = self.bank.masks[e]
            if kind == "+":
                yield "+", e, P & ~f, N, True
            elif kind == "*":
                yield "*", e, P, N & f, True
            elif kind == "-L":
                yield "-", e, N & f, P, True
            else:
                yield "-", e, P, N & ~f, False

    def passing(self, idx: np.ndarray, test, X) -> np.ndarray:
        """The entries of `idx` whose masks pass `test(mask, X)` on every word. Both tests
        (`_avoids`, `_covers`) pass on a word where X is empty, so only X's rows are read:
        first the 8 words (one cache line a mask) where X has most pixels, which rejects
        most, then the rest of X's rows."""
        band = 8 * int(np.argmax(raster.count(X.reshape(8, 8))))
        masks = self.bank.masks
        idx = idx[test(masks[idx, band:band + 8], X[band:band + 8]).all(axis=1)]
        rows = _rows(X)
        return idx[test(masks[idx, rows], X[rows]).all(axis=1)]

    def ranked(self, P, N, k) -> list[tuple[str, int]]:
        """Every split (kind, bank entry) of (P, N), most promising first, at least the
        `width` best of each kind."""
        bk = self.bank
        small = bk.size <= min(2, k - 1)
        p_any, p_full = blocks(P)
        n_any, n_full = blocks(N)
        avoid_n = small & ((bk.any8 & n_full) == 0) & ((bk.any8 & p_any) != 0)
        cover_p = small & ((p_any & ~bk.any8) == 0)
        avoid_p = small & ((bk.any8 & p_full) == 0) & ((bk.any8 & n_any) != 0)
        options = []
        pc, nc = int(raster.count(P)), int(raster.count(N))
        box = _box(P)  # the N pixels a remainder covering P is likely to touch
        rows = _rows(P)  # the words where P, and so the box, has pixels
        covering = None  # the entries covering P, for both "*" and "-L"
        for kind, coarse in (("+", avoid_n), ("*", cover_p), ("-L", cover_p), ("-R", avoid_p)):
            idx = np.nonzero(coarse)[0]
            if kind == "+":
                idx = self.passing(idx, _avoids, N)
                left_p = raster.count(P[rows] & ~bk.masks[idx, rows])
                hard = np.minimum(left_p, nc)
                hard[left_p == pc] = 1 << 30  # covers nothing of P
            elif kind in ("*", "-L"):
                idx = covering = self.passing(idx, _covers, P) if covering is None else covering
                hard = np.minimum(pc, raster.count(bk.masks[idx] & N))
            else:
                idx = self.passing(idx, _avoids, P)
                hard = np.minimum(pc, raster.count((N & box)[rows] & ~bk.masks[idx, rows]))
            order = np.lexsort((bk.size[idx], -self.entry_prior(idx), hard))[: self.lookahead]
            idx, hard = idx[order], hard[order]
            miss = _residual_error(*_residual(kind, P, N, bk.masks[idx]))
            # one primitive left and none fits: the split cannot succeed
            dead = (k - bk.size[idx] <= 1) & (miss > 0)
            keys = (dead, hard, miss, -self.entry_prior(idx), bk.size[idx])
            order = np.lexsort(keys[::-1])[: self.width]
            options.append([tuple(float(x[o]) for x in keys) + (kind, int(idx[o])) for o in order])
        # the two best of each kind, then the best of all up to `width`
        chosen = [o for kind in options for o in kind[:2]]
        rest = sorted(o for kind in options for o in kind[2:])
        return [(kind, e) for *_, kind, e in sorted(chosen) + rest]


def _residual(kind: str, P, N, F):
    """The specs (P', N') left for the other operand by splitting (P, N) with each mask of F."""
    if kind == "+":
        return P & ~F, np.broadcast_to(N, F.shape)
    if kind == "*":
        return np.broadcast_to(P, F.shape), N & F
    if kind == "-L":
        return N & F, np.broadcast_to(P, F.shape)
    return np.broadcast_to(P, F.shape), N & ~F


def _residual_error(P, N) -> np.ndarray:
    """Per spec, the fewest pixels one primitive gets wrong (P' pixels it leaves blank plus
    N' pixels it draws): a one-step look ahead at how close the spec is to solved."""
    prims = raster.primitive_masks()
    drawn = raster.count(P[:, None, :] & prims[None])
    wrong = raster.count(N[:, None, :] & prims[None])
    return (raster.count(P)[:, None] - drawn + wrong).min(axis=1)


def simplify(program: Program) -> Program:
    """Remove primitives while the picture stays the same (a found program can carry
    redundant ones, e.g. after refinement)."""
    from nesy.synth.csg.generate import removals

    mask = render(program)
    while True:
        smaller = next((p for p in removals(program) if np.array_equal(render(p), mask)), None)
        if smaller is None:
            return program
        program = smaller


def _pieces(mask: np.ndarray) -> list[np.ndarray]:
    """The 8-connected components of a mask's pixels, each as a mask."""
    from scipy import ndimage

    labels, count = ndimage.label(raster.unpack(mask), structure=np.ones((3, 3), bool))
    return [raster.pack(labels == n) for n in range(1, count + 1)]


def _avoids(masks, X):
    return (masks & X) == 0


def _covers(masks, X):
    return (X & ~masks) == 0


def _rows(mask: np.ndarray) -> slice:
    """The words (picture rows) from a mask's first pixel to its last."""
    filled = np.nonzero(mask)[0]
    return slice(int(filled[0]), int(filled[-1]) + 1) if len(filled) else slice(0, 0)


def _box(mask: np.ndarray) -> np.ndarray:
    """The bounding box of a mask's pixels, as a mask."""
    picture = raster.unpack(mask)
    rows, cols = np.nonzero(picture.any(axis=1))[0], np.nonzero(picture.any(axis=0))[0]
    box = np.zeros_like(picture)
    if len(rows):
        box[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] = True
    return raster.pack(box)


def refine(program: Program, target: np.ndarray, deadline: float, now=time.perf_counter,
           grow_to: int = 7) -> tuple[Program, float]:
    """Hill-climb on local edits while IoU rises (see the module docstring): replace one
    primitive, change one operation, or, below `grow_to` primitives, put a primitive with an
    operation next to one (x becomes x op p). Returns the best program and its IoU."""
    prims = raster.primitive_masks()
    vocabulary = raster.vocabulary()
    best, score = program, iou(render(program), target)
    while score < 1.0 and now() < deadline:
        candidate, candidate_score = best, score
        for path in _paths(best):
            node = _at(best, path)
            if isinstance(node, Leaf):
                full = _render_with(best, path, raster.FULL)
                empty = _render_with(best, path, raster.EMPTY)
                edits = [(None, prims)]
                if best.size < grow_to:
                    edits += [(op, apply(op, render(node), prims)) for op in OPERATIONS]
                for op, leaf_masks in edits:
                    scores = iou((leaf_masks & full) | (~leaf_masks & empty), target)
                    pick = int(np.argmax(scores))
                    if scores[pick] > candidate_score:
                        new = Leaf(vocabulary[pick]) if op is None else \
                            Node(op, node, Leaf(vocabulary[pick]))
                        candidate, candidate_score = _replace(best, path, new), float(scores[pick])
            else:
                for op in OPERATIONS:
                    if op != node.op:
                        changed = _replace(best, path, Node(op, node.left, node.right))
                        s = iou(render(changed), target)
                        if s > candidate_score:
                            candidate, candidate_score = changed, s
        if candidate_score <= score:
            break
        best, score = candidate, candidate_score
    return best, score


def _render_with(program: Program, path, mask: np.ndarray) -> np.ndarray:
    """The program's mask with the part at `path` drawing `mask`."""
    if not path:
        return mask
    if path[0] == 0:
        return apply(program.op, _render_with(program.left, path[1:], mask), render(program.right))
    return apply(program.op, render(program.left), _render_with(program.right, path[1:], mask))


def _paths(program: Program, prefix=()) -> list[tuple]:
    if isinstance(program, Leaf):
        return [prefix]
    return [prefix] + _paths(program.left, prefix + (0,)) + _paths(program.right, prefix + (1,))


def _at(program: Program, path):
    for step in path:
        program = program.left if step == 0 else program.right
    return program


def _replace(program, path, new):
    if not path:
        return new
    if path[0] == 0:
        return Node(program.op, _replace(program.left, path[1:], new), program.right)
    return Node(program.op, program.left, _replace(program.right, path[1:], new))
