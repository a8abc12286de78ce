"""Regenerate the meshio fixtures in this folder (tests/mesh_io.rs reads them).

    pip install meshio==5.3.5 numpy
    python3 tests/data/meshio/make_fixtures.py

Two tetrahedra (10 mm edges, region tags 1 and 2, a point array `vm`) as
meshio writes legacy VTK 5.1 (ASCII and binary: OFFSETS/CONNECTIVITY
sections, FIELD arrays typed `vtktypeint32`/`vtktypeint64`), their four
boundary triangles as meshio's ASCII STL (a bare `solid` header line) and
binary STL, plus `tets_int32_ids.vtk`: the ASCII file with its offsets and
connectivity typed `vtktypeint32`, as VTK itself writes them when built with
32-bit ids (meshio always writes 64-bit ones).
"""
import os

import meshio
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
points = np.array(
    [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10], [10, 10, 10]], dtype=float
)
tets = meshio.Mesh(
    points,
    [("tetra", np.array([[0, 1, 2, 3], [1, 2, 3, 4]]))],
    point_data={"vm": np.array([-80.0, -80.0, 20.0, 20.0, -80.0])},
    cell_data={"region": [np.array([1, 2], dtype=np.int32)]},
)
meshio.write(os.path.join(here, "tets_ascii.vtk"), tets, binary=False)
meshio.write(os.path.join(here, "tets_binary.vtk"), tets, binary=True)

surface = meshio.Mesh(
    points[:4], [("triangle", np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]))]
)
meshio.write(os.path.join(here, "surface_ascii.vtk"), surface, binary=False)
meshio.write(os.path.join(here, "surface_ascii.stl"), surface, binary=False)
meshio.write(os.path.join(here, "surface_binary.stl"), surface, binary=True)

with open(os.path.join(here, "tets_ascii.vtk")) as f:
    text = f.read()
with open(os.path.join(here, "tets_int32_ids.vtk"), "w") as f:
    f.write(text.replace("OFFSETS vtktypeint64", "OFFSETS vtktypeint32").replace(
        "CONNECTIVITY vtktypeint64", "CONNECTIVITY vtktypeint32"))
