"""Check a run's Vm snapshots with VTK's own EnSight reader (the one ParaView
uses) against the same frames in vm.igb. Not part of `cargo test` (it needs
Python and VTK); run it by hand after changing src/output/ensight.rs:

    pip install vtk numpy
    cargo run -- run assets/scenarios/slab.toml --out /tmp/slab
    python3 tests/data/verify_snapshots_with_vtk.py /tmp/slab
"""
import sys

import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

out = sys.argv[1]
reader = vtk.vtkGenericEnSightReader()
reader.SetCaseFileName(f"{out}/snapshots.case")
reader.ReadAllVariablesOn()
reader.UpdateInformation()
times = list(reader.GetTimeSets().GetItem(0) and
             vtk_to_numpy(reader.GetTimeSets().GetItem(0)))

with open(f"{out}/vm.igb", "rb") as f:
    header = f.read(1024).decode("ascii")
    fields = dict(item.split(":", 1) for item in header.split() if ":" in item)
    nodes, frames = int(fields["x"]), int(fields["t"])
    igb = np.frombuffer(f.read(), dtype="<f4").reshape(frames, nodes)
assert len(times) == frames, (len(times), frames)
worst = 0.0
for k, t in enumerate(times):
    reader.SetTimeValue(t)
    reader.Update()
    block = reader.GetOutput().GetBlock(0)
    assert block.GetNumberOfPoints() == nodes, block.GetNumberOfPoints()
    vm = vtk_to_numpy(block.GetPointData().GetArray("vm_mv"))
    worst = max(worst, float(np.abs(vm - igb[k]).max()))
print(f"{frames} frames at t = {times[0]}..{times[-1]} ms, {nodes} nodes, "
      f"{block.GetNumberOfCells()} cells; EnSight vs IGB max |diff| = {worst}")
assert worst == 0.0
