#!/usr/bin/env python3
"""`wakeword serve` under load, on this machine's loopback only. Needs the wyoming client
(scripts/test-serve makes .venv-test with it): run with .venv-test/bin/python.

    .venv-test/bin/python Benchmarks/serve_load.py --model M.wakeword [--repeats 3] [--hour-copies 52] [--write]

Prints a Markdown section; --write also puts it into Benchmarks/RESULTS.md (replacing the
previous one; Benchmarks/run.py keeps it when it rewrites the file).

1. CPU per audio second: audio-samples/stream/stream.flac repeated 5 times (5.8 min) is
   streamed as 16-bit 16 kHz chunks of 64 ms through one connection to a server pinned to
   core 0 (`taskset -c 0`), and the same file is run through `taskset -c 0 wakeword detect`.
   Server: the CPU time (user + system, /proc/PID/stat) spent between the connection's first
   event and its last answer, so loading the encoder is excluded; the client runs on core 1.
   detect: the process's CPU time from its rusage, less a run on 2 s of the same file (what
   loading the encoder and starting cost), so both figures are per second of audio processed.
   Median of --repeats runs each, interleaved.
2. Memory over an hour: the stream repeated --hour-copies times (52: 60.2 min, 208 labelled
   words) is streamed through one connection, as fast as the server takes it; the server's
   resident memory (VmRSS) is read every 5 minutes of audio, and its peak (VmHWM) at the end;
   `wakeword detect` runs on the same hour as one file, for the detections to compare.
3. Memory over reconnects: --connections short connections, each streaming 5 s of the stream,
   as a satellite that reconnects makes; VmRSS after the first 10 and after the last.
"""
import argparse, asyncio, os, re, statistics, subprocess, sys, tempfile, threading, time
from pathlib import Path

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".build/release/wakeword"
STREAM = ROOT / "audio-samples/stream/stream.flac"
RATE, CHUNK = 16_000, 1024  # 64 ms chunks, as satellites send


