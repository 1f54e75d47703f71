#!/usr/bin/env python3
"""Writes a scenario whose plan predicts this host's measured layer times.

Usage: measured_scenario.py SCENARIO PROFILE_JSON > OUT.yaml
PROFILE_JSON is `distcnn profile MODEL --measure --format json`. Every unit
becomes the device type `host` (the measured effective rate, memory 1 GB),
and every layer of the scenario's CNN that the profile times gets
time-equivalent mults (measured time x that rate), as the layer table that
`profile --measure` prints; sizes and exit probabilities stay the scenario's.
"""
import json
import sys

import yaml


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        scenario = yaml.safe_load(f)
    with open(sys.argv[2]) as f:
        profile = json.load(f)
    rate = profile["measured"]["mults_per_s"]
    measured_s = {l["name"]: l["measured_ms"] / 1e3 for l in profile["layers"]}
    scenario["device_types"] = {"host": {"memory_bytes": 1e9, "mults_per_s": rate}}
    for unit in scenario["units"]:
        unit["type"] = "host"
    for cnn in scenario["cnns"]:
        for layer in cnn["layers"]:
            if layer["name"] not in measured_s:
                sys.exit(f"{sys.argv[1]}: layer {layer['name']} is not in the profile")
            layer["mults"] = measured_s[layer["name"]] * rate
    yaml.safe_dump(scenario, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
