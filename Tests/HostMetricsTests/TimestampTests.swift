import Foundation
import HostMetrics
import Testing

@Suite("UpstreamTimestamp")
struct TimestampTests {
    @Test func nowHasPythonIsoformatShape() throws {
        let text = UpstreamTimestamp.now()
        let regex = try NSRegularExpression(pattern: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$"#)
        let range = NSRange(text.startIndex..., in: text)
        #expect(regex.firstMatch(in: text, range: range) != nil, "got \(text)")
    }

    @Test func exactFormatting() {
        #expect(
            UpstreamTimestamp.format(seconds: 1_763_670_645, microseconds: 123_456, utcOffsetSeconds: 0)
                == "2025-11-20T20:30:45.123456")
        #expect(
            UpstreamTimestamp.format(seconds: 0, microseconds: 5, utcOffsetSeconds: 0) == "1970-01-01T00:00:00.000005")
    }

    @Test func zeroMicrosecondsAreOmittedLikePython() {
        #expect(UpstreamTimestamp.format(seconds: 1_763_670_645, microseconds: 0, utcOffsetSeconds: 0) == "2025-11-20T20:30:45")
    }

    @Test func utcOffsetShiftsToLocalWallClockAcrossDayAndLeapDay() {
        // 2024-02-28T23:30:00Z at UTC+1 → 2024-02-29T00:30:00 local (leap day).
        #expect(
            UpstreamTimestamp.format(seconds: 1_709_163_000, microseconds: 999_999, utcOffsetSeconds: 3600)
                == "2024-02-29T00:30:00.999999")
        // 1970-01-01T00:00:00Z at UTC−5 → previous day.
        #expect(UpstreamTimestamp.format(seconds: 0, microseconds: 1, utcOffsetSeconds: -18_000) == "1969-12-31T19:00:00.000001")
    }

    @Test func microsecondOverflowCarriesIntoSeconds() {
        #expect(UpstreamTimestamp.format(seconds: 59, microseconds: 1_000_000, utcOffsetSeconds: 0) == "1970-01-01T00:01:00")
        #expect(UpstreamTimestamp.format(seconds: 1, microseconds: -1, utcOffsetSeconds: 0) == "1970-01-01T00:00:00.999999")
    }

    @Test func agreesWithFoundationOverManyInstants() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        var seconds = -2_208_988_800  // 1900-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(UpstreamTimestamp.format(seconds: seconds, microseconds: 0, utcOffsetSeconds: 0) == expected)
            seconds += 7_654_321
        }
    }
}
