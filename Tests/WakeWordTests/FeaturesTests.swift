import Foundation
import Testing

@testable import WakeWord

@Suite("Features") struct FeaturesTests {
    @Test("Slaney mel scale: linear to 1 kHz, 27 mel per factor 6.4 above")
    func melScale() {
        #expect(MelFilterBank.mel(0) == 0)
        #expect(abs(MelFilterBank.mel(200) - 3) < 1e-12)
        #expect(abs(MelFilterBank.mel(1000) - 15) < 1e-12)
        #expect(abs(MelFilterBank.mel(6400) - 42) < 1e-12)
        #expect(abs(MelFilterBank.hertz(MelFilterBank.mel(3456.7)) - 3456.7) < 1e-9)
    }

    @Test("filterbank: triangles peak at their centre bins with Slaney area normalisation")
    func filterShape() {
        let bank = MelFilterBank()
        #expect(bank.weights.rows == 80 && bank.weights.columns == 201)
        // Band 40 by hand: edges are 41 points evenly spaced in mel between mel(0) and mel(8000).
        let step = MelFilterBank.mel(8000) / 81
        let (left, centre, right) = (MelFilterBank.hertz(40 * step), MelFilterBank.hertz(41 * step), MelFilterBank.hertz(42 * step))
        let bin = 50  // 2000 Hz at 40 Hz per bin
        let hz = 2000.0
        let expected = (hz < centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre)) * 2 / (right - left)
        #expect(abs(Double(bank.weights[40, bin]) - max(0, expected)) < 1e-9)
        #expect(bank.weights[40, 0] == 0 && bank.weights[40, 200] == 0)
    }

    @Test("filterbank matches the numpy reference")
    func filterGolden() throws {
        let golden = try NumpyFile.read(path: TestPaths.golden("mel_filters.npy"))
        #expect(golden.shape == [80, 201])
        #expect(maxAbsDifference(MelFilterBank().weights.values, golden.values) < 1e-7)
    }

    @Test("reflect padding indexes like numpy's reflect mode")
    func reflect() {
        // np.pad(np.arange(4), 5, mode="reflect") == [1 2 3 2 1 | 0 1 2 3 | 2 1 0 1 2]
        #expect((-5..<0).map { LogMel.reflect($0, count: 4) } == [1, 2, 3, 2, 1])
        #expect((4..<9).map { LogMel.reflect($0, count: 4) } == [2, 1, 0, 1, 2])
        #expect(LogMel.reflect(-3, count: 1) == 0)
    }

    @Test("frames: one per 160 samples, normalised into Whisper's range")
    func frames() {
        let logMel = LogMel()
        #expect(logMel([Float](repeating: 0, count: 159)).columns == 0)
        let mel = logMel(sine(frequency: 1000, seconds: 1, rate: 16_000))
        #expect(mel.rows == 80 && mel.columns == 100)
        // After the (max - 8) clamp and (x + 4) / 4 the values span at most 2.
        let (low, high) = (mel.values.min()!, mel.values.max()!)
        #expect(high - low <= 2 + 1e-6)
        // The 1 kHz tone is loudest in the band whose centre is nearest 1 kHz.
        let loudest = (0..<80).max { mel[$0, 50] < mel[$1, 50] }!
        let centres = (1...80).map { MelFilterBank.hertz(Double($0) * MelFilterBank.mel(8000) / 81) }
        #expect(loudest == centres.indices.min { abs(centres[$0] - 1000) < abs(centres[$1] - 1000) })
    }

    @Test("log-mel of real clips matches the numpy reference", arguments: ["18", "258", "7"])
    func matchesReference(clip: String) throws {
        let path = ["18": "alexa/heldout/18.flac", "258": "alexa/heldout/258.flac", "7": "alexa/train/7.flac"][clip]!
        let mel = LogMel()(try Clip.load(TestPaths.sample(path)))
        let golden = try NumpyFile.read(path: TestPaths.golden("\(clip).mel.npy"))
        #expect(golden.shape == [mel.rows, mel.columns])
        #expect(maxAbsDifference(mel.values, golden.values) <= Tolerance.logMel)
    }
}
