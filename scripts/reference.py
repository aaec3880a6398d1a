#!/usr/bin/env python3
"""Independent numpy reference for the Whisper tiny.en front end and encoder.

Written from OpenAI's whisper/audio.py and whisper/model.py and the CTranslate2 model format,
without reading the Swift sources, so the Swift tests have something independent to compare with.
All maths is numpy float64; files are written as float32 .npy.

    python3 scripts/reference.py goldens                       # regenerate Tests/WakeWordTests/Golden/
    python3 scripts/reference.py features IN.flac OUT.npy      # log-mel [80, frames]
    python3 scripts/reference.py embed IN.flac OUT.npy --layer N   # [positions, 384], N in 1..4
    python3 scripts/reference.py validate WHISPER_DIR          # the checks below; needs
                                       # `pip install librosa ctranslate2 faster-whisper`

Audio is decoded with the `flac` command-line tool (Debian package flac) to 16-bit PCM,
scaled by 1/32768; clips must be 16 kHz mono 16-bit FLAC. A damaged FLAC makes `flac` fail.
Weights: .encoder/whisper-tiny.en/model.bin (CTranslate2 conversion of tiny.en, fp16).

Validated against (`validate`, run with librosa 0.11.0, ctranslate2 4.8.5, faster-whisper 1.2.1):
  - mel_filters() vs librosa.filters.mel(sr=16000, n_fft=400, n_mels=80, dtype=float64):
    max abs diff 1.2e-16.
  - log_mel() of heldout/18.flac vs librosa.stft(window="hann", center=True, pad_mode="reflect")
    through librosa's filters: 1.3e-14; vs faster-whisper's numpy FeatureExtractor (float32,
    padding=0): 1.3e-6.
  - encoder(layer=4) vs CTranslate2's own Whisper.encode (compute_type="float32") on the same
    float32 log-mel: heldout/18.flac padded to 30 s, [1500, 384]: max abs diff 3.8e-5 (values up
    to 13), min cosine over positions 0.99999987; the three golden clips unpadded (CTranslate2
    also slices the position encodings to the input): max abs diff 1.5e-4..2.1e-4, min cosine
    0.9999999. Layers 1 and 2 are not exposed by CTranslate2, so they are checked only through
    the final output.
  - faster-whisper (same model.bin plus tokenizer) transcribes heldout/18.flac as " Alexa.".
CTranslate2 will not load a directory without its vocabulary, so `validate` takes a full Whisper
tiny.en CTranslate2 directory; the one used had a model.bin byte-identical to .encoder's.
"""
import argparse, math, os, struct, subprocess, sys
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, ".encoder", "whisper-tiny.en")
GOLDEN = os.path.join(ROOT, "Tests", "WakeWordTests", "Golden")
GOLDEN_CLIPS = ["audio-samples/alexa/heldout/18.flac", "audio-samples/alexa/heldout/258.flac",
                "audio-samples/alexa/train/7.flac"]
GOLDEN_LAYERS = [1, 2, 4]

RATE, N_FFT, HOP, N_MELS = 16000, 400, 160, 80


def read_audio(path):
    """16 kHz mono 16-bit FLAC -> float64 samples in [-1, 1), decoded by the `flac` tool."""
    info = subprocess.run(["metaflac", "--show-sample-rate", "--show-channels", "--show-bps", path],
                          check=True, capture_output=True, text=True).stdout.split()
    if info != ["16000", "1", "16"]:
        sys.exit(f"{path}: need 16 kHz mono 16-bit FLAC, got rate/channels/bits {info}")
    raw = subprocess.run(["flac", "-d", "-s", "-c", "--force-raw-format", "--endian=little",
                          "--sign=signed", path], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


# ---------------------------------------------------------------- front end

def hz_to_mel(f):
    """Slaney mel scale (librosa.hz_to_mel, htk=False): linear below 1 kHz, log above."""
    f = np.asarray(f, dtype=np.float64)
    linear = f / (200 / 3)
    logstep = math.log(6.4) / 27
    return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-10) / 1000) / logstep, linear)


def mel_to_hz(m):
    """Inverse of hz_to_mel (librosa.mel_to_hz, htk=False)."""
    m = np.asarray(m, dtype=np.float64)
    logstep = math.log(6.4) / 27
    return np.where(m >= 15, 1000 * np.exp(logstep * (m - 15)), m * (200 / 3))


