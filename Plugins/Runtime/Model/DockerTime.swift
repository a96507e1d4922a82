/// Parses the engine's RFC 3339 UTC timestamps (`2026-11-26T03:11:45.123456789Z`).
public enum DockerTime {
    /// Seconds since the epoch; nil for unparseable text or Docker's zero time (year 1).
    public static func epoch(_ text: String) -> Double? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
            let s = num(17, 19), y > 1, (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var frac = 0.0
        var i = 19
        if i < u.count, u[i] == 46 {
            var scale = 0.1
            i += 1
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                frac += Double(u[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        guard i < u.count, u[i] == 90 else { return nil }  // only UTC ("Z") is produced by the engine
        return Double(daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) + frac
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
