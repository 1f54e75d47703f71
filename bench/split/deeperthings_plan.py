#!/usr/bin/env python3
"""DeeperThings' fixed schemes (Stahl et al. 2021) as distcnn plans.

Reads a plan JSON that `distcnn plan` wrote for a 6-RPi star scenario
(bench/split/star-6rpi-{alexnet,vgg16}.yaml), keeps its header (scenario
digest, topology, units), and replaces the placement of the CNN `cnn` with:

  (a) unfused: spatial bands over all units for the first K conv layers
      (AlexNet 2, VGG-16 7); every later conv split equally by output channels
      over all units (AlexNet's conv4 and conv5 have 2 groups, so over the
      first 2 units); fc layers whole on the hub;
  (b) the same, with each pair of consecutive later convs fused (where the
      pair can fuse: VGG-16's conv4_1..conv5_3; none of AlexNet's).

The hub (the first unit, where the source and sink are) merges every split.
Shares are equal (1 granule each; the scenario has G = 6). The plan's own
figures are recomputed by `distcnn run --plan`, which prices every plan with
the cost model, so only the placements are written here.

usage: deeperthings_plan.py PLAN.json {alexnet,vgg16} {a,b} OUT.json
"""
import json
import sys

LAYERS = {
    "alexnet": (["conv1", "conv2", "conv3", "conv4", "conv5"], ["fc6", "fc7", "fc8"], 2,
                {"conv4": 2, "conv5": 2}, []),
    "vgg16": (["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
               "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"],
              ["fc6", "fc7", "fc8"], 7, {},
              [("conv4_1", "conv4_2"), ("conv4_3", "conv5_1"), ("conv5_2", "conv5_3")]),
}


def main():
    src, model, scheme, out = sys.argv[1:5]
    plan = json.load(open(src))
    units = plan["topology"]["units"]
    hub = units[0]
    convs, fcs, spatial_depth, max_parts, pairs = LAYERS[model]
    granules = 6

    def split(kind, over):
        share = granules // len(over)
        return {"kind": kind, "merge": hub,
                "parts": [{"unit": u, "granules": share} for u in over]}

    splits, assignment = {}, {}
    for layer in convs[:spatial_depth]:
        splits[layer] = split("spatial", units)
    fused = {l for pair in pairs for l in pair} if scheme == "b" else set()
    for layer in convs[spatial_depth:]:
        over = units[:max_parts.get(layer, len(units))]
        splits[layer] = split("fused" if layer in fused else "out_channels", over)
    for layer in fcs:
        assignment[layer] = hub
    (name, cnn), = plan["cnns"].items()
    cnn["splits"] = splits
    cnn["assignment"] = assignment
    plan["format_version"] = 2
    plan["status"] = "feasible"
    plan["solver"] = "deeperthings-" + scheme
    plan["note"] = "DeeperThings' scheme (" + scheme + "), fixed by bench/split/deeperthings_plan.py"
    json.dump(plan, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
