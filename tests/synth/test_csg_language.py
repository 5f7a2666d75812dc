"""CSG domain: CSGNet's vocabulary, the rasteriser against hand-checked pictures, packing,
programs read and written in both forms, the generator and the metrics."""
import math

import numpy as np
import pytest

from nesy.errors import DataError, UsageError
from nesy.synth.csg import generate, metrics, raster
from nesy.synth.csg.language import (Leaf, Node, length, parse, parse_postfix, picture,
                                     to_infix, to_postfix)
from nesy.synth.csg.raster import Primitive, draw


def test_vocabulary_has_csgnets_counts():
    kinds = [p.kind for p in raster.vocabulary()]
    assert (len(kinds), kinds.count("c"), kinds.count("s"), kinds.count("t")) == (396, 91, 169, 136)


def test_vocabulary_is_csgnets_terminal_list(shared_data):
    lines = (shared_data / "csg" / "csgnet_terminals.txt").read_text().split()
    assert [str(p) for p in raster.vocabulary()] + ["+", "*", "-", "$"] == lines


def _rows(picture, columns):
    """Per row, the set columns (restricted to rows that have any)."""
    return {r: [c for c in columns if picture[r, c]] for r in range(64) if picture[r].any()}


def test_square_is_a_block_truncated_as_csgnet():
    # l = 8: half-side 8 * 1.412 / 2 = 5.648; corners int(8 - 5.648) = 2, int(8 + 5.648) = 13
    pic = draw(Primitive("s", 8, 8, 8))
    expected = np.zeros((64, 64), bool)
    expected[2:14, 2:14] = True
    assert (pic == expected).all()


def test_circle_is_strictly_inside_and_x_is_the_column():
    pic = draw(Primitive("c", 16, 40, 8))  # centre column 16, row 40
    assert [c for c in range(64) if pic[40, c]] == list(range(9, 24))  # |c - 16| < 8
    assert [r for r in range(64) if pic[r, 16]] == list(range(33, 48))
    assert [c for c in range(64) if pic[33, c]] == list(range(13, 20))  # 7^2 + 3^2 < 64 <= 7^2 + 4^2
    assert not pic[40 - 8, 16] and not pic[40, 16 + 8]


def test_triangle_corners_follow_csgnet():
    # length 1.732 * 8; base row int(8 + 4) = 12 from column int(8 - 6.928) = 1 to
    # int(8 + 6.928) = 14; apex at row int(8 - 8) = 0, column 8
    pic = draw(Primitive("t", 8, 8, 8))
    rows = _rows(pic, range(64))
    assert min(rows) == 0 and rows[0] == [8] and max(rows) == 12
    assert rows[12] == list(range(1, 15))
    for r, cols in rows.items():  # convex: one run per row, widening downwards
        assert cols == list(range(cols[0], cols[-1] + 1))
        assert r == 0 or (cols[0] <= rows[r - 1][0] and cols[-1] >= rows[r - 1][-1])


def test_pack_unpack_and_count_agree_with_numpy():
    rng = np.random.default_rng(1)
    pictures = rng.random((5, 64, 64)) < 0.3
    masks = raster.pack(pictures)
    assert masks.shape == (5, 64) and (raster.unpack(masks) == pictures).all()
    assert raster.count(masks).tolist() == pictures.sum(axis=(1, 2)).tolist()


def _reference(program):
    """An independent evaluator on bool pictures."""
    if isinstance(program, Leaf):
        return draw(program.primitive)
    a, b = _reference(program.left), _reference(program.right)
    return {"+": a | b, "*": a & b, "-": a & ~b}[program.op]


def test_programs_render_like_a_picture_evaluator_and_round_trip():
    rng = np.random.default_rng(3)
    for size in (3, 7, 13):
        for _ in range(4):
            program = generate.random_program(rng, size)
            assert length(program) == size
            assert (picture(program) == _reference(program)).all()
            for text in (to_postfix(program), to_infix(program), to_postfix(program) + "$"):
                assert parse(text) == program
            assert parse_postfix(" ".join(to_postfix(program).replace(")", ") ").split())) == program


