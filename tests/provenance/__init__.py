"""Tests of the provenance semirings against ProbLog, closed forms and autograd."""
