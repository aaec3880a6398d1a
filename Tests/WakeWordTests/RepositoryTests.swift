import Foundation
import Testing

/// What a fresh clone gets from git, checked on the index (file modes live there, not in
/// the working tree a developer may have chmod-ed by hand).
@Suite("Repository") struct RepositoryTests {
    static let isGitCheckout = FileManager.default.fileExists(atPath: "\(TestPaths.root)/.git")

    @Test(
        "every committed file starting with #! is executable in git (100755)",
        .enabled(if: RepositoryTests.isGitCheckout, "skipped: not a git checkout, so there is no index to read file modes from"))
    func scriptsAreExecutable() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", TestPaths.root, "ls-files", "-s", "-z"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let listing = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "git ls-files failed")
        // Entries: "<mode> <object> <stage>\t<path>", NUL-separated.
        let entries = listing.split(separator: "\0").compactMap { entry -> (mode: String, path: String)? in
            let parts = entry.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let mode = parts[0].split(separator: " ").first else { return nil }
            return (String(mode), String(parts[1]))
        }
        #expect(entries.count > 50, "git listed \(entries.count) files")
        let scripts = entries.filter { entry in
            guard let handle = FileHandle(forReadingAtPath: "\(TestPaths.root)/\(entry.path)") else { return false }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 2)) == Data("#!".utf8)
        }
        #expect(scripts.contains { $0.path == "scripts/demo" } && scripts.contains { $0.path == "scripts/fetch-negatives" })
        let notExecutable = scripts.filter { $0.mode != "100755" }.map { "\($0.path) (\($0.mode))" }
        #expect(
            notExecutable.isEmpty, "not executable in git; run git update-index --chmod=+x on: \(notExecutable.joined(separator: ", "))")
    }
}
