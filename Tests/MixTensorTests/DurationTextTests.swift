import MixTensor
import Testing

/// The one duration format of the status lines and reports.
@Suite struct DurationTextTests {
    @Test(arguments: [(0.4, "0s"), (42, "42s"), (59.6, "1m00s"), (187, "3m07s"), (3599, "59m59s"),
                      (3600, "1h00m"), (7529, "2h05m"), (90_061, "25h01m")])
    func secondsMinutesAndHours(seconds: Double, text: String) {
        #expect(DurationText.format(seconds) == text)
    }
}
