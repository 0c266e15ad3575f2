/// "Did you mean…?" suggestions by optimal-string-alignment (Damerau-Levenshtein) distance.
public enum Suggest {
    /// Edit distance with adjacent transpositions, case-sensitive.
    public static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a.unicodeScalars), t = Array(b.unicodeScalars)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var d = Array(repeating: Array(repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[s.count][t.count]
    }

    /// The closest candidate within the threshold (1 edit for names up to 4 characters,
    /// 2 up to 8, else 3; a case-only difference always qualifies), or nil. Ties go to the
    /// alphabetically first candidate.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        guard name.unicodeScalars.count <= 64 else { return nil }
        let limit = name.count <= 4 ? 1 : name.count <= 8 ? 2 : 3
        var best: (String, Int)? = nil
        for c in Set(candidates) where c != name && c.unicodeScalars.count <= 64 {
            var dist = c.lowercased() == name.lowercased() ? 0 : distance(name, c)
            if dist > limit { continue }
            if dist >= max(c.count, name.count) { continue }  // unrelated short names
            dist = dist * 2 + (c.lowercased() == name.lowercased() ? 0 : 1)
            if let b = best, b.1 < dist || (b.1 == dist && b.0 < c) { continue }
            best = (c, dist)
        }
        return best?.0
    }

    /// `did you mean 'x'?` or nil.
    public static func hint(for name: String, in candidates: some Sequence<String>) -> String? {
        closest(to: name, in: candidates).map { "did you mean '\($0)'?" }
    }
}
