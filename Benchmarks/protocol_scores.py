#!/usr/bin/env python3
"""Where a model's threshold sits against its scores on the acceptance protocol's audio.

Run `python3 ../shared/bench/protocol.py WORD` once (it writes the streams to --work), then

  python3 Benchmarks/protocol_scores.py WORD MODEL.wakeword [MODEL ...]

For each model, from every hop's score (`wakeword detect --scores`) over the protocol's positive
stream and its clean and noisy negative streams: the false rejects at the model's own threshold
(a clip counts as hit when a hop in [start, end + 0.5 s] reaches it), the hops at or over it in the
negatives, the highest negative score, and the false rejects at the lowest threshold with no
negative hop over it ('frr@0FA': how well the head separates, whatever the calibration).
Models with the same windowing share one encoder pass."""
import argparse, collections, csv, json, os, subprocess, tempfile
import numpy as np


def header(path):
    data = open(path, "rb").read(200_000)
    start, depth = data.find(b"{"), 0
    for i in range(start, len(data)):
        depth += {ord("{"): 1, ord("}"): -1}.get(data[i], 0)
        if depth == 0:
            return json.loads(data[start:i + 1])
    raise SystemExit(f"{path}: no JSON header")


def scores(binary, models, audio):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "scores.csv")
        command = [binary, "detect", "--quiet", "--scores", out]
        for m in models:
            command += ["--model", m]
        subprocess.run(command + [audio], check=True, capture_output=True)
        by_model = collections.defaultdict(lambda: ([], []))
        for row in csv.DictReader(open(out)):
            by_model[row["model"]][0].append(float(row["time"]))
            by_model[row["model"]][1].append(float(row["score"]))
    return {k: (np.array(t), np.array(s)) for k, (t, s) in by_model.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("word")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default="/tmp/wakeword-protocol")
    ap.add_argument("--binary", default=".build/release/wakeword")
    a = ap.parse_args()
    run = os.path.join(a.work, f"{a.word}-k{a.k}-s{a.seed}")
    labels = json.load(open(os.path.join(run, "labels.json")))
    audio = {"positives": os.path.join(run, "positives.wav"),
             "clean": os.path.join(a.work, "negatives-dev.wav"), "noisy": os.path.join(a.work, "negatives-dev-noisy10.wav")}
    result = {k: scores(a.binary, a.models, path) for k, path in audio.items()}
    for path in a.models:
        h = header(path)
        name, threshold = h["name"], h["threshold"]
        t, s = result["positives"][name]
        best = np.array([s[(t >= l["start"]) & (t <= l["end"] + 0.5)].max() for l in labels])
        top = {k: float(result[k][name][1].max()) for k in ("clean", "noisy")}
        over = {k: int((result[k][name][1] >= threshold).sum()) for k in ("clean", "noisy")}
        print(json.dumps({"model": path, "threshold": threshold, "frr": round(float((best < threshold).mean()), 4),
                          "negative_hops_over_threshold": over, "highest_negative_score": top,
                          "frr_at_0_fa": round(float((best <= max(top.values())).mean()), 4),
                          "model_says_frr": h["training"].get("expected_frr")}))


if __name__ == "__main__":
    main()
