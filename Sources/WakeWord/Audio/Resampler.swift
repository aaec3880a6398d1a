import CSoxr

/// Streaming sample-rate conversion with libsoxr at its default high quality
/// (https://sourceforge.net/p/soxr/code/ci/master/tree/src/soxr.h). Mono Float in and out.
/// The only place libsoxr is called.
final class Resampler {
    let inputRate: Double
    let outputRate: Double
    private let handle: soxr_t

    init(from inputRate: Double, to outputRate: Double) {
        precondition(inputRate > 0 && outputRate > 0, "rates must be positive")
        var error: soxr_error_t?
        let handle = soxr_create(inputRate, outputRate, 1, &error, nil, nil, nil)
        // soxr_create fails only for invalid rates or allocation failure: both are bugs here.
        precondition(error == nil && handle != nil, "soxr_create failed")
        self.handle = handle!
        (self.inputRate, self.outputRate) = (inputRate, outputRate)
    }

    deinit { soxr_delete(handle) }

    /// Converts the next chunk; output lags input by the filter delay until `flush`.
    func process(_ input: [Float]) -> [Float] {
        input.isEmpty ? [] : run(input, final: false)
    }

    /// Drains the filter at the end of the input.
    func flush() -> [Float] {
        run([], final: true)
    }

    /// Converts a whole signal at once.
    static func resample(_ samples: [Float], from inputRate: Double, to outputRate: Double) -> [Float] {
        let resampler = Resampler(from: inputRate, to: outputRate)
        return resampler.process(samples) + resampler.flush()
    }

    private func run(_ input: [Float], final: Bool) -> [Float] {
        var output: [Float] = []
        let ratio = outputRate / inputRate
        var chunk = [Float](repeating: 0, count: Int(Double(max(input.count, 1024)) * ratio) + 1024)
        var consumed = 0
        while true {
            var inDone = 0
            var outDone = 0
            input.withUnsafeBufferPointer { inBuffer in
                chunk.withUnsafeMutableBufferPointer { outBuffer in
                    let error: soxr_error_t?
                    if final {
                        error = soxr_process(handle, nil, 0, nil, outBuffer.baseAddress, outBuffer.count, &outDone)
                    } else {
                        error = soxr_process(
                            handle, inBuffer.baseAddress! + consumed, inBuffer.count - consumed,
                            &inDone, outBuffer.baseAddress, outBuffer.count, &outDone)
                    }
                    precondition(error == nil, "soxr_process failed")
                }
            }
            consumed += inDone
            output.append(contentsOf: chunk[0..<outDone])
            if final ? outDone == 0 : (consumed == input.count && outDone < chunk.count) { break }
        }
        return output
    }
}
