"""End-to-end tests of `wakeword serve` through the real Wyoming client (the `wyoming` package).

    test_serve.py WAKEWORD_BINARY MODEL      (the encoder: $WAKEWORD_ENCODER, else the binary's default)

Starts the server on a free loopback port (and on a unix socket), streams the project's
labelled stream through it and compares the detections with `wakeword detect` on the same
file. Prints one line per test and closes with 'N passed, N failed'; exits 1 on any failure.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient, AsyncUnixClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.wake import Detect, Detection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STREAM = os.path.join(ROOT, "audio-samples", "stream", "stream.flac")
LABELS = os.path.join(ROOT, "audio-samples", "stream", "stream.labels.tsv")
HOP = 0.1  # seconds: one detector hop
TIMEOUT = 120


def pcm(path, rate, channels):
    """The file as 16-bit little-endian PCM at `rate` with `channels` (sox does the conversion)."""
    return subprocess.run(["sox", path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L",
                           "-r", str(rate), "-c", str(channels), "-"], check=True, capture_output=True).stdout


class Server:
    """`wakeword serve` in a child process; `address` is what it reports it listens on."""

    def __init__(self, binary, models, uri):
        self.process = subprocess.Popen([binary, "serve", "--uri", uri, *sum((["--model", m] for m in models), [])],
                                        stderr=subprocess.PIPE, text=True)
        self.lines = []
        while True:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError("server exited before listening: " + "".join(self.lines))
            self.lines.append(line)
            found = re.search(r"listening on (\S+)", line)
            if found:
                self.address = found.group(1)
                break
        # Keep reading the log, so a long run never fills the pipe and blocks the server.
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True)
        self.reader.start()

    def client(self):
        if self.address.startswith("unix://"):
            return AsyncUnixClient(self.address[len("unix://"):])
        host, port = self.address[len("tcp://"):].rsplit(":", 1)
        return AsyncTcpClient(host, int(port))

    def stop(self, number=signal.SIGTERM):
        """Sends the signal; returns the exit status and the log."""
        self.process.send_signal(number)
        status = self.process.wait(timeout=30)
        self.reader.join(timeout=10)
        return status, "".join(self.lines)


async def stream(server, audio, rate, channels, names=None, chunk_seconds=0.064):
    """Streams PCM through one connection; returns [(name, seconds)] and the closing event's type."""
    frame = 2 * channels
    step = int(rate * chunk_seconds) * frame
    async with server.client() as client:
        await client.write_event(Detect(names=names).event())
        await client.write_event(AudioStart(rate=rate, width=2, channels=channels, timestamp=0).event())
        for start in range(0, len(audio), step):
            await client.write_event(AudioChunk(rate=rate, width=2, channels=channels, audio=audio[start:start + step]).event())
        await client.write_event(AudioStop().event())
        # After audio-stop come the last detections, or not-detected if there were none; the
        # answer to a ping sent after it marks the end.
        await client.write_event(Event(type="ping", data={"text": "end"}))
        events = []
        while True:
            event = await asyncio.wait_for(client.read_event(), TIMEOUT)
            assert event is not None, "connection closed before pong"
            if event.type == "pong":
                break
            events.append(event)
    detections = []
    for event in events:
        if Detection.is_type(event.type):
            detection = Detection.from_event(event)
            detections.append((detection.name, detection.timestamp / 1000))
    closing = events[-1].type if events else None
    return detections, closing


def detect_times(binary, model, path):
    run = subprocess.run([binary, "detect", "--model", model, path, "--json", "--quiet"], check=True, capture_output=True, text=True)
    return [(d["model"], d["time"]) for d in map(json.loads, run.stdout.splitlines())]


def labels():
    rows = open(LABELS).read().splitlines()[1:]
    return [(float(r.split("\t")[0]), float(r.split("\t")[1])) for r in rows]


