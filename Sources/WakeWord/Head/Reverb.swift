import Foundation

/// A synthetic room: Schroeder's reverberator (Schroeder 1962, "Natural sounding artificial
/// reverberation"): four parallel feedback combs then two series all-pass filters, with comb
/// gains set for the requested RT60 (g = 10^(−3·delay / RT60)), mixed with the dry signal.
struct Reverb {
    /// Seconds for the reverberant tail to decay by 60 dB.
    let rt60: Double
    /// Wet level relative to dry.
    let wet: Float

    private static let combDelays = [1557, 1617, 1491, 1422]  // samples at 16 kHz, mutually prime
    private static let allPassDelays = [225, 556]
    private static let allPassGain: Float = 0.7

    func apply(_ x: [Float]) -> [Float] {
        let rate = Double(AudioFormat.sampleRate)
        var tail = [Float](repeating: 0, count: x.count)
        for delay in Reverb.combDelays {
            let gain = Float(pow(10, -3 * Double(delay) / rate / rt60))
            var y = [Float](repeating: 0, count: x.count)
            for n in 0..<x.count { y[n] = x[n] + (n >= delay ? gain * y[n - delay] : 0) }
            for n in 0..<x.count { tail[n] += y[n] / Float(Reverb.combDelays.count) }
        }
        for delay in Reverb.allPassDelays {
            var y = [Float](repeating: 0, count: tail.count)
            let g = Reverb.allPassGain
            for n in 0..<tail.count {
                let delayedIn = n >= delay ? tail[n - delay] : 0
                let delayedOut = n >= delay ? y[n - delay] : 0
                y[n] = -g * tail[n] + delayedIn + g * delayedOut
            }
            tail = y
        }
        // Keep the loudness of the dry signal: scale the tail to `wet` of the dry power.
        let dry = x.reduce(0) { $0 + Double($1 * $1) }
        let wetPower = tail.reduce(0) { $0 + Double($1 * $1) }
        let scale = wetPower > 0 ? Float((dry / wetPower).squareRoot()) * wet : 0
        return zip(x, tail).map { $0 + scale * $1 }
    }
}
