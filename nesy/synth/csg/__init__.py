"""CSG shape programs: CSGNet's 2D language (circles, squares and triangles on a 64x64 canvas
combined by union, intersection and difference) as a synthesis domain.

`raster` draws and packs pictures, `language` reads, writes and renders programs, `generate`
makes random programs, `metrics` scores pictures, `search` finds programs for a picture, and
`model` is the neural proposal model that guides it (torch, imported only there).
"""