def same(found, expected):
    """Each expected detection matched by one found within a hop, and nothing more."""
    assert len(found) == len(expected), f"served {found}, detect gave {expected}"
    for (name, t), (ename, et) in zip(sorted(found, key=lambda d: d[1]), sorted(expected, key=lambda d: d[1])):
        assert name == ename and abs(t - et) <= HOP + 1e-6, f"served {found}, detect gave {expected}"


async def raw_exchange(server, data):
    """Sends raw bytes on a fresh TCP connection; returns True if the server closed it."""
    host, port = server.address[len("tcp://"):].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(), 10)
        closed = True
    except asyncio.TimeoutError:
        closed = False
    writer.close()
    return closed


async def describe(server):
    async with server.client() as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), TIMEOUT)
    assert Info.is_type(event.type), event
    return Info.from_event(event)


def main():
    binary, model = sys.argv[1], sys.argv[2]
    results = []
    scratch = tempfile.mkdtemp(prefix="wakeword-serve-test-")
    expected = detect_times(binary, model, STREAM)
    audio16 = pcm(STREAM, 16000, 1)
    audio44 = pcm(STREAM, 44100, 2)
    server = Server(binary, [model], "tcp://127.0.0.1:0")
    name = os.path.splitext(os.path.basename(model))[0]

    def test(title):
        def wrap(body):
            started = time.monotonic()
            try:
                body()
                results.append(True)
                print(f"PASS {title} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception:
                results.append(False)
                print(f"FAIL {title}\n{traceback.format_exc()}", flush=True)
        return wrap

    @test("wakeword detect finds the labelled words (the reference for the rest)")
    def _():
        words = labels()
        assert len(expected) == len(words), expected
        for (_, t), (start, end) in zip(expected, words):
            assert start <= t <= end + 0.5, (t, start, end)

    @test("describe returns one wake program listing the model")
    def _():
        info = asyncio.run(describe(server))
        assert len(info.wake) == 1, info
        program = info.wake[0]
        assert program.name == "wakeword" and program.installed and program.attribution.url.startswith("https://")
        assert [m.name for m in program.models] == [name], program.models
        assert program.models[0].languages == ["en"] and program.models[0].phrase == name and program.models[0].installed

    @test("16-bit 16 kHz mono chunks give detect's detections at the same times")
    def _():
        found, closing = asyncio.run(stream(server, audio16, 16000, 1))
        same(found, expected)
        assert closing == "detection", closing

    @test("a detection arrives while the stream is still open, before audio-stop")
    def _():
        async def open_stream():
            async with server.client() as client:
                await client.write_event(AudioStart(rate=16000, width=2, channels=1, timestamp=0).event())
                ten = audio16[:10 * 32000]
                for start in range(0, len(ten), 2048):
                    await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=ten[start:start + 2048]).event())
                event = await asyncio.wait_for(client.read_event(), 30)
                return Detection.from_event(event) if Detection.is_type(event.type) else event
        detection = asyncio.run(open_stream())
        assert isinstance(detection, Detection), detection
        same([(detection.name, detection.timestamp / 1000)], [d for d in expected if d[1] < 10])

    @test("44.1 kHz stereo gives the same detections")
    def _():
        found, _ = asyncio.run(stream(server, audio44, 44100, 2))
        same(found, expected)

    @test("silence gives not-detected at audio-stop")
    def _():
        found, closing = asyncio.run(stream(server, bytes(2 * 16000 * 3), 16000, 1))
        assert found == [] and closing == "not-detected", (found, closing)

    @test("two clients at once each get their own detections")
    def _():
        async def both():
            # One gets the whole stream, the other only its first 30 s (two words).
            return await asyncio.gather(stream(server, audio16, 16000, 1),
                                        stream(server, audio44[:30 * 44100 * 4], 44100, 2, chunk_seconds=0.1))
        (whole, _), (half, _) = asyncio.run(both())
        same(whole, expected)
        same(half, [d for d in expected if d[1] < 30])

    def survives(title, data):
        @test(f"{title}: that connection is closed and logged, a new client is served")
        def _():
            assert asyncio.run(raw_exchange(server, data)), "the server kept the connection open"
            found, closing = asyncio.run(stream(server, audio16[:8 * 32000], 16000, 1))
            same(found, [d for d in expected if d[1] < 8])

    survives("malformed header", b'{"type": "audio-chunk", "data": {\n')
    survives("oversized payload length", b'{"type": "audio-chunk", "payload_length": 999999999999}\n')
    survives("header without a newline, past the limit", b"x" * (70 << 10))
    survives("unknown event type", b'{"type": "make-coffee"}\n')
    survives("bad audio format", b'{"type": "audio-start", "data": {"rate": 16000, "width": 7, "channels": 1}}\n')
    survives("JSON nested 60000 deep", b'{"type": "x", "data": {"a": ' + b"[" * 60000 + b"\n")
    survives("data block nested a million deep", b'{"type": "x", "data_length": 1048576}\n' + b"[" * 1048576)
    survives("number too large for a double", b'{"type": "ping", "data": {"text": 1e999}, "payload_length": 1e999}\n')

    @test("disconnect mid-payload is logged and survived")
    def _():
        async def cut():
            host, port = server.address[len("tcp://"):].rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 64000}\n' + bytes(1000))
            await writer.drain()
            writer.close()
        asyncio.run(cut())
        found, _ = asyncio.run(stream(server, audio16[:8 * 32000], 16000, 1))
        same(found, [d for d in expected if d[1] < 8])

    @test("unix socket, models from a folder: describe and a stream work; Ctrl-C (SIGINT) stops it")
    def _():
        path = os.path.join(scratch, "serve.sock")
        unix = Server(binary, [os.path.dirname(model)], "unix://" + path)
        try:
            info = asyncio.run(describe(unix))
            assert [m.name for m in info.wake[0].models] == [name]
            found, _ = asyncio.run(stream(unix, audio16[:25 * 32000], 16000, 1))
            same(found, [d for d in expected if d[1] < 25])
        finally:
            status, log = unix.stop(signal.SIGINT)
        assert status == 0, log
        assert not os.path.exists(path), "the socket file was left behind"

    @test("a busy port, a bad --uri and two models of one name fail at start with a one-line error")
    def _():
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        copy = os.path.join(scratch, "copy.wakeword")
        shutil.copy(model, copy)
        for arguments, message in [(["--uri", f"tcp://127.0.0.1:{busy.getsockname()[1]}", "--model", model], "Address already in use; stop what"),
                                   (["--uri", "http://127.0.0.1:1", "--model", model], "unknown scheme; use tcp://HOST:PORT"),
                                   (["--uri", "tcp://127.0.0.1:0", "--model", model, "--model", copy], f"two models are named {name}")]:
            run = subprocess.run([binary, "serve", *arguments], capture_output=True, text=True, timeout=60)
            lines = run.stderr.splitlines()
            assert run.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], run.stderr
        busy.close()

    @test("SIGTERM stops the server cleanly, and the log has one line per dropped connection")
    def _():
        status, log = server.stop()
        assert status == 0, log
        lines = log.splitlines()
        assert "stopped" in lines[-1] and "Fatal" not in log, log
        # One line per dropped connection: the eight bad inputs above and the cut one.
        dropped = [line for line in lines if re.search(r"client \d+ .*: (closed: bad Wyoming event|disconnected in the middle)", line)]
        assert len(dropped) == 9, "\n".join(dropped)
        for reason in ["is not a JSON object", "payload_length 999999999999 is over the limit", "longer than", "unknown event type",
                       "width 7 bytes", "in the middle of an event"]:
            assert any(reason in line for line in dropped), f"{reason!r} not logged:\n{log}"

    if server.process.poll() is None:  # the SIGTERM test failed to stop it
        server.process.kill()
    passed = sum(results)
    print(f"serve: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