def test_infix_precedence_and_grouping():
    a, b, c = (Leaf(Primitive("c", 32, 32, r)) for r in (8, 12, 16))
    assert parse("c(32,32,8) - c(32,32,12) - c(32,32,16)") == Node("-", Node("-", a, b), c)
    assert parse("c(32,32,8) + c(32,32,12) * c(32,32,16)") == Node("+", a, Node("*", b, c))
    tree = Node("-", a, Node("-", b, c))
    assert to_infix(tree) == "c(32,32,8) - (c(32,32,12) - c(32,32,16))"
    assert parse("c(32,32,8)c(32,32,12)c(32,32,16)--") == tree


@pytest.mark.parametrize("text, column", [
    ("c(33,32,8)", 1), ("c(32,32,24)+", 12), ("q(1,2,3)", 1), ("(c(8,8,8)", 1),
    ("c(8,8,8) + ", 10), ("c(16,16,16) c(8,8,8)", 13)])
def test_syntax_errors_name_the_column(text, column):
    with pytest.raises(DataError) as error:
        parse(text)
    assert error.value.column == column


def test_generator_rejects_degenerate_and_redundant_programs():
    for size in generate.LENGTHS:
        programs = generate.test_set(size, 6, seed=5)
        assert programs == generate.test_set(size, 6, seed=5)
        pictures = [picture(p).tobytes() for p in programs]
        assert len(set(pictures)) == len(programs)
        for program in programs:
            pic = _reference(program)
            assert length(program) == size and pic.any() and not pic.all()
            for leaf_at in range(program.size):  # removing any primitive changes the picture
                assert not (_reference(_without(program, leaf_at)) == pic).all()
    with pytest.raises(UsageError):
        generate.random_program(np.random.default_rng(0), 4)


def _without(program, k):
    """The program with its k-th primitive (left to right) removed."""
    if isinstance(program, Leaf):
        return None
    n = program.left.size
    if k < n:
        left = _without(program.left, k)
        return program.right if left is None else Node(program.op, left, program.right)
    right = _without(program.right, k - n)
    return program.left if right is None else Node(program.op, program.left, right)


def test_iou_and_exact():
    a, b = np.zeros((64, 64), bool), np.zeros((64, 64), bool)
    a[0:10, 0:10] = True
    b[5:15, 0:10] = True  # overlap 50 pixels, union 150
    ma, mb = raster.pack(a), raster.pack(b)
    assert metrics.iou(ma, mb) == pytest.approx(50 / 150)
    assert metrics.iou(ma, ma) == 1.0 and metrics.exact(ma, ma) and not metrics.exact(ma, mb)
    assert metrics.iou(raster.EMPTY, raster.EMPTY) == 1.0


def _brute_chamfer(a, b):
    """CSGNet's formula with edges found independently and distances by brute force."""
    def edge(p):
        out = set()
        for r, c in zip(*np.nonzero(p)):
            if any(not (0 <= r + dr < 64 and 0 <= c + dc < 64) or not p[r + dr, c + dc]
                   for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0))):
                out.add((r, c))
        return out
    ea, eb = edge(a), edge(b)
    def mean(src, dst):
        return sum(min(math.dist(p, q) for q in dst) for p in src) / (len(src) + 1 / 255)
    return (mean(ea, eb) + mean(eb, ea)) / 2


def test_chamfer_follows_csgnets_definition():
    a = draw(Primitive("s", 24, 24, 12))
    b = draw(Primitive("c", 32, 28, 12))
    assert metrics.chamfer(raster.pack(a), raster.pack(b)) == pytest.approx(_brute_chamfer(a, b))
    assert metrics.chamfer(raster.pack(a), raster.pack(a)) == 0.0
    assert metrics.chamfer(raster.pack(a), raster.EMPTY) == metrics.PENALTY == 16.0
    assert metrics.chamfer(raster.FULL, raster.pack(a)) == 16.0
