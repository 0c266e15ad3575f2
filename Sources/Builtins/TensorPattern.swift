/// Names or shell-style patterns of tensors in `layers:` and `ignore:`: `*` matches any run of
/// characters, `?` one character, and a layer's name stands for its weight (`"fc1"` matches
/// `fc1.weight`).
enum TensorPattern {
    static func matches(_ pattern: String, _ name: String) -> Bool {
        glob(Array(pattern)[...], Array(name)[...]) || glob(Array(pattern + ".weight")[...], Array(name)[...])
    }

    /// Iterative glob matching with one backtrack point for the last `*` (linear in practice).
    static func glob(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        var (pi, si) = (p.startIndex, s.startIndex)
        var star: (p: Int, s: Int)?
        while si < s.endIndex {
            if pi < p.endIndex, p[pi] == "*" {
                star = (pi, si)
                pi += 1
            } else if pi < p.endIndex, p[pi] == "?" || p[pi] == s[si] {
                pi += 1
                si += 1
            } else if let st = star {
                pi = st.p + 1
                si = st.s + 1
                star = (st.p, st.s + 1)
            } else {
                return false
            }
        }
        while pi < p.endIndex, p[pi] == "*" { pi += 1 }
        return pi == p.endIndex
    }
}
