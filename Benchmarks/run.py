#!/usr/bin/env python3
"""The benchmark protocol, wakeword against openWakeWord and microWakeWord on the same audio.
Writes Benchmarks/RESULTS.md (tables with the commands that made them) and results.json.

    Benchmarks/run.sh                       # set-up, peers, extra negatives, then this script
    python3 Benchmarks/run.py [--data ../shared/data] [--words alexa computer snowboy] [--ks 5 10 20]

Protocol (on ../shared/data, see its README):
- Per wake word: the clips sorted by name, shuffled with Python's random.Random(0); the first
  K (5, 10, 20) train, the rest test. Test clips are padded with 1 s of silence on each side
  and mixed with a random segment of noise/ at 10 dB SNR (seed 0).
- Negatives: the speakers of speech/ sorted by id; the first half trains, the second half is
  for false accepts (about 26 min). Plus real speech from Debian packages
  (Benchmarks/fetch-extra-negatives.sh: voice-acted game dialogue and telephone prompts,
  narrow-band), split in halves by scene (game) and by file (prompts) the same way.
- Metrics: a detection in [word start, word end + 0.5 s] is a hit; every other detection in
  the negative audio is a false accept (after the 1 s refractory merge).
- Peers run on the mixed clips `wakeword eval --save-audio` wrote and the same negative files
  (Benchmarks/peers.py), with the same event rule.
"""
import argparse, json, os, random, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".cache/bench"
# A copy of the release binary, so that rebuilding during a run does not change the tool measured.
BIN = WORK / "wakeword"
LOG = []


RESUME = False  # --resume: keep what an earlier run of this script left in .cache/bench


def run(command, done=None, **kwargs):
    """Runs a command, records it for RESULTS.md, returns its stdout. With --resume, a
    command whose output `done` exists is recorded but not run again."""
    shown = " ".join(str(c).replace(str(ROOT) + "/", "") for c in command)
    LOG.append(shown)
    if RESUME and done is not None and Path(done).exists():
        print("$", shown, "(kept from an earlier run)", flush=True)
        return ""
    print("$", shown, flush=True)
    started = time.time()
    out = subprocess.run([str(c) for c in command], check=True, stdout=subprocess.PIPE, text=True, **kwargs).stdout
    print(out.strip(), f"({time.time() - started:.0f} s)", flush=True)
    return out


