#!/usr/bin/env python3
"""Prints the comparison tables of docs/reproduction.md: the paper's published
values (studies/paper-values.csv) next to the summary.csv of distcnn's sweeps.

Usage (after the sweeps of docs/reproduction.md, "How to regenerate"):
  scripts/reproduction-tables.py results/table5 results/table4 results/table5-uint8
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TECHNOLOGY_TITLES = {"wifi4": "Wi-Fi 4", "halow": "Wi-Fi HaLow"}


def read_paper():
    with open(ROOT / "studies" / "paper-values.csv", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {(r["table"], r["configuration"], r["technology"], r["mix"], r["L"]): r
                for r in rows}


def read_summary(directory):
    with open(Path(directory) / "summary.csv", newline="") as f:
        return {(r["configuration"], r["technology"], r["mix"], r["L"], r["convention"]): r
                for r in csv.DictReader(f)}


def cell(row, term, digits):
    return f"{float(row[term + '_mean_ms']):.{digits}f} ± {float(row[term + '_std_ms']):.{digits}f}"


def match_mark(paper_tp, ours_tp, digits):
    """Where the paper's t_p has no spread: a check mark if our mean equals its
    mean to the printed digits, a cross if not."""
    if not paper_tp.endswith(" ± " + "0." + "0" * digits):
        return ""
    return " ✓" if ours_tp.split(" ± ")[0] == paper_tp.split(" ± ")[0] else " ✗"


def comparison_tables(paper, ours, table, header, row):
    """One table per technology: `row(key, paper row, ours published-v1, ours
    Eq. 8)` for every published cell of `table`, in the paper's order."""
    for tech in ("wifi4", "halow"):
        print(f"### Table {table}, {TECHNOLOGY_TITLES[tech]}\n")
        print(header)
        for k in paper:
            if k[0] != table or k[2] != tech:
                continue
            cell_key = (k[1], tech, k[3], k[4])
            print(row(k, paper[k], ours[cell_key + ("published-v1",)],
                      ours[cell_key + ("paper",)]))
        print()


def table5_row(k, p, v1, eq8):
    tp = cell(v1, "tp", 2)
    return (f"| {k[1]} | {k[4]} | {p['t_t']} | {cell(v1, 'tt', 2)} | {p['t_p']} | "
            f"{tp}{match_mark(p['t_p'], tp, 2)} | {cell(eq8, 'tp', 2)} | {p['t']} | "
            f"{cell(v1, 't', 2)} | {v1['with_plan']} |")


def table4_row(k, p, v1, eq8):
    tp = cell(v1, "tp", 1)
    return (f"| {k[1]} | {k[4]} | {k[3]} | {p['t_t']} / {cell(v1, 'tt', 1)} | "
            f"{p['t_p']} / {tp}{match_mark(p['t_p'], tp, 1)} | {cell(eq8, 'tp', 1)} | "
            f"{p['t']} / {cell(v1, 't', 1)} | {v1['with_plan']} |")


TABLE5_HEADER = (
    "| CNN | L | t_t paper | t_t ours | t_p paper | t_p ours, published-v1 | "
    "t_p ours, paper (Eq. 8) | t paper | t ours, published-v1 | n |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
TABLE4_HEADER = (
    "Each cell: paper / ours (`published-v1`); *n* = systems with a feasible plan.\n\n"
    "| Configuration | L | mix | t_t paper / ours | t_p paper / ours | "
    "t_p ours, Eq. (8) | t paper / ours | n |\n"
    "|---|---|---|---:|---:|---:|---:|---:|")


def uint8_supplement(paper, ours, ours_uint8):
    print("| CNN | technology | L | t_t paper | ours, 9410 B input | ours, 2352 B input |")
    print("|---|---|---|---:|---:|---:|")
    for config in ("5-layer CNN", "6-layer GC CNN"):
        for tech in ("wifi4", "halow"):
            for k in paper:
                if k[0] != "5" or k[1] != config or k[2] != tech:
                    continue
                key = (config, tech, k[3], k[4], "published-v1")
                print(f"| {config} | {tech} | {k[4]} | {paper[k]['t_t']} | "
                      f"{cell(ours[key], 'tt', 2)} | {cell(ours_uint8[key], 'tt', 2)} |")
    print()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    paper = read_paper()
    t5, t4, t5_uint8 = (read_summary(d) for d in sys.argv[1:])
    comparison_tables(paper, t5, "5", TABLE5_HEADER, table5_row)
    uint8_supplement(paper, t5, t5_uint8)
    comparison_tables(paper, t4, "4", TABLE4_HEADER, table4_row)


if __name__ == "__main__":
    main()
