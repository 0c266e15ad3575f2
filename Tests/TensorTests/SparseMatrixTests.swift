import Tensor
import Testing

/// The pieces the register-tiled sparse kernels rest on (#22): a linear combination summed tile
/// by tile gives the bits of the axpy loop it replaces, and entry groups list each column's
/// entries in the order the row-by-row loops add them.
@Suite struct SparseMatrixTests {
    static func values<Scalar: TensorScalar>(_ count: Int, seed: UInt64, _: Scalar.Type) -> [Scalar] {
        var g = Philox(seed: seed)
        return (0..<count).map { _ in Scalar(g.normal()) }
    }

    static func checkCombination<Scalar: TensorScalar>(_: Scalar.Type) {
        // lengths around the tile (4 vectors), the vector and the scalar tail; 0 to 5 terms
        for count in [0, 1, 7, 15, 16, 17, 63, 64, 65, 100, 131] {
            for terms in 0...5 {
                let xs = (0..<terms).map { values(count, seed: UInt64(10 * terms + $0), Scalar.self) }
                let coefficients = values(terms, seed: 99, Scalar.self)
                let start = values(count, seed: 7, Scalar.self)
                for accumulate in [false, true] {
                    var expected = accumulate ? start : [Scalar](repeating: 0.25, count: count)
                    var actual = start
                    expected.withUnsafeMutableBufferPointer { e in
                        for k in 0..<terms {
                            xs[k].withUnsafeBufferPointer { VectorOps.axpy(coefficients[k], $0.baseAddress!, e.baseAddress!, count: count) }
                        }
                    }
                    actual.withUnsafeMutableBufferPointer { a in
                        let pointers = xs.map { x in
                            let p = UnsafeMutablePointer<Scalar>.allocate(capacity: max(1, count))
                            p.initialize(from: x, count: count)
                            return p
                        }
                        defer { pointers.forEach { $0.deallocate() } }
                        VectorOps.linearCombination(terms: terms, count: count, into: a.baseAddress!, accumulate: accumulate,
                                                    initial: 0.25) { k in (coefficients[k], UnsafePointer(pointers[k])) }
                    }
                    #expect(actual.map { Double($0).bitPattern } == expected.map { Double($0).bitPattern },
                            "\(Scalar.self): \(terms) terms over \(count), accumulate \(accumulate)")
                }
            }
        }
    }

    @Test func linearCombinationHasTheBitsOfSequentialAxpys() {
        Self.checkCombination(Float.self)
        Self.checkCombination(Double.self)
    }

    @Test func entryGroupsKeepRowOrderWithinEachGroup() {
        // 4 rows × 6 columns; kept entries chosen by hand
        let kept: [[Int]] = [[0, 2, 5], [], [1, 2, 3], [0, 4, 5]]
        var mask = [Float](repeating: 0, count: 24)
        for (r, cols) in kept.enumerated() { for c in cols { mask[r * 6 + c] = 1 } }
        let m = SparseMatrix<Float>(mask: Tensor(shape: [4, 6], scalars: mask), rows: 4)
        // entries in row order: (0,0) (0,2) (0,5) (2,1) (2,2) (2,3) (3,0) (3,4) (3,5) = 0…8
        let byColumn = m.entryGroups(size: 1)
        #expect(byColumn.starts == [0, 2, 3, 5, 6, 7, 9])
        #expect(byColumn.entries == [0, 6, 3, 1, 4, 5, 7, 2, 8])
        #expect(byColumn.rows == [0, 3, 2, 0, 2, 2, 3, 0, 3])
        // groups of 3 columns (a convolution's input channel with 3 kernel positions)
        let byPair = m.entryGroups(size: 3)
        #expect(byPair.starts == [0, 5, 9])
        #expect(byPair.entries == [0, 1, 3, 4, 6, 2, 5, 7, 8])
        #expect(byPair.rows == [0, 0, 2, 2, 3, 0, 2, 3, 3])
        #expect(m.usedColumnGroups(size: 3) == [true, true])
        #expect(m.usedColumnGroups(size: 2) == [true, true, true])
        let empty = SparseMatrix<Float>(mask: Tensor(zeros: [2, 4]), rows: 2)
        #expect(empty.entryGroups(size: 2).starts == [0, 0, 0])
        #expect(empty.usedColumnGroups(size: 2) == [false, false])
    }
}
