#!/usr/bin/env python3
"""Ten hours of audio through `wakeword detect -` on stdin: constant memory, exact times.

    python3 Benchmarks/long_run.py [--model out/demo/alexa.wakeword] [--hours 10]

The stream is a 60 s background (25 s of read speech from audio-samples/heldout-negatives,
then a quiet running tap) repeated for the whole length, with the same held-out "alexa" clip
inserted in the quiet part of the loop near the start, in the middle and 20 s before the end. As the
surroundings are sample-for-sample identical and the insertions lie whole loops (whole
encoder windows) apart, each insertion must be detected at exactly its loop offset plus the
first one's time: any drift in time stamps would show. Prints the detections, peak resident
memory and CPU time (from /usr/bin/time), and exits non-zero if the times are not exact or
the memory exceeds 200 MB. The model defaults to the one scripts/demo trains.
"""
import argparse, re, subprocess, sys, threading
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RATE = 16000
LOOP = 60 * RATE


def decode(path):
    raw = subprocess.run(["sox", str(path), "-t", "raw", "-e", "float", "-b", "32", "-c", "1", "-r", str(RATE), "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "out/demo/alexa.wakeword")
    parser.add_argument("--hours", type=float, default=10)
    parser.add_argument("--binary", type=Path, default=ROOT / ".build/release/wakeword")
    args = parser.parse_args()
    if not args.model.exists():
        sys.exit(f"{args.model}: no model; run scripts/demo first or pass --model")
    speech = np.concatenate([decode(p) for p in sorted((ROOT / "audio-samples/heldout-negatives").glob("*.flac"))])
    tap = decode(ROOT / "audio-samples/negatives/noise/running_tap.flac")
    background = np.resize(tap, LOOP) * 0.02
    background[:25 * RATE] += speech[:25 * RATE] * 0.8
    word = decode(ROOT / "audio-samples/alexa/heldout/258.flac")
    at = 40 * RATE  # where in the loop the word goes: in the quiet part
    with_word = background.copy()
    with_word[at:at + len(word)] += word
    loops = int(args.hours * 3600 * RATE) // LOOP
    marked = [1, loops // 2, loops - 1]  # loops holding the word
    pcm = {False: (np.clip(background, -1, 1) * 32767).astype("<i2").tobytes(),
           True: (np.clip(with_word, -1, 1) * 32767).astype("<i2").tobytes()}

    command = ["/usr/bin/time", "-f", "peak %M KB, cpu %U+%S s, elapsed %e s", str(args.binary),
               "detect", "--model", str(args.model), "--json", "-"]
    detector = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=False)

    def feed():
        for i in range(loops):
            detector.stdin.write(pcm[i in marked])
        detector.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    out = detector.stdout.read()
    err = detector.stderr.read()
    writer.join()
    detector.wait()
    lines = out.decode().splitlines()
    times = [float(re.search(r'"time": ([0-9.]+)', line).group(1)) for line in lines]
    print(f"{loops * LOOP / RATE / 3600:.2f} h streamed; detections at {times}")
    print(err.decode().strip().splitlines()[-1])
    expected = [times[0] + (m - marked[0]) * LOOP / RATE for m in marked] if times else []
    exact = len(times) == len(marked) and all(f"{t:.2f}" == f"{e:.2f}" for t, e in zip(times, expected))
    peak = int(re.search(r"peak (\d+) KB", err.decode()).group(1)) / 1024
    print(f"expected {[round(e, 2) for e in expected]}: {'exact' if exact else 'NOT EXACT'}; peak {peak:.0f} MB")
    sys.exit(0 if exact and peak < 200 else 1)


if __name__ == "__main__":
    main()
