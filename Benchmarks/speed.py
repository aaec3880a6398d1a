#!/usr/bin/env python3
"""Detection speed on one core: wakeword against openWakeWord and microWakeWord, same file,
same run. Prints a Markdown table and writes Benchmarks/speed.json.

    python3 Benchmarks/speed.py --models M1.wakeword [M2 M3 M4] [--audio FILE] [--repeats 3]

- The audio: one hour of real speech, ../shared/data/speech concatenated (and repeated to
  reach 60 min), made once as .cache/bench/speech-1h.flac unless --audio is given.
- wakeword: `taskset -c 0 wakeword detect --model M FILE`, CPU time (user + system) and peak
  resident memory of the whole process from getrusage: loading the encoder and decoding the
  FLAC are included.
- peers: `taskset -c 0 python3 Benchmarks/peers.py speed FILE` (one TFLite thread), their
  processing only (decoding excluded), so the comparison favours them.
- Each figure is the median over --repeats runs, interleaved so that machine noise hits all
  alike; ratios are taken within the same run.
"""
import argparse, json, os, resource, statistics, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".build/release/wakeword"


def make_hour(path):
    if path.exists():
        return path
    speech = sorted((ROOT / "../shared/data/speech").resolve().glob("*.flac"))
    if not speech:
        sys.exit("no ../shared/data/speech to build the hour of speech from; pass --audio")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.flac")
    # 52 minutes of speech, then its start again up to 60 minutes.
    subprocess.run(["sox", *map(str, speech), *map(str, speech), str(tmp), "trim", "0", "3600"], check=True)
    tmp.rename(path)
    return path


def run_wakeword(binary, models, audio):
    """CPU seconds and peak resident MB of this one process (os.wait4: its own rusage, not the
    largest child so far, which would be a peer's Python)."""
    process = subprocess.Popen(["taskset", "-c", "0", str(binary), "detect", "--quiet", *sum((["--model", m] for m in models), []), str(audio)],
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"wakeword detect failed with {process.returncode}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss in KiB


def run_peer(peer, models, audio):
    out = subprocess.run(["taskset", "-c", "0", sys.executable, str(ROOT / "Benchmarks/peers.py"), "speed", str(audio),
                          "--peer", peer, "--models", ",".join(models)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def duration(audio):
    return float(subprocess.run(["soxi", "-D", str(audio)], check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", required=True, help="wakeword model files; the first is the one-model case")
    parser.add_argument("--audio", type=Path, help="audio file (default: one hour of ../shared/data/speech)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--binary", type=Path, default=BIN, help="the wakeword binary (default .build/release/wakeword)")
    args = parser.parse_args()
    audio = args.audio or make_hour(ROOT / ".cache/bench/speech-1h.flac")
    seconds = duration(audio)
    runs = {"wakeword 1 model": [], f"wakeword {len(args.models)} models": [], "openWakeWord alexa": [],
            "openWakeWord 4 models": [], "microWakeWord alexa": []}
    memory = []
    for _ in range(args.repeats):
        cpu, rss = run_wakeword(args.binary, args.models[:1], audio)
        runs["wakeword 1 model"].append(cpu / seconds); memory.append(rss)
        if len(args.models) > 1:
            runs[f"wakeword {len(args.models)} models"].append(run_wakeword(args.binary, args.models, audio)[0] / seconds)
        runs["openWakeWord alexa"].append(run_peer("openwakeword", ["alexa"], audio)["cpu_per_audio_second"])
        runs["openWakeWord 4 models"].append(run_peer("openwakeword", ["alexa", "hey_jarvis", "hey_mycroft", "okay_nabu"], audio)["cpu_per_audio_second"])
        runs["microWakeWord alexa"].append(run_peer("microwakeword", ["alexa"], audio)["cpu_per_audio_second"])
    median = {k: statistics.median(v) for k, v in runs.items() if v}
    oww = median["openWakeWord alexa"]
    result = {"audio": str(audio), "audio_seconds": seconds, "repeats": args.repeats, "models": args.models,
              "cpu_per_audio_second": median, "runs": runs, "wakeword_peak_rss_mb": max(memory),
              "ratio_to_openwakeword": median["wakeword 1 model"] / oww}
    if len(args.models) > 1:
        result["several_models_over_one"] = median[f"wakeword {len(args.models)} models"] / median["wakeword 1 model"]
    (ROOT / "Benchmarks/speed.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{seconds / 3600:.2f} h of speech, one core (taskset -c 0), median of {args.repeats}\n")
    print("| detector | CPU s per audio s | relative to openWakeWord alexa |\n|---|---|---|")
    for name, value in median.items():
        print(f"| {name} | {value:.4f} | {value / oww:.2f} |")
    print(f"\nwakeword peak resident memory: {max(memory):.0f} MB")
    if len(args.models) > 1:
        print(f"{len(args.models)} models cost {result['several_models_over_one']:.2f} times one model")


if __name__ == "__main__":
    main()
