#!/usr/bin/env python3
"""Builds audio-samples/ from the shared recordings (../shared/data), reproducibly.

    python3 scripts/make_audio_samples.py ../shared/data .cache/negatives

What it writes (all 16 kHz mono 16-bit FLAC; licences in audio-samples/README.md):
  alexa/train/      10 "alexa" clips (Picovoice wake-word-benchmark, Apache-2.0)
  alexa/heldout/    4 more, never used for training by the project's tests
  damaged/          one alexa clip whose FLAC stream breaks part-way (kept as real damaged input)
  negatives/speech/ LibriSpeech utterances from the first half of the speakers (CC BY 4.0),
                    Ogg Vorbis to keep the repository small
  negatives/dialogue/, negatives/prompts/: voice-acted game lines and telephone prompts from
                    Debian packages (scripts/fetch-negatives output, licences in the README):
                    narrow-band, expressive speech unlike read audiobooks, Ogg Vorbis
  negatives/noise/  the first 20 s of each Speech Commands background noise (CC BY 4.0)
  heldout-negatives/ LibriSpeech utterances from the second half of the speakers (not in the
                    stream): negative audio for evaluating models trained on the defaults
  stream/stream.flac + stream.labels.tsv: 4 further alexa clips among speech from the
                    second half of the speakers, over quiet background noise; the labels give
                    each wake word's start and end in seconds (energy threshold on the clean clip)
Needs numpy and the `sox` command (Debian package sox).
"""
import os, random, shutil, subprocess, sys
import numpy as np

RATE = 16000
DAMAGED = {"126", "127", "128", "129", "142", "144", "229", "272", "273", "274", "275", "32", "33", "34"}


