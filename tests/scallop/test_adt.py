"""Algebraic data types and entities (Scallop's doc/src/language/adt_and_entity.md; the
programs and expected relations of core/tests/integrate/adt.rs)."""
from __future__ import annotations

import nesy

from .conftest import codes, run

ARITH = '''
    type Expr = Const(i32) | Add(Expr, Expr)
    const MY_EXPR = Add(Const(5), Add(Const(3), Const(6)))
'''


def test_case_is_destructs_an_entity():
    program = ARITH + '''
        rel eval(x, y)       = case x is Const(y)
        rel eval(x, y1 + y2) = case x is Add(x1, x2) and eval(x1, y1) and eval(x2, y2)
        rel result(y) = eval(MY_EXPR, y)
    '''
    assert run(program, "result") == {(14,)}


def test_constructors_with_variables_in_a_head_are_patterns():
    program = ARITH + '''
        rel eval(Const(y), y)
        rel eval(Add(x1, x2), y1 + y2) = eval(x1, y1) and eval(x2, y2)
        rel result(y) = eval(MY_EXPR, y)
    '''
    assert run(program, "result") == {(14,)}


def test_lists_and_trees():
    lists = '''
        type List = Nil() | Cons(i32, List)
        const MY_LIST = Cons(1, Cons(2, Cons(3, Nil())))
        rel list_sum(l, 0)      = case l is Nil()
        rel list_sum(l, hd + s) = case l is Cons(hd, tl) and list_sum(tl, s)
        rel result(y) = list_sum(MY_LIST, y)
    '''
    assert run(lists, "result") == {(6,)}
    trees = '''
        type Tree = Nil() | Node(i32, Tree, Tree)
        rel tree_depth(Nil(), 0)
        rel tree_depth(Node(_, lt, rt), $max(ld, rd) + 1) = tree_depth(lt, ld) and tree_depth(rt, rd)
        const MY_TREE = Node(1, Node(2, Nil(), Node(3, Nil(), Nil())), Node(4, Nil(), Nil()))
        rel result(y) = tree_depth(MY_TREE, y)
    '''
    assert run(trees, "result") == {(3,)}


def test_a_ground_constructor_in_a_body_atom():
    program = '''
        type List = Nil() | Cons(i32, List)
        const EMPTY = Nil()
        rel print(Nil(), "[]")
        rel print(Cons(x, Nil()), $format("[{}]", x))
        rel empty_array_string(x) = print(Nil(), x)
    '''
    assert run(program, "empty_array_string") == {("[]",)}


def test_equal_entities_are_one_and_ids_are_scallops_hashes():
    program = '''
        type List = Nil() | Cons(i32, List)
        const A = Cons(1, Nil()), B = Cons(1, Nil()), C = Cons(2, Nil())
        rel lists = {(1, A), (2, B), (3, C)}
        rel same(i, j) = lists(i, x), lists(j, x), i < j
    '''
    assert run(program, "same") == {(1, 2)}
    from nesy.builtins.hash import hash_values

    nil = hash_values(("String",), "Nil")
    cons = hash_values(("String", "i32", "u64"), "Cons", 1, nil)
    assert {x for i, x in run(program, "lists") if i == 1} == {cons}


def test_new_makes_entities_at_run_time():
    program = '''
        type Expr = Const(i32) | Var(String) | Add(Expr, Expr)
        rel to_string(Const(i), i as String)
        rel to_string(Var(v), v)
        rel to_string(Add(p1, p2), $format("({} + {})", s1, s2)) = to_string(p1, s1) and to_string(p2, s2)
        rel expr(p) = case p is Const(_) or case p is Var(_) or case p is Add(_, _)
        rel equivalent(p, p) = expr(p)
        rel equivalent(p1, p3) = equivalent(p1, p2) and equivalent(p2, p3)
        rel equivalent(p, new Add(b, a)) = case p is Add(a, b)
        rel equivalent(p1, new Add(a2, b2)) = case p1 is Add(a1, b1) and equivalent(a1, a2) and equivalent(b1, b2)
        rel equivalent(p, new Const(a + b)) = case p is Add(Const(a), Const(b))
        rel equivalent(p, p1) = case p is Add(p1, Const(0))
        rel weight(Const(_), 1)
        rel weight(Var(_), 1)
        rel weight(Add(p1, p2), w1 + w2 + 1) = weight(p1, w1) and weight(p2, w2)
        rel equiv_programs(sp) = input_program(p) and equivalent(p, sp)
        rel best_program(p) = p := argmin[p](w: equiv_programs(p) and weight(p, w))
        rel best_program_str(s) = best_program(best_prog) and to_string(best_prog, s)
        const PROGRAM = Add(Add(Const(3), Const(-3)), Var("a"))
        rel input_program(PROGRAM)
    '''
    assert run(program, "best_program_str") == {("a",)}  # equality saturation: 3 + -3 + a = a


def test_adt_relations_are_hidden_and_ids_print_as_numbers():
    compiled = nesy.compile(ARITH + "rel r(MY_EXPR)")
    assert compiled.relations == ["r"]
    ((entity,),) = run(ARITH + "rel r(MY_EXPR)", "r")
    assert 0 <= entity < 2 ** 64


def test_adt_errors():
    assert codes("type L = Nil() | Cons(i32, L)\nconst X = Cons(1, Nill())") == ["unknown-variant"]
    assert codes("rel r(x) = p(x) + 1") == ["value-expected"]


def test_a_deeply_nested_constant_compiles():
    depth = 1200  # deeper than Python's recursion limit: entities are built without recursion
    nested = "Cons(1, " * depth + "Nil()" + ")" * depth
    program = f"type L = Nil() | Cons(i32, L)\nconst X = {nested}\nrel r(X)"
    compiled = nesy.compile(program)
    assert sum(f.relation == "adt#Cons" for f in compiled.ir.facts) == depth


def test_typed_constants_inside_constructors():
    program = '''
        type E = Num(f64) | Neg(E)
        const PI: f64 = 3.14
        const X = Neg(Num(PI))
        rel v(x) = case X is Neg(e), case e is Num(x)
    '''
    assert run(program, "v") == {(3.14,)}


PARSED = '''
    type Expr = Const(f32) | Add(Expr, Expr) | Sub(Expr, Expr)
    rel my_entity($parse_entity("TEXT"))
    type eval(bound e: Expr, v: f32)
    rel eval(e, v) = case e is Const(v)
    rel eval(e, v1 + v2) = case e is Add(e1, e2) and eval(e1, v1) and eval(e2, v2)
    rel eval(e, v1 - v2) = case e is Sub(e1, e2) and eval(e1, v1) and eval(e2, v2)
    rel result(v) = my_entity(e) and eval(e, v)
'''


def test_parse_entity_of_a_constant_text_is_the_entity_it_writes():
    # adt.rs adt_parse_entity_1: (1 + 3), and the same entity as the constructor written out
    assert run(PARSED.replace("TEXT", "Add(Const(1), Const(3))"), "result") == {(4.0,)}
    assert run(PARSED.replace("TEXT", "Sub(Const(5), Add(Const(1), Const(3)))"),
               "result") == {(1.0,)}
    same = PARSED.replace("TEXT", "Add(Const(1), Const(3))") + \
        "rel same() = my_entity(e) and e == Add(Const(1), Const(3))"
    assert run(same, "same") == {()}


def test_parse_entity_of_a_text_that_writes_no_entity_is_located():
    assert codes(PARSED.replace("TEXT", "Add(Const(1), ")) == ["entity-text"]
    assert codes(PARSED.replace("TEXT", "Mul(Const(1))")) == ["unknown-variant"]