def mel_filters():
    """[80, 201] triangular filters over 0..8000 Hz, as librosa.filters.mel(sr=16000, n_fft=400,
    n_mels=80) with its defaults (Slaney scale, norm='slaney'): Whisper's mel_filters.npz."""
    fft_hz = np.linspace(0, RATE / 2, N_FFT // 2 + 1)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(RATE / 2), N_MELS + 2))
    width = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / width[:-1, None]
    falling = ramps[2:] / width[1:, None]
    weights = np.maximum(0, np.minimum(rising, falling))
    return weights * (2 / (edges_hz[2:] - edges_hz[:-2]))[:, None]  # Slaney area normalisation


def log_mel(samples):
    """Whisper's log_mel_spectrogram (whisper/audio.py): centred STFT with a periodic Hann window
    of 400 and hop 160 (torch.stft, reflect padding), power spectrum, last frame dropped, mel,
    log10 clamped at 1e-10, floored at max - 8, then (x + 4) / 4. Returns [80, len // 160]."""
    x = np.pad(np.asarray(samples, dtype=np.float64), N_FFT // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = x[HOP * np.arange(n_frames)[:, None] + np.arange(N_FFT)[None, :]] * window
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # [frames, 201]
    mel = mel_filters() @ power[:-1].T                 # [80, frames - 1]
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8)
    return (log_spec + 4) / 4


# ---------------------------------------------------------------- weights

DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}  # 5 (bf16) unused here


