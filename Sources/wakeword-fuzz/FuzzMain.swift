import Foundation
import FuzzHarness

#if FUZZING
    /// libFuzzer's driver (libclang_rt.fuzzer_no_main, linked by scripts/fuzz).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The program's main (SwiftPM links an executable's main under this name): hands over to
    /// libFuzzer with the target from $WAKEWORD_FUZZ_TARGET (scripts/fuzz).
    @_cdecl("wakeword_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        _ = FuzzMain.target
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in
            FuzzMain.target.run(bytes.map { Data(bytes: $0, count: size) } ?? Data())
            return 0
        }
    }

    enum FuzzMain {
        static let target: FuzzTarget = {
            guard let name = ProcessInfo.processInfo.environment["WAKEWORD_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
                fatalError("set WAKEWORD_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
            }
            return target
        }()
    }
#else
    /// Without the fuzzer: `wakeword-fuzz TARGET FILE...` runs the target over the files.
    @main
    enum FuzzMain {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: wakeword-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...")
                return
            }
            for path in arguments.dropFirst() { target.run(try Data(contentsOf: URL(fileURLWithPath: path))) }
        }
    }
#endif
