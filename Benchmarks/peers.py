#!/usr/bin/env python3
"""Run peer wake-word detectors on the audio our benchmark uses, and score them.

Peers: openWakeWord (PyPI `pyopen-wakeword`) and microWakeWord (`pymicro-wakeword`);
install them with `pip install -r Benchmarks/requirements-peers.txt`.

  peers.py score --manifest DIR/manifest.json --peer openwakeword --model alexa --output OUT.json
  peers.py speed FILE --peer openwakeword --model alexa [--models alexa,hey_jarvis]

`score` reads the manifest `wakeword eval --save-audio DIR` writes, runs the peer from a fresh
state over each positive file and once over all negatives as one stream, records every score
with its time (the end of the audio fed so far when the score came out) and computes the
metrics in `metrics()`. `speed` measures CPU seconds per audio second, decoding excluded.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads its BLAS

import argparse
import ctypes
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 16000


def read_audio(path):
    """16 kHz mono 16-bit audio file -> int16 array."""
    info = soundfile.info(str(path))
    if info.samplerate != SAMPLE_RATE or info.channels != 1:
        raise SystemExit(f"{path}: need 16 kHz mono, got {info.samplerate} Hz x {info.channels}")
    try:
        return soundfile.read(str(path), dtype="int16")[0]
    except soundfile.LibsndfileError:
        # libsndfile gives up on a FLAC with a corrupt frame; the flac tool decodes through it.
        raw = subprocess.run(
            ["flac", "--decode", "--decode-through-errors", "--silent", "--stdout",
             "--force-raw-format", "--endian=little", "--sign=signed", str(path)],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
        return np.frombuffer(raw, dtype="<i2")


def one_tflite_thread(wakeword_module):
    """Make the package's TFLite interpreters use one thread.

    Both packages call TfLiteInterpreterCreate(model, NULL), and with no options TFLite
    starts a thread pool. Wrap that call (per loaded library object) to pass options with
    num_threads = 1.
    """
    base = wakeword_module.TfLiteWakeWord
    if getattr(base, "_one_thread", False):
        return
    original_init = base.__init__

    def init(self, libtensorflowlite_c_path):
        original_init(self, libtensorflowlite_c_path)
        lib = self.lib
        lib.TfLiteInterpreterOptionsCreate.restype = ctypes.c_void_p
        lib.TfLiteInterpreterOptionsSetNumThreads.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        options = lib.TfLiteInterpreterOptionsCreate()
        lib.TfLiteInterpreterOptionsSetNumThreads(options, 1)
        create = lib.TfLiteInterpreterCreate
        lib.TfLiteInterpreterCreate = lambda model, _options: create(model, options)

    base.__init__ = init
    base._one_thread = True


class OpenWakeWordPeer:
    """openWakeWord: one shared feature extractor (melspectrogram + 96-d embedding every
    80 ms), then one probability per embedding from each wake-word model."""

    name = "openwakeword"
    chunk_samples = 1280  # 2560 bytes = 80 ms, one embedding per chunk
    hop_seconds = 0.08
    default_threshold = 0.5  # the package's CLI default (--probability-threshold)

    def __init__(self, models):
        import pyopen_wakeword as oww
        import pyopen_wakeword.wakeword

        one_tflite_thread(pyopen_wakeword.wakeword)
        self.features = oww.OpenWakeWordFeatures.from_builtin()
        self.models = [oww.OpenWakeWord.from_builtin(oww.Model(m)) for m in models]
        self.note = (
            "scores: OpenWakeWord.process_streaming probabilities, no smoothing; the package "
            "detects on probability > 0.5 (metrics use >=). After each reset the feature "
            "extractor pre-fills 8 s of zeros, so the first 80 ms chunk of each file also "
            "emits scores over that silence (76 for alexa), all stamped 0.08 s.")

    def reset(self):
        self.features.reset()
        for model in self.models:
            model.reset()

    def feed(self, chunk):
        """16-bit PCM bytes -> {model id: [scores emitted]}"""
        out = {model.id: [] for model in self.models}
        for embedding in self.features.process_streaming(chunk):
            for model in self.models:
                out[model.id].extend(model.process_streaming(embedding))
        return out


class MicroWakeWordPeer:
    """microWakeWord: a 40-d feature every 10 ms (TFLite Micro frontend), a streaming model
    invoked every `stride` (3) features, and the mean of the last `sliding_window_size` (5)
    outputs compared with the model's probability_cutoff."""

    name = "microwakeword"
    chunk_samples = 160  # the frontend's 10 ms step, so each score's time is exact

    def __init__(self, models):
        import pymicro_wakeword as mww
        import pymicro_wakeword.wakeword

        one_tflite_thread(pymicro_wakeword.wakeword)
        self.features = mww.MicroWakeWordFeatures()
        self.models = [mww.MicroWakeWord.from_builtin(mww.Model(m)) for m in models]
        first = self.models[0]
        self.default_threshold = first.probability_cutoff
        self.hop_seconds = first.stride * 0.01
        self.note = (
            f"scores: MicroWakeWord.process_streaming_prob, i.e. the mean of the last "
            f"{first.sliding_window_size} model outputs (0.0 until {first.sliding_window_size} "
            f"exist), which is what the package compares with probability_cutoff "
            f"{first.probability_cutoff} (it detects on mean > cutoff; metrics use >=); one "
            f"score per {first.stride} feature frames ({self.hop_seconds:g} s).")
        if first.id == "alexa":
            self.note += (" Its alexa model was trained on the Picovoice alexa clips that"
                          " this benchmark tests on, so its false-reject rate is optimistic.")
        self.frames = 0

    def reset(self):
        self.features.reset()
        for model in self.models:
            model.reset()  # reloads the model: its streaming state lives in the interpreter
        self.frames = 0

    def feed(self, chunk):
        out = {model.id: [] for model in self.models}
        for feature in self.features.process_streaming(chunk):
            self.frames += 1
            for model in self.models:
                prob = model.process_streaming_prob(feature)
                if self.frames % model.stride == 0:  # otherwise it only buffered the frame
                    out[model.id].append(prob)
        return out