def read_ctranslate2(path):
    """CTranslate2 model.bin (format version 6) -> {name: float64 array}, aliases resolved.
    Layout, little-endian: u32 version, string spec name, u32 spec revision, u32 count, then per
    variable: string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count, raw data; then u32
    alias count and (alias, target) string pairs. A string is a u16 length (with NUL) + bytes."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return value

    def string():
        nonlocal pos
        n = take("H")
        pos += n
        return data[pos - n:pos - 1].decode()

    version, spec, revision = take("I"), string(), take("I")
    assert (version, spec) == (6, "WhisperSpec"), (version, spec, revision)
    weights = {}
    for _ in range(take("I")):
        name, rank = string(), take("B")
        shape = [take("I") for _ in range(rank)]
        dtype, nbytes = DTYPES[take("B")], take("I")
        weights[name] = np.frombuffer(data, dtype, nbytes // np.dtype(dtype).itemsize, pos) \
            .reshape(shape).astype(np.float64)
        pos += nbytes
    for _ in range(take("I")):
        alias, target = string(), string()
        weights[alias] = weights[target]
    assert pos == len(data), "trailing bytes"
    return weights


# ---------------------------------------------------------------- encoder

def gelu(x):
    """Exact GELU, x * Phi(x) (torch.nn.GELU(), as used by Whisper)."""
    return 0.5 * x * (1 + np.frompyfunc(math.erf, 1, 1)(x / math.sqrt(2)).astype(np.float64))


def conv1d(x, weight, bias, stride):
    """torch.nn.Conv1d with padding 1: x [in, T], weight [out, in, 3] -> [out, T']."""
    padded = np.pad(x, ((0, 0), (1, 1)))
    k = weight.shape[2]
    n_out = (padded.shape[1] - k) // stride + 1
    windows = padded[:, stride * np.arange(n_out)[:, None] + np.arange(k)[None, :]]  # [in, T', k]
    return np.einsum("oik,itk->ot", weight, windows) + bias[:, None]


def layer_norm(x, w, prefix):
    """LayerNorm over the last axis, eps 1e-5."""
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * w[prefix + "/gamma"] + w[prefix + "/beta"]


def linear(x, w, prefix):
    """y = x W^T + b, with W stored [out, in]."""
    return x @ w[prefix + "/weight"].T + w[prefix + "/bias"]


def attention(x, w, prefix, heads):
    """Whisper MultiHeadAttention (self): fused Q,K,V projection, softmax(QK^T / sqrt(d)) V per head,
    output projection."""
    q, k, v = np.split(linear(x, w, prefix + "/linear_0"), 3, axis=-1)
    t, d = x.shape[0], x.shape[1] // heads
    q, k, v = (a.reshape(t, heads, d).transpose(1, 0, 2) for a in (q, k, v))  # [heads, T, d]
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    out = (scores / scores.sum(-1, keepdims=True)) @ v
    return linear(out.transpose(1, 0, 2).reshape(t, heads * d), w, prefix + "/linear_1")


def encoder(mel, w, layer=4):
    """Whisper AudioEncoder (whisper/model.py) on mel [80, F] -> [floor((F-1)/2)+1, 384].
    layer N < 4: the residual stream after block N; layer 4: the output after the final LayerNorm.
    Position encodings are sliced to the input length (like whisper.cpp's audio_ctx)."""
    heads = int(w["encoder/num_heads"])
    x = gelu(conv1d(mel, w["encoder/conv1/weight"], w["encoder/conv1/bias"], 1))
    x = gelu(conv1d(x, w["encoder/conv2/weight"], w["encoder/conv2/bias"], 2)).T  # [T, 384]
    x = x + w["encoder/position_encodings/encodings"][:len(x)]
    for i in range(layer):
        p = f"encoder/layer_{i}"
        x = x + attention(layer_norm(x, w, p + "/self_attention/layer_norm"), w, p + "/self_attention", heads)
        h = gelu(linear(layer_norm(x, w, p + "/ffn/layer_norm"), w, p + "/ffn/linear_0"))
        x = x + linear(h, w, p + "/ffn/linear_1")
    return layer_norm(x, w, "encoder/layer_norm") if layer == 4 else x


# ---------------------------------------------------------------- command line

def save(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def goldens():
    """The files Tests/WakeWordTests/Golden/ holds (see its README.md)."""
    os.makedirs(GOLDEN, exist_ok=True)
    w = read_ctranslate2(os.path.join(MODEL_DIR, "model.bin"))
    save(os.path.join(GOLDEN, "mel_filters.npy"), mel_filters())
    for clip in GOLDEN_CLIPS:
        stem = os.path.splitext(os.path.basename(clip))[0]
        mel = log_mel(read_audio(os.path.join(ROOT, clip)))
        save(os.path.join(GOLDEN, f"{stem}.mel.npy"), mel)
        for layer in GOLDEN_LAYERS:
            save(os.path.join(GOLDEN, f"{stem}.layer{layer}.npy"), encoder(mel, w, layer))
        print(f"{clip}: mel {mel.shape}")


def validate(whisper_dir):
    """Compares with outside implementations: librosa's filterbank and STFT, faster-whisper's
    numpy log-mel, and, on whisper_dir (a full CTranslate2 Whisper tiny.en directory: model.bin,
    vocabulary, tokenizer.json), CTranslate2's encoder on a 30 s input and a transcription."""
    import ctranslate2, librosa
    from faster_whisper import WhisperModel
    from faster_whisper.feature_extractor import FeatureExtractor
    filters = librosa.filters.mel(sr=RATE, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float64)
    print(f"filterbank vs librosa: max abs diff {np.abs(mel_filters() - filters).max():.2e}")

    clip = os.path.join(ROOT, GOLDEN_CLIPS[0])
    audio = read_audio(clip)
    power = np.abs(librosa.stft(audio, n_fft=N_FFT, hop_length=HOP, window="hann", center=True,
                                pad_mode="reflect")) ** 2
    log_spec = np.log10(np.maximum(filters @ power[:, :-1], 1e-10))
    theirs = (np.maximum(log_spec, log_spec.max() - 8) + 4) / 4
    print(f"log-mel vs librosa STFT + filters (float64): max abs diff {np.abs(log_mel(audio) - theirs).max():.2e}")
    theirs = FeatureExtractor(feature_size=N_MELS)(audio, padding=0)
    print(f"log-mel vs faster-whisper FeatureExtractor (float32): max abs diff {np.abs(log_mel(audio) - theirs).max():.2e}")

    model = ctranslate2.models.Whisper(whisper_dir, device="cpu", compute_type="float32")
    w = read_ctranslate2(os.path.join(whisper_dir, "model.bin"))
    padded = np.pad(audio, (0, 30 * RATE - len(audio)))  # whisper.pad_or_trim, then log-mel
    inputs = [(GOLDEN_CLIPS[0] + " padded to 30 s", log_mel(padded))]
    inputs += [(clip, log_mel(read_audio(os.path.join(ROOT, clip)))) for clip in GOLDEN_CLIPS]
    for name, mel in inputs:
        mel = mel.astype(np.float32)  # the input both see
        theirs = np.array(model.encode(ctranslate2.StorageView.from_array(mel[None]), to_cpu=True))[0]
        ours = encoder(mel.astype(np.float64), w)
        cosine = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
        print(f"encoder vs CTranslate2 {ctranslate2.__version__} (float32), {name} {ours.shape}: max abs "
              f"diff {np.abs(ours - theirs).max():.2e} (max |value| {np.abs(theirs).max():.1f}), "
              f"min cosine {cosine.min():.8f}")
    model = WhisperModel(whisper_dir, device="cpu", compute_type="float32")
    segments, _ = model.transcribe(audio.astype(np.float32), beam_size=1, language="en")
    print(f"faster-whisper transcript of {GOLDEN_CLIPS[0]}: {' '.join(s.text for s in segments)!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("goldens")
    features = sub.add_parser("features")
    embed = sub.add_parser("embed")
    for p in (features, embed):
        p.add_argument("input")
        p.add_argument("output")
    embed.add_argument("--layer", type=int, default=4, choices=[1, 2, 3, 4])
    check = sub.add_parser("validate")
    check.add_argument("whisper_dir", help="full CTranslate2 Whisper tiny.en directory")
    args = parser.parse_args()
    if args.command == "goldens":
        goldens()
    elif args.command == "validate":
        validate(args.whisper_dir)
    else:
        mel = log_mel(read_audio(args.input))
        if args.command == "features":
            save(args.output, mel)
        else:
            save(args.output, encoder(mel, read_ctranslate2(os.path.join(MODEL_DIR, "model.bin")), args.layer))


if __name__ == "__main__":
    main()
