#!/usr/bin/env python3
"""anvil plot through the binary: two real runs drawn as SVG and PNG, and the inputs it refuses.

Usage: plot_test.py ANVIL CONFIG

  svg     two runs (cosine and WSD): one colour per run on every panel and in the legend, the
          validation curves dashed, three panels side by side
  png     the same as a PNG image of that size, read back by Pillow, both run colours drawn
  errors  a missing output directory, a run without metrics.jsonl, a bad metrics line, a file
          with no loss, an unknown image type: each exits 1 naming what is wrong, and an image
          already at the output path is left as it was
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from cli_checks import Checks, tiny_train_args  # noqa: E402

check = Checks()
# The first two colours of tools/anvil/line_chart.cpp's palette, as cairo writes them.
RUN_COLOURS = ["rgb(12.2%,46.7%,70.6%)", "rgb(100%,49.8%,5.5%)"]
PANEL_WIDTH, PANEL_HEIGHT = 460, 384  # one panel, with the legend under it


def run(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return done.returncode, done.stdout, done.stderr


def train_two_runs(anvil, config, root):
    runs = []
    for schedule in ("cosine", "wsd"):
        run_dir = os.path.join(root, schedule)
        rc, out, err = run(tiny_train_args(anvil, config, run_dir, "train.max_steps=60", "train.log_every=10",
                                           "eval.every=20", "eval.batches=2", f"schedule.type={schedule}"))
        check(rc == 0, f"the {schedule} run trains", out + err)
        runs.append(run_dir)
    return runs


def check_svg(anvil, runs, root):
    out = os.path.join(root, "compare.svg")
    rc, stdout, stderr = run([anvil, "plot", *runs, "--out", out])
    check(rc == 0 and f"{out}: 2 runs" in stdout, "plot of two runs to SVG exits 0 and says so", stdout + stderr)
    if rc != 0:
        return
    text = open(out).read()
    svg = ElementTree.fromstring(text)
    check(svg.tag.endswith("svg") and svg.get("viewBox") == f"0 0 {3 * PANEL_WIDTH} {PANEL_HEIGHT}",
          "the SVG is well-formed XML with three panels side by side", str(svg.attrib))
    styles = re.findall(r'style="([^"]*)"', text)
    for i, colour in enumerate(RUN_COLOURS):
        solid = [s for s in styles if f"stroke:{colour}" in s and "dasharray" not in s]
        dashed = [s for s in styles if f"stroke:{colour}" in s and "dasharray" in s]
        # train loss by step, by tokens, the learning rate, and the legend's line
        check(len(solid) >= 4, f"run {i + 1}'s colour draws its train curves, learning rate and legend line",
              f"{len(solid)} solid paths")
        check(len(dashed) == 2, f"run {i + 1}'s validation loss is dashed, by step and by tokens",
              f"{len(dashed)} dashed paths")


def check_png(anvil, runs, root):
    out = os.path.join(root, "compare.png")
    rc, stdout, stderr = run([anvil, "plot", *runs, f"--out={out}"])
    check(rc == 0 and os.path.exists(out), "plot of two runs to PNG exits 0", stdout + stderr)
    if rc != 0:
        return
    image = Image.open(out).convert("RGB")
    check(image.size == (3 * PANEL_WIDTH, PANEL_HEIGHT), "the PNG has the three panels' size", str(image.size))
    pixels = {colour for _, colour in image.getcolors(maxcolors=1 << 24)}
    for i, colour in enumerate(RUN_COLOURS):
        rgb = tuple(round(float(p) * 2.55) for p in re.findall(r"[\d.]+", colour))
        near = [p for p in pixels if all(abs(a - b) <= 3 for a, b in zip(p, rgb))]
        check(bool(near), f"run {i + 1}'s colour {rgb} is drawn in the PNG", f"{len(pixels)} colours")


def check_errors(anvil, runs, root):
    def refused(args, message, what):
        rc, stdout, stderr = run([anvil, "plot", *args])
        check(rc == 1 and message in stderr, what, f"exit {rc}\n{stdout}{stderr}")

    missing = os.path.join(root, "no_such_dir")
    refused([*runs, "--out", os.path.join(missing, "x.png")],
            f"the directory '{missing}' does not exist", "an output directory that does not exist is named")
    check(not os.path.exists(missing), "and it is not created")

    kept = os.path.join(root, "kept.svg")
    with open(kept, "w") as f:
        f.write("earlier image")
    refused([os.path.join(root, "nowhere"), "--out", kept], "give a run directory or its metrics.jsonl",
            "a run without metrics.jsonl is named")
    bad = os.path.join(root, "bad_run")
    os.makedirs(bad)
    with open(os.path.join(bad, "metrics.jsonl"), "w") as f:
        f.write('{"step": 1, "loss": 4.0}\nnot json\n')
    refused([bad, "--out", kept], "metrics.jsonl:2: expected a JSON object with a \"step\"",
            "a bad metrics line is named by file and line")
    empty = os.path.join(root, "no_loss")
    os.makedirs(empty)
    with open(os.path.join(empty, "metrics.jsonl"), "w") as f:
        f.write('{"step": 1, "lr": 0.001}\n')
    refused([empty, "--out", kept], "holds no loss to plot", "a metrics file with no loss is refused")
    refused([*runs, "--out", os.path.join(root, "x.jpg")], "must end in .svg or .png", "an unknown image type is refused")
    check(not os.path.exists(os.path.join(root, "x.jpg")), "and no file is written for it")
    check(open(kept).read() == "earlier image", "the image already at --out is left as it was by every failure")
    refused([*runs], "needs at least one RUN and --out", "plot without --out says what it needs")


def main():
    anvil, config = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as root:
        runs = train_two_runs(anvil, config, root)
        check_svg(anvil, runs, root)
        check_png(anvil, runs, root)
        check_errors(anvil, runs, root)
    check.finish("plot OK")


if __name__ == "__main__":
    main()
