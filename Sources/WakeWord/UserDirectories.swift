import Foundation

/// The per-user base folders of the XDG Base Directory specification, as the tool uses them.
public enum UserDirectories {
    /// $HOME, else the password database's home folder (Foundation's NSHomeDirectory(), which
    /// on Linux ignores $HOME).
    public static var home: String {
        ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }

    /// `variable` (e.g. XDG_DATA_HOME) when it holds an absolute path, else `home/fallback`
    /// (e.g. ".local/share"): the spec ignores relative values.
    public static func base(_ variable: String, fallback: String) -> String {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (home as NSString).appendingPathComponent(fallback)
    }
}