def link_all(files, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = folder / f.name
        if not target.exists():
            target.symlink_to(f.resolve())
    return folder


def splits(data, words, ks, extra):
    """Symlink folders for every split; returns {(word, K): (train, test)}, (neg train, neg test)."""
    result = {}
    for word in words:
        clips = sorted((data / "wakewords" / word).glob("*.flac"), key=lambda p: p.name)
        random.Random(0).shuffle(clips)
        for k in ks:
            result[(word, k)] = (link_all(clips[:k], WORK / word / f"K{k}" / "train"),
                                 link_all(clips[k:], WORK / word / f"K{k}" / "test"))
    speech = sorted((data / "speech").glob("*.flac"))
    speakers = sorted({int(p.name.split("-")[0]) for p in speech})
    first = set(speakers[: len(speakers) // 2])
    negatives = {"train": [link_all([p for p in speech if int(p.name.split("-")[0]) in first], WORK / "negatives/train/librispeech")],
                 "test": [link_all([p for p in speech if int(p.name.split("-")[0]) not in first], WORK / "negatives/test/librispeech")]}
    if extra and (extra / "SOURCES.md").exists():
        game = sorted((extra / "fotaq").glob("*.flac"))
        scenes = sorted({p.name[:3] for p in game})
        random.Random(0).shuffle(scenes)
        train_scenes = set(scenes[: len(scenes) // 2])
        prompts = sorted((extra / "asterisk-en").glob("*.flac"))
        random.Random(0).shuffle(prompts)
        half = len(prompts) // 2
        negatives["train"] += [link_all([p for p in game if p.name[:3] in train_scenes], WORK / "negatives/train/game"),
                               link_all(prompts[:half], WORK / "negatives/train/prompts")]
        negatives["test"] += [link_all([p for p in game if p.name[:3] not in train_scenes], WORK / "negatives/test/game"),
                              link_all(prompts[half:], WORK / "negatives/test/prompts")]
    return result, negatives


def noisy_copies(folders, noise_dir, snr=10.0, seed=0):
    """The test negatives again, each file mixed with a random segment of noise/ at `snr` dB
    below its mean power (seeded), as 16-bit FLAC: false accepts in speech over noise, the
    condition the positives are tested in. Made once; returns the new folders."""
    import numpy as np, soundfile
    done = WORK / "negatives/test-noisy/DONE"
    out = [WORK / "negatives/test-noisy" / Path(f).name for f in folders]
    if done.exists():
        return out
    noises = [soundfile.read(str(p), dtype="float32")[0] for p in sorted(Path(noise_dir).glob("*.flac"))]
    rng = np.random.default_rng(seed)
    for folder, target in zip(folders, out):
        target.mkdir(parents=True, exist_ok=True)
        for f in sorted(Path(folder).iterdir()):
            x, rate = soundfile.read(str(f), dtype="float32")
            noise = noises[rng.integers(len(noises))]
            piece = np.resize(np.roll(noise, -int(rng.integers(len(noise)))), len(x))
            scale = np.sqrt(np.mean(x.astype(np.float64) ** 2) / 10 ** (snr / 10) / max(np.mean(piece.astype(np.float64) ** 2), 1e-12))
            soundfile.write(str(target / f.name), np.clip(x + scale * piece, -1, 1), rate, subtype="PCM_16")
    done.write_text("")
    return out


def train(name, train_dir, negatives, options=()):
    model = WORK / "models" / f"{name}.wakeword"
    model.parent.mkdir(parents=True, exist_ok=True)
    out = run([BIN, "train", "--positive", train_dir, "--negative", *negatives, "--output", model, "--quiet", *options], done=model)
    return model, out


def evaluate(name, model, test_dir, negatives, noise, save_audio, label=""):
    report = WORK / "reports" / (name + label)
    audio = WORK / "audio" / name
    extra = ["--save-audio", audio] if save_audio else []
    run([BIN, "eval", "--model", model, "--positive", test_dir, "--negative", *negatives, "--noise", noise,
         "--snr", "10", "--seed", "0", "--output", report, "--quiet", *extra], done=report / "report.json", stderr=subprocess.DEVNULL)
    result = json.loads((report / "report.json").read_text())
    result["manifest"] = str(audio / "manifest.json") if save_audio else None
    return result


def summary(report):
    """The figures a table row shows, from a wakeword report.json."""
    target = next(t["point"] for t in report["targets"] if t["fa_per_hour"] == 0.5)
    def best(rate):
        points = [p for p in report["sweep"] if p["fa_per_hour"] <= rate]
        return min(p["frr"] for p in points) if points else None
    return {"threshold": report["threshold"], "frr": report["frr"], "fa_per_hour": report["fa_per_hour"],
            "frr_at_1": best(1), "frr_at_2": best(2),
            "false_accepts": len(report["false_accepts"]), "positives": report["positives"], "negative_hours": report["negative_hours"],
            "frr_at_0.5": target["frr"] if target else None, "threshold_at_0.5": target["threshold"] if target else None,
            "latency_median_ms": (report.get("latency_ms") or {}).get("median"), "latency_p95_ms": (report.get("latency_ms") or {}).get("p95")}


def peer(manifest, name):
    out = WORK / "peers" / f"{name}-{Path(manifest).parent.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    run([sys.executable, ROOT / "Benchmarks/peers.py", "score", "--manifest", manifest, "--peer", name, "--model", "alexa", "--output", out,
         "--cache-dir", WORK / "peers/cache"], done=out)
    m = json.loads(out.read_text())["metrics"]
    d, low = m["at_default_threshold"], m["best_threshold_with_fa_per_hour_le_0.5"]
    def best(rate):
        points = [p for p in m["sweep"] if p["fa_per_hour"] <= rate]
        return min(p["frr"] for p in points) if points else None
    return {"threshold": d["threshold"], "frr": d["frr"], "fa_per_hour": d["fa_per_hour"], "false_accepts": d["false_accepts"],
            "frr_at_1": best(1), "frr_at_2": best(2),
            "positives": m["positives"], "negative_hours": m["negative_hours"],
            "frr_at_0.5": low["frr"] if low else None, "threshold_at_0.5": low["threshold"] if low else None,
            "latency_median_ms": 1000 * d["latency_median_seconds"] if "latency_median_seconds" in d else None,
            "latency_p95_ms": 1000 * d["latency_p95_seconds"] if "latency_p95_seconds" in d else None}


def row(label, s):
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"
    ms = lambda v: "–" if v is None else f"{v:.0f}"
    return (f"| {label} | {s['threshold']:.4f} | {pct(s['frr'])} | {s['fa_per_hour']:.2f} ({s['false_accepts']}) | "
            f"{pct(s['frr_at_0.5'])} / {pct(s['frr_at_1'])} / {pct(s['frr_at_2'])} | {ms(s['latency_median_ms'])} / {ms(s['latency_p95_ms'])} |")


HEADER = ("| detector | own threshold | false rejects | false accepts / h (count) | false rejects at ≤ 0.5 / 1 / 2 FA/h | latency median / p95 (ms) |\n"
          "|---|---|---|---|---|---|")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "../shared/data")
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    fetched = data_home / "wakeword/negatives/debian-speech"  # scripts/setup --negatives; older set-ups left .cache/negatives
    parser.add_argument("--extra", type=Path, default=fetched if (fetched / "SOURCES.md").exists() else ROOT / ".cache/negatives")
    parser.add_argument("--words", nargs="+", default=["alexa", "computer", "snowboy"])
    parser.add_argument("--ks", nargs="+", type=int, default=[5, 10, 20])
    parser.add_argument("--ablation-words", nargs="*", help="words for the per-layer, per-head table (default: --words)")
    parser.add_argument("--windowings", nargs="*", default=[label for label, _ in WINDOWINGS], help="rows of the windowing table")
    parser.add_argument("--seeds", nargs="*", type=int, default=[1, 2], help="extra training seeds for the spread table")
    parser.add_argument("--ablation", nargs="*", help="LAYER-HEAD pairs for that table, e.g. 2-mlp 1-linear (default: layers 1-4 x linear, mlp)")
    parser.add_argument("--resume", action="store_true", help="keep the models, reports and peer scores an interrupted run left")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-ablation", action="store_true", help="skip the per-layer, per-head, seed and windowing tables")
    parser.add_argument("--no-measurements", action="store_true", help="skip timing, speed and the ten-hour run")
    args = parser.parse_args()
    if args.ablation_words is None:
        args.ablation_words = args.words
    global RESUME
    RESUME = args.resume
    pairs = [(int(p.split("-")[0]), p.split("-")[1]) for p in args.ablation] if args.ablation is not None else \
        [(layer, head) for layer in (1, 2, 3, 4) for head in ("linear", "mlp")]
    data = args.data.resolve()
    WORK.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / ".build/release/wakeword", BIN)
    table, negatives = splits(data, args.words, args.ks, args.extra)
    noise = data / "noise"
    results = {"main": {}, "peers": {}, "ablation": {}, "windowing": {}, "seeds": {}, "measurements": {}}

    noisy = noisy_copies(negatives["test"], noise)

    def measure(section, name, train_dir, test_dir, options=(), save_audio=False):
        model, _ = train(name, train_dir, negatives["train"], options)
        results[section][name] = summary(evaluate(name, model, test_dir, negatives["test"], noise, save_audio))
        results[section][name]["noisy"] = summary(evaluate(name, model, test_dir, noisy, noise, False, "-noisy-negatives"))
        write_results(results, args)  # after every row, so an interrupted run still reports what it measured

    for (word, k), (train_dir, test_dir) in table.items():
        name = f"{word}-K{k}"
        measure("main", name, train_dir, test_dir, save_audio=(word == "alexa"))
        if word == "alexa" and not args.no_peers:
            manifest = WORK / "audio" / name / "manifest.json"
            results["peers"][name] = {p: peer(manifest, p) for p in ("openwakeword", "microwakeword")}
            write_results(results, args)
    if not args.no_measurements:
        results["measurements"] = measurements(table, negatives, args)
        write_results(results, args)
    if not args.no_ablation:
        k = max(args.ks)
        train_dir, test_dir = table[("alexa", k)]
        for label, options in WINDOWINGS:
            if label in args.windowings:
                measure("windowing", f"alexa-K{k}-{label}", train_dir, test_dir, options)
        for word in args.ablation_words:
            train_dir, test_dir = table[(word, k)]
            for layer, head in pairs:
                name = f"{word}-K{k}-layer{layer}-{head}"
                if (layer, head) == DEFAULT:  # the main table's row: same options, same seed
                    results["ablation"][name] = results["main"][f"{word}-K{k}"]
                    continue
                measure("ablation", name, train_dir, test_dir, ["--layer", str(layer), "--head", head])
        word = args.words[0]
        train_dir, test_dir = table[(word, k)]
        for seed in args.seeds:
            measure("seeds", f"{word}-K{k}-seed{seed}", train_dir, test_dir, ["--seed", str(seed)])
    write_results(results, args)


DEFAULT = (1, "mlp")  # TrainingOptions.defaultLayer and its default head


WINDOWINGS = [
    ("w1-s1", ["--window", "1", "--stride", "1"]),
    ("w1-s1-memory1", ["--window", "1", "--stride", "1", "--memory", "1"]),
    ("w1.5-s0.5", ["--window", "1.5", "--stride", "0.5"]),
    ("layer3-w1-s0.5", ["--layer", "3", "--window", "1", "--stride", "0.5"]),
    ("layer3-w1-s1-memory1", ["--layer", "3", "--window", "1", "--stride", "1", "--memory", "1"]),
    ("noisy-negatives-0", ["--noisy-negatives", "0"]),  # training negatives all clean
    ("noisy-negatives-0.5", ["--noisy-negatives", "0.5"]),  # half of them mixed with noise
]


def measurements(table, negatives, args):
    """Training time (cold and warm cache), encoder speed, detection speed against the
    peers, and the ten-hour stream."""
    found = {}
    train_dir, _ = table[("alexa", 10)] if ("alexa", 10) in table else next(iter(table.values()))
    cache = WORK / "timing-cache"
    shutil.rmtree(cache, ignore_errors=True)
    for label in ("cold", "warm"):
        started = time.time()
        run([BIN, "train", "--positive", train_dir, "--negative", negatives["train"][0], "--output", WORK / "models/timing.wakeword",
             "--cache-dir", cache, "--quiet"])
        found[f"train_{label}_seconds"] = time.time() - started
    found["bench"] = run([BIN, "bench"])
    models = [str(WORK / "models" / f"{w}-K{max(args.ks)}.wakeword") for w in args.words]
    models += [str(WORK / "models" / f"alexa-K{min(args.ks)}.wakeword")]
    found["speed"] = run([sys.executable, ROOT / "Benchmarks/speed.py", "--binary", BIN, "--models", *models[:4]])
    found["long_run"] = run([sys.executable, ROOT / "Benchmarks/long_run.py", "--binary", BIN, "--model", models[0]])
    return found


def noisy(s):
    """'FA/h, FRR at ≤ 0.5 FA/h' with the noisy negatives."""
    n = s.get("noisy")
    if not n:
        return "–"
    return f"{n['fa_per_hour']:.2f}, " + ("–" if n["frr_at_0.5"] is None else f"{100 * n['frr_at_0.5']:.1f} %")


def write_results(results, args):
    (ROOT / "Benchmarks/results.json").write_text(json.dumps(results, indent=1) + "\n")
    hours = next(iter(results["main"].values()))["negative_hours"]
    md = ["# Benchmark results", "",
          f"Produced by `Benchmarks/run.sh` ({time.strftime('%Y-%m-%d')}, wakeword on this machine); the protocol is in "
          "`Benchmarks/run.py`. Every test clip mixed with noise at 10 dB SNR; "
          f"{hours:.2f} hours of negative audio (LibriSpeech test speakers plus Debian's game dialogue and telephone prompts).",
          "'threshold' is each detector's own (wakeword: calibrated at training for 0.5 FA/h; peers: their defaults); "
          "'false rejects at ≤ 0.5 FA/h' is the best any threshold reaches with at most 0.5 false accepts per hour on this audio "
          f"(at most {int(0.5 * hours)} false accept{'s' if int(0.5 * hours) != 1 else ''}).", "",
          "",
          "The protocol's negatives are clean speech while its positives carry noise, which rewards a detector that takes "
          "noise under speech for the wake word. So each wakeword model is also evaluated with the same negatives mixed with "
          "a random segment of noise/ at 10 dB SNR (`Benchmarks/run.py` `noisy_copies`): the rows 'negatives with noise'.", "",
          "This run: `" + " ".join(["Benchmarks/run.sh", *sys.argv[1:]]) + "`", ""]
    for word in args.words:
        md += [f"## {word}", ""]
        for k in args.ks:
            name = f"{word}-K{k}"
            if name not in results["main"]:
                continue
            s = results["main"][name]
            md += [f"### {word}, K = {k} training clips ({s['positives']} test clips)", "", HEADER, row(f"wakeword ({k} clips)", s),
                   row(f"wakeword ({k} clips), negatives with noise", s["noisy"])]
            for p, label in (("openwakeword", "openWakeWord alexa (pyopen-wakeword 1.1.0)"),
                             ("microwakeword", "microWakeWord alexa (pymicro-wakeword 2.5.0; trained on these clips)")):
                if name in results["peers"]:
                    md.append(row(label, results["peers"][name][p]))
            md.append("")
    if results["ablation"]:
        pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"
        md += [f"## Tap layer and head (K = {max(args.ks)})", "", f"The default is layer {DEFAULT[0]}, {DEFAULT[1]} head (its rows are the main table's).", "", "| word | layer | head | false rejects | false accepts / h | false rejects at ≤ 0.5 / 1 / 2 FA/h | with noisy negatives: false accepts / h, false rejects at ≤ 0.5 FA/h |", "|---|---|---|---|---|---|---|"]
        for name, s in results["ablation"].items():
            word, _, layer, head = name.split("-")
            md.append(f"| {word} | {layer[5:]} | {head} | {pct(s['frr'])} | {s['fa_per_hour']:.2f} | "
                      f"{pct(s['frr_at_0.5'])} / {pct(s['frr_at_1'])} / {pct(s['frr_at_2'])} | {noisy(s)} |")
        md.append("")
    if results["seeds"]:
        word, k = args.words[0], max(args.ks)
        md += [f"## Spread over seeds ({word}, K = {k})", "", "The same protocol with the training seed changed (augmentation, "
               "folds, initial weights): how much of a difference between rows above is noise. At ≤ 0.5 FA/h one false accept "
               "more or less moves the false-reject rate a lot.", "", HEADER, row("seed 0 (the table above)", results["main"][f"{word}-K{k}"])]
        md += [row(name.rsplit("-", 1)[1].replace("seed", "seed "), s) for name, s in results["seeds"].items()] + [""]
    if results["windowing"]:
        md += [f"## Windowing and training variants (alexa, K = {max(args.ks)})", "", "The default: layer 1, 1 s windows every 0.5 s, no memory, "
               "a fifth of the training negatives mixed with noise (the main table).", "", "Encoder passes per second of audio: window / stride. "
               "Attention memory: each pass also attends to the previous pass's last second.", "",
               "| variant | false rejects | false accepts / h | false rejects at ≤ 0.5 / 1 / 2 FA/h | with noisy negatives: false accepts / h, false rejects at ≤ 0.5 FA/h |", "|---|---|---|---|---|"]
        pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"
        for name, s in results["windowing"].items():
            md.append(f"| {name.split('-', 2)[2]} | {pct(s['frr'])} | {s['fa_per_hour']:.2f} | "
                      f"{pct(s['frr_at_0.5'])} / {pct(s['frr_at_1'])} / {pct(s['frr_at_2'])} | {noisy(s)} |")
        md.append("")
    m = results["measurements"]
    md += [] if not m else ["## Training time", "", f"`wakeword train` on 10 alexa clips with half of speech/ as negatives, 2 cores: "
           f"{m['train_cold_seconds']:.0f} s with an empty feature cache, {m['train_warm_seconds']:.0f} s with it warm.", "",
           "## Encoder speed (`wakeword bench`, one thread)", "", "```", m["bench"].strip(), "```", "",
           "## Detection speed against the peers (`Benchmarks/speed.py`)", "", m["speed"].strip(), "",
           "## Ten hours on stdin (`Benchmarks/long_run.py`)", "", "```", m["long_run"].strip(), "```", ""]
    # Sections other scripts or people write (Benchmarks/serve_load.py --write, measurements
    # by hand) are kept as they were.
    previous = (ROOT / "Benchmarks/RESULTS.md").read_text() if (ROOT / "Benchmarks/RESULTS.md").exists() else ""
    kept = re.finditer(r"^## (?:Serving over Wyoming|Detection speed after|Words, not sounds).*?(?=^## )", previous, re.S | re.M)
    md += [line for section in kept for line in (section.group(0).rstrip("\n"), "")]
    md += ["## Commands", "", "```", *LOG, "```", ""]
    (ROOT / "Benchmarks/RESULTS.md").write_text("\n".join(md))
    print("wrote Benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
