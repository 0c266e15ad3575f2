/// The three products a sparse layer needs, with S the sparse weights `[rows, columns]` and dense
/// operands stored row by row (`width` contiguous scalars per row, leading dimension `ld…`):
///
/// - `multiply`: C = S·B (a layer's output from its input columns);
/// - `transposedMultiplyAdd`: D += Sᵀ·dY (the gradient with respect to the input);
/// - `sampledProduct`: g = (dY·Bᵀ) at S's entries only (the weight gradient where weights are kept).
///
/// Every loop runs along the dense rows (`VectorOps.axpy` / `dot`), so the work is proportional
/// to the kept weights times `width`. The order of additions depends only on the structure, never
/// on threads: callers split rows (`multiply`, `sampledProduct`) or columns (`transposedMultiplyAdd`)
/// among tasks, which never changes any element's order of additions.
extension SparseMatrix {
    /// C[r, 0..<width] = bias[r] (or 0) + Σ over row r's entries e of v[e] · B[col(e), 0..<width],
    /// for the rows in `range`.
    @inlinable
    public func multiply(_ b: UnsafePointer<Scalar>, ldb: Int, width: Int, rows range: Range<Int>,
                         into c: UnsafeMutablePointer<Scalar>, ldc: Int, bias: UnsafePointer<Scalar>?) {
        withStorage { rs, ci, v in
            for r in range {
                let first = Int(rs[r])
                VectorOps.linearCombination(terms: Int(rs[r + 1]) - first, count: width, into: c + r * ldc,
                                            accumulate: false, initial: bias?[r] ?? 0) { k in
                    (v[first + k], b + Int(ci[first + k]) * ldb)
                }
            }
        }
    }

    /// D[col(e), 0..<width] += v[e] · dY[row(e), 0..<width] for every entry, each row of D
    /// receiving its terms in row order, as a row-by-row loop adds them (`columnGroups` is
    /// `entryGroups(size: 1)`).
    @inlinable
    public func transposedMultiplyAdd(_ dy: UnsafePointer<Scalar>, lddy: Int, width: Int,
                                      into d: UnsafeMutablePointer<Scalar>, ldd: Int, columnGroups groups: EntryGroups) {
        withStorage { _, _, v in
            groups.starts.withUnsafeBufferPointer { starts in
                groups.entries.withUnsafeBufferPointer { entries in
                    groups.rows.withUnsafeBufferPointer { rows in
                        for col in 0..<columns {
                            let first = Int(starts[col])
                            let count = Int(starts[col + 1]) - first
                            guard count > 0 else { continue }
                            VectorOps.linearCombination(terms: count, count: width, into: d + col * ldd, accumulate: true) { k in
                                (v[Int(entries[first + k])], dy + Int(rows[first + k]) * lddy)
                            }
                        }
                    }
                }
            }
        }
    }

    /// g[e] = Σ_t dY[row(e), t] · B[col(e), t] (added to g[e] when `accumulate`), for the entries
    /// of the rows in `range`.
    @inlinable
    public func sampledProduct(_ dy: UnsafePointer<Scalar>, lddy: Int, _ b: UnsafePointer<Scalar>, ldb: Int, width: Int,
                               rows range: Range<Int>, into g: UnsafeMutablePointer<Scalar>, accumulate: Bool) {
        withStorage { rs, ci, _ in
            for r in range {
                let row = dy + r * lddy
                for e in Int(rs[r])..<Int(rs[r + 1]) {
                    let s = VectorOps.dot(row, b + Int(ci[e]) * ldb, count: width)
                    g[e] = accumulate ? g[e] + s : s
                }
            }
        }
    }

    /// Splits the rows into at most `Parallel.maxChunks` ranges of about `grain` stored entries
    /// each (whole rows), by the structure alone, so the split never depends on the machine.
    public func rowRanges(grain: Int) -> [Range<Int>] {
        let chunks = max(1, min(Parallel.maxChunks, nonzeroCount / max(1, grain)))
        guard chunks > 1 else { return [0..<rows] }
        var ranges: [Range<Int>] = []
        var lo = 0
        for c in 1...chunks {
            let target = nonzeroCount * c / chunks
            var hi = lo
            while hi < rows && (c == chunks || Int(rowStart[hi]) < target) { hi += 1 }
            if hi > lo { ranges.append(lo..<hi) }
            lo = hi
        }
        if lo < rows { ranges.append(lo..<rows) }
        return ranges
    }
}