def pcm(path):
    return subprocess.run(["sox", str(path), "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-r", "16000", "-c", "1", "-"],
                          check=True, capture_output=True).stdout


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid, key):
    found = re.search(rf"^{key}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(found.group(1)) / 1024


class Server:
    def __init__(self, model):
        self.process = subprocess.Popen(["taskset", "-c", "0", str(BIN), "serve", "--uri", "tcp://127.0.0.1:0", "--model", model],
                                        stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            found = re.search(r"listening on tcp://127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                # Drain the log (one line per connection) so the pipe never fills and blocks the server.
                threading.Thread(target=lambda: self.process.stderr.read(), daemon=True).start()
                return
        sys.exit("the server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


async def stream(port, audio_bytes, copies, on_progress=None):
    """Streams `copies` repetitions of the audio; returns the detection count."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(AudioStart(rate=RATE, width=2, channels=1).event())
        step = CHUNK * 2
        sent = 0
        for copy in range(copies):
            for start in range(0, len(audio_bytes), step):
                await client.write_event(AudioChunk(rate=RATE, width=2, channels=1, audio=audio_bytes[start:start + step]).event())
                sent += min(step, len(audio_bytes) - start)
                if on_progress:
                    on_progress(sent / 2 / RATE)
        await client.write_event(AudioStop().event())
        await client.write_event(Event(type="ping"))
        detections = 0
        while True:
            event = await client.read_event()
            if event is None or event.type == "pong":
                return detections
            detections += event.type == "detection"


def detect_cpu(model, path):
    process = subprocess.Popen(["taskset", "-c", "0", str(BIN), "detect", "--model", model, str(path), "--quiet"],
                               stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hour-copies", type=int, default=52)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="put the section into Benchmarks/RESULTS.md")
    args = parser.parse_args()
    one = pcm(STREAM)
    seconds = len(one) / 2 / RATE
    scratch = Path(tempfile.mkdtemp(prefix="serve-load-"))
    long_file, short_file = scratch / "five.flac", scratch / "short.flac"
    subprocess.run(["sox", *[str(STREAM)] * 5, str(long_file)], check=True)
    subprocess.run(["sox", str(STREAM), str(short_file), "trim", "0", "2"], check=True)
    audio_seconds = 5 * seconds

    served, detected = [], []
    for _ in range(args.repeats):
        server = Server(args.model)
        before = cpu_seconds(server.process.pid)
        count = asyncio.run(stream(server.port, one, 5))
        served.append((cpu_seconds(server.process.pid) - before) / audio_seconds)
        server.stop()
        detected.append((detect_cpu(args.model, long_file) - detect_cpu(args.model, short_file)) / (audio_seconds - 2))
        print(f"run: served {served[-1]:.4f}, detect {detected[-1]:.4f} CPU s per audio s; {count} detections served", flush=True)
    cpu_line = (f"CPU seconds per audio second, one core (taskset -c 0), median of {args.repeats}: served stream "
                f"{statistics.median(served):.4f}, `wakeword detect` {statistics.median(detected):.4f} "
                f"(ratio {statistics.median(served) / statistics.median(detected):.2f}; {audio_seconds / 60:.1f} min of audio each)")
    print(cpu_line, flush=True)

    server = Server(args.model)
    pid = server.process.pid
    startup_peak = memory_mb(pid, "VmHWM")
    samples = []
    next_mark = [0.0]

    def progress(done):
        if done >= next_mark[0]:
            samples.append((done / 60, memory_mb(pid, "VmRSS")))
            next_mark[0] += 300

    started = time.monotonic()
    count = asyncio.run(stream(server.port, one, args.hour_copies, progress))
    wall = time.monotonic() - started
    samples.append((args.hour_copies * seconds / 60, memory_mb(pid, "VmRSS")))
    peak = memory_mb(pid, "VmHWM")
    server.stop()
    # The same hour as one file through `wakeword detect`: the detections the server should match.
    hour_file = scratch / "hour.flac"
    subprocess.run(["sox", *[str(STREAM)] * args.hour_copies, str(hour_file)], check=True)
    detect_count = len(subprocess.run([str(BIN), "detect", "--model", args.model, str(hour_file), "--quiet"],
                                      check=True, capture_output=True, text=True).stdout.splitlines())
    hour_line = (f"{args.hour_copies * seconds / 60:.1f} min streamed in {wall:.0f} s through one connection: {count} detections "
                 f"({4 * args.hour_copies} labelled words; `wakeword detect` on the same hour as one file: {detect_count}); "
                 f"peak RSS {peak:.0f} MB ({startup_peak:.0f} MB of it reached at start-up, loading the encoder, before any client)")
    rss_line = "RSS (MB) by minutes of audio: " + ", ".join(f"{m:.0f}: {r:.0f}" for m, r in samples)
    print(hour_line, rss_line, sep="\n", flush=True)

    server = Server(args.model)
    pid = server.process.pid
    five = one[:5 * 2 * RATE]
    after = {}
    for n in range(1, args.connections + 1):
        asyncio.run(stream(server.port, five, 1))
        if n in (10, args.connections):
            after[n] = memory_mb(pid, "VmRSS")
    server.stop()
    reconnect_line = (f"{args.connections} connections of 5 s each: RSS {after[10]:.0f} MB after 10, "
                      f"{after[args.connections]:.0f} MB after {args.connections}")
    print(reconnect_line)
    section = "\n".join([HEADING, "", f"Model: {Path(args.model).name} (the serve tests' alexa, layer 1). Loopback TCP, 64 ms chunks of "
                         "16-bit 16 kHz PCM, the server pinned to core 0 and the client on core 1.", "", "- " + cpu_line,
                         "- " + hour_line, "- " + rss_line, "- " + reconnect_line, "", "```",
                         ".venv-test/bin/python Benchmarks/serve_load.py --model " + args.model + " --write", "```", ""])
    if args.write:
        write_section(section)


HEADING = "## Serving over Wyoming (`Benchmarks/serve_load.py`)"


def write_section(section):
    """Replaces this benchmark's section of RESULTS.md, or inserts it before ## Commands."""
    path = ROOT / "Benchmarks/RESULTS.md"
    text = path.read_text()
    old = re.search(re.escape(HEADING) + r".*?(?=^## )", text, re.S | re.M)
    if old:
        text = text[:old.start()] + section + "\n" + text[old.end():]
    else:
        at = text.find("## Commands")
        text = text[:at] + section + "\n" + text[at:] if at >= 0 else text + "\n" + section
    path.write_text(text)
    print(f"wrote the section into {path}")


if __name__ == "__main__":
    main()
