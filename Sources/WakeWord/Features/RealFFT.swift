import CFFTW
import Foundation

/// Thin wrapper over one FFTW single-precision real-to-complex plan (https://www.fftw.org/fftw3_doc/).
/// The plan is made once and reused for every frame through FFTW's new-array execute
/// (planned FFTW_UNALIGNED, so any buffers work), which makes one instance safe to use
/// from several threads at once. The only place FFTW is called.
final class RealFFT: Sendable {
    /// Input length in samples.
    let size: Int
    /// Output bins: size / 2 + 1.
    var bins: Int { size / 2 + 1 }

    private nonisolated(unsafe) let plan: fftwf_plan
    /// FFTW's planner is not thread-safe; execution is (https://www.fftw.org/fftw3_doc/Thread-safety.html).
    private static let plannerLock = NSLock()

    init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "FFT size must be even")
        self.size = size
        let input = fftwf_alloc_real(size)!
        let output = fftwf_alloc_complex(size / 2 + 1)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        plan = RealFFT.plannerLock.withLock {
            fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED))
        }
    }

    deinit {
        RealFFT.plannerLock.withLock { fftwf_destroy_plan(plan) }
    }

    /// |X[k]|² for k in 0..<bins, where X is the DFT of `frame` (length `size`),
    /// written to `power[offset..<offset + bins]`.
    func powerSpectrum(of frame: inout [Float], into power: inout [Float], at offset: Int) {
        precondition(frame.count == size && offset + bins <= power.count)
        var spectrum = [Float](repeating: 0, count: 2 * bins)
        frame.withUnsafeMutableBufferPointer { input in
            spectrum.withUnsafeMutableBufferPointer { output in
                output.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: bins) {
                    fftwf_execute_dft_r2c(plan, input.baseAddress, $0)
                }
            }
        }
        for k in 0..<bins {
            let (re, im) = (spectrum[2 * k], spectrum[2 * k + 1])
            power[offset + k] = re * re + im * im
        }
    }
}