PEERS = {"openwakeword": OpenWakeWordPeer, "microwakeword": MicroWakeWordPeer}


def run(peer, audio):
    """Feed int16 audio in the peer's chunks -> {model id: (times, scores)}."""
    data = audio.tobytes()
    step = 2 * peer.chunk_samples
    out = {model.id: ([], []) for model in peer.models}
    for start in range(0, len(data), step):
        end_seconds = min(start + step, len(data)) / 2 / SAMPLE_RATE
        for model_id, scores in peer.feed(data[start:start + step]).items():
            out[model_id][0].extend([end_seconds] * len(scores))
            out[model_id][1].extend(scores)
    return out


# ---------------------------------------------------------------- metrics

def events(times, scores, threshold, refractory):
    """Event times, by wakeword's rule (Sources/WakeWord/Detection/EventGate.swift): an
    event fires at the first score >= threshold at least `refractory` seconds after the
    previous event, and then no other fires until a score has fallen below the threshold
    (one event per run of high scores). Runs are found with numpy; the loop is over runs."""
    high = scores >= threshold
    if not high.any():
        return []
    edges = np.diff(np.concatenate(([0], high.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]  # runs [start, end)
    fired, last = [], None
    for start, end in zip(starts, ends):
        # 1e-9: times are sample counts / 16000, so t + refractory may round either way
        earliest = times[start] if last is None else max(times[start], last + refractory - 1e-9)
        i = start + np.searchsorted(times[start:end], earliest)
        if i < end:
            fired.append(times[i])
            last = times[i]
    return fired


def operating_point(threshold, positives, negatives, negative_seconds, refractory, after_end):
    """FRR, false accepts per hour and hit latencies (event - word_end) at one threshold."""
    latencies = []
    for times, scores, word_start, word_end in positives:
        hits = [t for t in events(times, scores, threshold, refractory)
                if word_start <= t <= word_end + after_end]
        if hits:
            latencies.append(hits[0] - word_end)
    false_accepts = len(events(*negatives, threshold, refractory))
    return {
        "threshold": threshold,
        "frr": (len(positives) - len(latencies)) / len(positives),
        "fa_per_hour": false_accepts / (negative_seconds / 3600),
        "false_accepts": false_accepts,
        "misses": len(positives) - len(latencies),
    }, latencies


def metrics(result, manifest):
    """Picovoice-benchmark-style metrics from a `score` result (see the module doc)."""
    refractory = manifest["refractory_seconds"]
    after_end = manifest["hit_after_end_seconds"]
    positives = [(np.array(p["times"]), np.array(p["scores"]), m["word_start"], m["word_end"])
                 for p, m in zip(result["positives"], manifest["positives"])]
    negatives = (np.array(result["negatives"]["times"]), np.array(result["negatives"]["scores"]))
    negative_seconds = sum(f["duration_seconds"] for f in result["negatives"]["files"])

    def at(threshold):
        return operating_point(threshold, positives, negatives, negative_seconds,
                               refractory, after_end)

    sweep = []
    for k in range(1001):  # thresholds 0.000, 0.001, ..., 1.000
        point, _ = at(k / 1000)
        sweep.append({key: point[key] for key in ("threshold", "frr", "fa_per_hour")})
    default, latencies = at(result["default_threshold"])
    if latencies:
        default["latency_median_seconds"] = float(np.median(latencies))
        default["latency_p95_seconds"] = float(np.percentile(latencies, 95))
    # The qualifying threshold with the fewest false rejects (not the lowest one: near 0 a
    # stream is one long run above the threshold, so one event and every clip missed).
    low_fa = min((p for p in sweep if p["fa_per_hour"] <= 0.5), key=lambda p: (p["frr"], p["threshold"]), default=None)
    return {
        "rule": "event = first score >= threshold, then refractory_seconds without events; "
                "hit = event in [word_start, word_end + hit_after_end_seconds]; "
                "latency = first hit event - word_end (p95 by linear interpolation)",
        "positives": len(positives),
        "negative_hours": negative_seconds / 3600,
        "at_default_threshold": default,
        "best_threshold_with_fa_per_hour_le_0.5": low_fa,
        "sweep": sweep,
    }


# ---------------------------------------------------------------- commands

def score_negatives(peer, model, folder, entries, cache_dir):
    """Runs the peer once over all negative files as one stream. With `cache_dir`, the result
    is kept under a key made of the peer, the model and each file's path, size and mtime, so
    the benchmark's runs over the same negatives (one per K) score them once."""
    paths = [folder / entry["file"] for entry in entries]  # an absolute path stays absolute
    cached = None
    if cache_dir:
        stats = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
        key = hashlib.sha256(json.dumps([peer.name, model, stats]).encode()).hexdigest()[:16]
        cached = Path(cache_dir) / f"negatives-{peer.name}-{model}-{key}.json"
        if cached.exists():
            return json.loads(cached.read_text())
    files, stream, offset = [], [], 0.0
    for entry, path in zip(entries, paths):
        audio = read_audio(path)
        files.append({"file": entry["file"], "start_seconds": offset,
                      "duration_seconds": len(audio) / SAMPLE_RATE})
        offset += len(audio) / SAMPLE_RATE
        stream.append(audio)
    stream = np.concatenate(stream) if stream else np.zeros(0, np.int16)
    start = time.process_time()
    peer.reset()
    times, scores = run(peer, stream)[model]
    result = {"files": files, "times": times, "scores": [float(x) for x in scores],
              "cpu_seconds": time.process_time() - start, "audio_seconds": len(stream) / SAMPLE_RATE}
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(result))
        temporary.replace(cached)
    return result


def score(args):
    manifest_path = Path(args.manifest)
    manifest = json.loads(manifest_path.read_text())
    if manifest["sample_rate"] != SAMPLE_RATE:
        raise SystemExit(f"sample_rate must be {SAMPLE_RATE}")
    folder = manifest_path.parent
    peer = PEERS[args.peer]([args.model])
    cpu = 0.0
    audio_seconds = 0.0

    positives = []
    for entry in manifest["positives"]:
        audio = read_audio(folder / entry["file"])
        start = time.process_time()
        peer.reset()
        times, scores = run(peer, audio)[args.model]
        cpu += time.process_time() - start
        audio_seconds += len(audio) / SAMPLE_RATE
        positives.append({"file": entry["file"], "times": times, "scores": scores})

    negatives = score_negatives(peer, args.model, folder, manifest["negatives"], args.cache_dir)
    files, times, scores = negatives["files"], negatives["times"], negatives["scores"]
    cpu += negatives["cpu_seconds"]
    audio_seconds += negatives["audio_seconds"]

    result = {
        "peer": peer.name,
        "model": args.model,
        "hop_seconds": peer.hop_seconds,
        "default_threshold": peer.default_threshold,
        "note": peer.note,
        "positives": positives,
        "negatives": {"files": files, "times": times, "scores": scores},
        "cpu_seconds": cpu,
        "audio_seconds": audio_seconds,
    }
    result["metrics"] = metrics(result, manifest)
    Path(args.output).write_text(json.dumps(result))
    summary = {k: result["metrics"][k] for k in
               ("at_default_threshold", "best_threshold_with_fa_per_hour_le_0.5")}
    print(json.dumps(summary, indent=1))


def speed(args):
    models = args.models.split(",") if args.models else [args.model]
    audio = read_audio(args.file)
    peer = PEERS[args.peer](models)
    start = time.process_time()
    run(peer, audio)
    cpu = time.process_time() - start
    seconds = len(audio) / SAMPLE_RATE
    print(json.dumps({"peer": peer.name, "models": models, "audio_seconds": seconds,
                      "cpu_seconds": cpu, "cpu_per_audio_second": cpu / seconds}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("score", help="score a peer on a wakeword eval manifest")
    s.add_argument("--manifest", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--cache-dir", help="keep the negative stream's scores here, keyed by the files")
    p = commands.add_parser("speed", help="CPU seconds per audio second on one file")
    p.add_argument("file")
    p.add_argument("--models", help="comma-separated; several share one feature extractor")
    for sub in (s, p):
        sub.add_argument("--peer", required=True, choices=sorted(PEERS))
        sub.add_argument("--model", default="alexa")
    args = parser.parse_args()
    if args.command == "score":
        score(args)
    else:
        speed(args)


if __name__ == "__main__":
    sys.exit(main())
