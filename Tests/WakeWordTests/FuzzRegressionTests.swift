import Foundation
import FuzzHarness
import Testing

/// Replays the fuzzing corpus (seeds and every input that once crashed, kept by scripts/fuzz)
/// through the parsers: none may crash.
@Suite("FuzzHarness") struct FuzzRegressionTests {
    @Test("kept fuzz inputs parse or fail cleanly", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        var count = 0
        for folder in ["seeds", "regressions"] {
            let directory = "\(TestPaths.root)/Tests/Fuzz/\(folder)/\(target.rawValue)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasPrefix(".") {
                target.run(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
                count += 1
            }
        }
        #expect(count > 0)
    }
}
