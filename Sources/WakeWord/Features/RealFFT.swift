import CFFTW
import Foundation

/// Thin wrapper over one FFTW single-precision real-to-complex plan (https://www.fftw.org/fftw3_doc/).
/// The plan is made once and reused for every frame; the only place FFTW is called.
/// One instance is used by one thread at a time (it owns its buffers).
final class RealFFT {
    /// Input length in samples.
    let size: Int
    /// Output bins: size / 2 + 1.
    var bins: Int { size / 2 + 1 }

    private let plan: fftwf_plan
    private let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>
    /// FFTW's planner is not thread-safe; execution is (https://www.fftw.org/fftw3_doc/Thread-safety.html).
    private static let plannerLock = NSLock()

    init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "FFT size must be even")
        self.size = size
        let (input, output) = (fftwf_alloc_real(size)!, fftwf_alloc_complex(size / 2 + 1)!)
        (self.input, self.output) = (input, output)
        plan = RealFFT.plannerLock.withLock {
            fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE))
        }
    }

    deinit {
        RealFFT.plannerLock.withLock { fftwf_destroy_plan(plan) }
        fftwf_free(input)
        fftwf_free(output)
    }

    /// |X[k]|² for k in 0..<bins, where X is the DFT of `frame` (length `size`),
    /// written to `power[offset..<offset + bins]`.
    func powerSpectrum(of frame: [Float], into power: inout [Float], at offset: Int) {
        precondition(frame.count == size && offset + bins <= power.count)
        frame.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: size) }
        fftwf_execute(plan)
        for k in 0..<bins {
            let (re, im) = output[k]
            power[offset + k] = re * re + im * im
        }
    }
}
