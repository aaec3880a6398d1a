import Foundation

/// CPU time consumed by this process (all threads), in seconds: the measure for speed
/// figures on a shared, noisy machine, where wall-clock time also counts other work.
public enum CPUClock {
    public static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// CPU seconds `body` took.
    public static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = seconds()
        try body()
        return seconds() - start
    }
}