def read(path):
    raw = subprocess.run(["sox", path, "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(RATE), "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


def write(path, x):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pcm = np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes()
    quality = ["-C", "3"] if path.endswith(".ogg") else []
    subprocess.run(["sox", "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(RATE), "-", *quality, path],
                   input=pcm, check=True)


def speech_bounds(x, frame=160):
    """Start and end of the word in seconds, by the Swift Endpointer's rule (see
    Sources/WakeWord/Audio/Endpointer.swift): the most energetic run of frames above
    max(peak - d, floor + 12 dB) bridging gaps up to 0.3 s, d tightened from 20 to 15, 10, 6 dB while the
    core is over 1.2 s, edges extended over frames above max(peak - 30, floor + 6 dB) by at
    most 0.15 s; the floor is the 10th percentile of frames above -90 dB."""
    n = len(x) // frame
    level = 10 * np.log10(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-10)
    peak = level.max()
    if peak <= -90:
        return None  # digital silence throughout
    audible = np.sort(level[level > -90])
    floor = audible[int(0.1 * (len(audible) - 1))] if len(audible) else -100.0

    def core(threshold):
        """The most energetic run of frames above threshold, bridging gaps up to 0.3 s."""
        best, run = (0, 0, -1.0), None
        for i in np.nonzero(level > threshold)[0]:
            energy = 10 ** (level[i] / 10)
            run = (run[0], i, run[2] + energy) if run is not None and i - run[1] <= 30 else (i, i, energy)
            if run[2] > best[2]:
                best = run
        return best[0], best[1]

    for drop in (20, 15, 10, 6):
        start, end = core(max(peak - drop, min(floor + 12, peak - 6)))
        if end + 1 - start <= 120:
            break
    low = max(peak - 30, min(floor + 6, peak - 10))
    for _ in range(15):
        if end + 1 < n and level[end + 1] > low:
            end += 1
    for _ in range(15):
        if start > 0 and level[start - 1] > low:
            start -= 1
    return start * frame / RATE, (end + 1) * frame / RATE


def main(shared, debian=None):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "audio-samples")
    for sub in ("alexa", "damaged", "negatives", "heldout-negatives", "stream"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    names = sorted(os.listdir(os.path.join(shared, "wakewords/alexa")))
    random.Random(0).shuffle(names)
    usable = [n for n in names[20:] if n[:-5] not in DAMAGED]  # skip the benchmark's K=20 training clips
    groups = {"alexa/train": usable[:10], "alexa/heldout": usable[10:14]}
    for folder, clips in groups.items():
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        for n in clips:
            shutil.copy(os.path.join(shared, "wakewords/alexa", n), os.path.join(out, folder, n))
    os.makedirs(os.path.join(out, "damaged"), exist_ok=True)
    shutil.copy(os.path.join(shared, "wakewords/alexa/126.flac"), os.path.join(out, "damaged/126.flac"))

    speech = sorted(f for f in os.listdir(os.path.join(shared, "speech")) if f.endswith(".flac"))
    speakers = sorted({int(f.split("-")[0]) for f in speech})
    first_half = set(speakers[: len(speakers) // 2])
    train_speech = [f for f in speech if int(f.split("-")[0]) in first_half]
    test_speech = [f for f in speech if int(f.split("-")[0]) not in first_half]
    total = 0.0
    for f in train_speech[::2]:  # every other utterance of the first half: about 13 minutes
        x = read(os.path.join(shared, "speech", f))
        write(os.path.join(out, "negatives/speech", f.replace(".flac", ".ogg")), x)
        total += len(x) / RATE
    print(f"negatives/speech: {total:.0f} s")
    if debian:
        for folder, source, count in (("dialogue", "fotaq", 240), ("prompts", "asterisk-en", 80)):
            lines = sorted(f for f in os.listdir(os.path.join(debian, source)) if f.endswith(".flac"))
            random.Random(1).shuffle(lines)
            total = 0.0
            for f in sorted(lines[:count]):
                x = read(os.path.join(debian, source, f))
                write(os.path.join(out, "negatives", folder, f.replace(".flac", ".ogg")), x)
                total += len(x) / RATE
            print(f"negatives/{folder}: {total:.0f} s")
    for f in sorted(os.listdir(os.path.join(shared, "noise"))):
        x = read(os.path.join(shared, "noise", f))
        write(os.path.join(out, "negatives/noise", f), x[: 20 * RATE])

    # The labelled stream: speech / wake word / speech ..., background noise at -40 dBFS.
    rng = np.random.default_rng(0)
    pieces, labels, t = [], [], 0.0
    stream_words = usable[14:18]
    stream_speech = test_speech[::10][:5]
    for i, f in enumerate(stream_speech):
        x = read(os.path.join(shared, "speech", f))[: 12 * RATE]
        pieces.append(x); t += len(x) / RATE
        if i < len(stream_words):
            gap = np.zeros(int(0.7 * RATE)); pieces.append(gap); t += len(gap) / RATE
            w = read(os.path.join(shared, "wakewords/alexa", stream_words[i]))
            start, end = speech_bounds(w)
            labels.append((t + start, t + end, stream_words[i]))
            pieces.append(w); t += len(w) / RATE
            gap = np.zeros(int(0.5 * RATE)); pieces.append(gap); t += len(gap) / RATE
    stream = np.concatenate(pieces)
    noise = np.resize(read(os.path.join(shared, "noise/running_tap.flac")), len(stream))
    noise = noise / np.sqrt(np.mean(noise ** 2)) * 10 ** (-40 / 20)
    write(os.path.join(out, "stream/stream.flac"), stream + noise[: len(stream)])
    total = 0.0
    for f in [f for f in test_speech[3::6] if f not in stream_speech]:  # about 4 minutes, other speakers
        x = read(os.path.join(shared, "speech", f))
        write(os.path.join(out, "heldout-negatives", f), x)
        total += len(x) / RATE
    print(f"heldout-negatives: {total:.0f} s")
    with open(os.path.join(out, "stream/stream.labels.tsv"), "w") as fh:
        fh.write("start\tend\tsource\n")
        for s, e, src in labels:
            fh.write(f"{s:.3f}\t{e:.3f}\twakewords/alexa/{src}\n")
    print("stream:", f"{len(stream) / RATE:.1f} s", labels, "speech:", stream_speech)
    print("alexa:", groups)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data", sys.argv[2] if len(sys.argv) > 2 else None)
