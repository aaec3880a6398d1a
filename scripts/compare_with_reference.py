#!/usr/bin/env python3
"""Compares the Swift CLI's features and embeddings with scripts/reference.py, clip by clip.

    swift build -c release && python3 scripts/compare_with_reference.py [--per-word 5] [--speech 3] [CLIP ...]

Default clips: the first --per-word clips (sorted by name) of each wake word in
../shared/data/wakewords/{alexa,computer,snowboy}/ and the first --speech whole utterances of
../shared/data/speech/; CLIP arguments replace them. Alexa clips whose FLAC stream is damaged
are skipped (`flac`, which the reference decodes with, reads past the corrupt frame where
libsndfile stops, so the two would see different audio).

For each clip it prints the log-mel max abs diff and, for encoder layers 1, 2 and 4, the max abs
diff and the minimum over positions of the cosine similarity. Flags (and exits 1) when a mel
diff exceeds 2e-3 or a cosine falls below 0.9999.
"""
import argparse, os, subprocess, sys, tempfile
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference

DATA = os.path.join(os.path.dirname(reference.ROOT), "shared", "data")
BINARY = os.path.join(reference.ROOT, ".build", "release", "wakeword")
DAMAGED_ALEXA = {"126", "127", "128", "129", "142", "144", "229", "272", "273", "274", "275", "32", "33", "34"}
LAYERS = [1, 2, 4]
MEL_TOLERANCE, MIN_COSINE = 2e-3, 0.9999


def default_clips(per_word, speech):
    clips = []
    for word in ["alexa", "computer", "snowboy"]:
        folder = os.path.join(DATA, "wakewords", word)
        names = [n for n in sorted(os.listdir(folder))
                 if n.endswith(".flac") and not (word == "alexa" and n[:-5] in DAMAGED_ALEXA)]
        clips += [os.path.join(folder, n) for n in names[:per_word]]
    folder = os.path.join(DATA, "speech")
    return clips + [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".flac")][:speech]


def swift(args, tmp):
    out = os.path.join(tmp, "out.npy")
    subprocess.run([BINARY, *args, "--output", out], check=True)
    return np.load(out).astype(np.float64)


def differences(ours, ref):
    """Max abs diff and min cosine over rows; (inf, -inf) when the shapes differ."""
    if ours.shape != ref.shape:
        print(f"  shape {ours.shape} != reference {ref.shape}")
        return np.inf, -np.inf
    cosine = (ours * ref).sum(-1) / (np.linalg.norm(ours, axis=-1) * np.linalg.norm(ref, axis=-1))
    return np.abs(ours - ref).max(), cosine.min()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--per-word", type=int, default=5)
    parser.add_argument("--speech", type=int, default=3)
    args = parser.parse_args()
    if not os.access(BINARY, os.X_OK):
        sys.exit(f"{BINARY} not found: build it first with `swift build -c release`")
    clips = args.clips or default_clips(args.per_word, args.speech)
    weights = reference.read_ctranslate2(os.path.join(reference.MODEL_DIR, "model.bin"))

    print(f"{'clip':<42} {'mel diff':>9}" + "".join(f" {f'L{n} diff':>9} {f'L{n} min cos':>12}" for n in LAYERS))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            mel = reference.log_mel(reference.read_audio(clip))
            mel_diff, _ = differences(swift(["features", clip], tmp), mel)
            row, bad = [f"{mel_diff:9.2e}"], mel_diff > MEL_TOLERANCE
            for layer in LAYERS:
                diff, cosine = differences(swift(["embed", clip, "--layer", str(layer)], tmp),
                                           reference.encoder(mel, weights, layer))
                row.append(f"{diff:9.2e} {cosine:12.9f}")
                bad |= cosine < MIN_COSINE
            name = os.path.relpath(clip, DATA) if clip.startswith(DATA) else clip
            print(f"{name[:42]:<42} " + " ".join(row) + ("  FAIL" if bad else ""), flush=True)
            failed += bad
    print(f"{len(clips) - failed} passed, {failed} failed "
          f"(mel max abs diff <= {MEL_TOLERANCE:g}, min cosine >= {MIN_COSINE:g})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
