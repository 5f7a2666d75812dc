"""The CSG domain's 'beam' system as a strategy (see `nesy.synth.csg.solve`)."""
from nesy.synth.csg.strategy import CsgStrategy

STRATEGY = CsgStrategy("csg-beam", "beam")
