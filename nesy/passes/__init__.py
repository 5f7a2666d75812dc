"""Rewrites of the compiled program (IR to IR) that keep its meaning: run between lowering
and execution, they depend only on `nesy.ir` and the leaves."""
