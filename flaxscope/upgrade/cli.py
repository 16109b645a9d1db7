"""``flaxscope-upgrade``: the command line, with ``tf_upgrade_v2``'s options."""

from __future__ import annotations

import argparse
import os
import sys

from flaxscope.upgrade.report import format_report

NO_LIBCST = (
    "flaxscope-upgrade needs LibCST, which rewrites the code keeping comments and layout: "
    "pip install 'flaxscope[upgrade]' (or pip install libcst)"
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flaxscope-upgrade",
        description=(
            "Convert TensorFlow 1.x code to flaxscope (import flaxscope.compat.v1 as tf): "
            "imports, tf.contrib and pre-1.0 names, shape methods and placeholders are "
            "rewritten; the report lists every change and every line a person must still "
            "port (sessions, feed_dict, gradients, input pipelines, ...), with the section "
            "of docs/migration.md for each."),
        epilog=(
            "Examples:\n"
            "  flaxscope-upgrade --infile model.py --outfile model_jax.py\n"
            "  flaxscope-upgrade --intree my_project/ --outtree my_project_jax/\n"
            "  flaxscope-upgrade --intree my_project/ --inplace"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--infile", help="the Python file to convert")
    p.add_argument("--outfile", help="where the converted file goes")
    p.add_argument("--intree", help="a directory whose .py files are converted")
    p.add_argument("--outtree", help="the new directory for the converted tree")
    p.add_argument("--copyotherfiles", default=True, type=lambda s: s.lower() in
                   ("1", "true", "yes"), help="copy the tree's other files too (default True)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes converting a tree's files (default: 2, or 1 on one core)")
    p.add_argument("--inplace", action="store_true",
                   help="convert --infile or --intree in place")
    p.add_argument("--reportfile", default="report.txt",
                   help="where the report is written (default report.txt)")
    p.add_argument("--print_all", action="store_true",
                   help="print the whole report to stdout too (not only the summary and "
                        "errors), and list every file in it, also those with nothing to "
                        "change")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        from flaxscope.upgrade.files import (  # noqa: PLC0415 - LibCST checked here
            upgrade_file,
            upgrade_tree,
        )
    except ModuleNotFoundError as e:
        if e.name != "libcst":
            raise
        p.exit(2, f"{p.prog}: error: {NO_LIBCST}\n")
    if bool(args.infile) == bool(args.intree):
        p.error("give --infile or --intree (one of them)")
    if args.inplace and (args.outfile or args.outtree):
        p.error("--inplace converts the input itself: drop --outfile/--outtree")
    if args.infile:
        if not (args.outfile or args.inplace):
            p.error("--infile needs --outfile (or --inplace)")
        reports = [upgrade_file(args.infile, args.infile if args.inplace else args.outfile)]
    else:
        if not (args.outtree or args.inplace):
            p.error("--intree needs --outtree (or --inplace)")
        try:
            reports = upgrade_tree(args.intree, None if args.inplace else args.outtree,
                                   copy_other_files=args.copyotherfiles, jobs=args.jobs)
        except (OSError, ValueError) as e:
            p.error(str(e))
    text = format_report(reports, print_all=args.print_all)
    with open(args.reportfile, "w", encoding="utf-8") as out:
        out.write(text)
    if args.print_all:
        print(text, end="")
    n_files = sum(not r.copied for r in reports)
    n_changes = sum(len(r.changes) for r in reports)
    n_findings = sum(len(r.findings) for r in reports)
    failed = [r.infile for r in reports if r.error is not None]
    print(f"Converted {n_files} file(s): {n_changes} change(s), {n_findings} line(s) for a "
          f"person to look at. Report: {args.reportfile}")
    if failed:
        print(f"{len(failed)} file(s) did not parse and were copied unchanged: "
              + ", ".join(failed), file=sys.stderr)
        return 1
    return 0
