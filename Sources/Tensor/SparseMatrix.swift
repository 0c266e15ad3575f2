/// A matrix in compressed sparse row form (CSR) whose structure is a mask's kept entries: the
/// weights of a pruned layer seen as `[rows, columns]` (a linear layer's `[out, in]`, a
/// convolution's `[out, in·k·k]`).
///
/// The structure (row starts, column indices, the flat dense position of each entry) is built
/// once per mask; `values` are gathered from the dense weights before each use, so optimizers keep
/// updating the dense tensor and every other part of the engine sees an ordinary layer.
public struct SparseMatrix<Scalar: TensorScalar>: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// Entries of row r are `rowStart[r]..<rowStart[r + 1]`.
    public let rowStart: [Int32]
    /// Column of each entry, increasing within a row.
    public let columnIndex: [Int32]
    /// `row · columns + column` of each entry: where it lives in the dense tensor.
    public let positions: [Int32]
    /// The entries' values, in entry order.
    public var values: [Scalar]

    /// Largest dense tensor whose positions fit the 32-bit indices.
    public static var maxCount: Int { Int(Int32.max) }

    /// The structure of `mask`'s nonzero entries, `mask` read as `[rows, count / rows]`; values zero.
    public init(mask: Tensor<Scalar>, rows: Int) {
        precondition(rows > 0 && mask.count % rows == 0, "a \(mask.shape) mask cannot be read as \(rows) rows")
        precondition(mask.count <= SparseMatrix.maxCount, "\(mask.count) entries do not fit 32-bit positions")
        let columns = mask.count / rows
        var starts = [Int32](repeating: 0, count: rows + 1)
        var cols: [Int32] = [], pos: [Int32] = []
        mask.withUnsafePointer { m in
            var kept = 0
            for i in 0..<mask.count where m[i] != 0 { kept += 1 }
            cols.reserveCapacity(kept)
            pos.reserveCapacity(kept)
            for r in 0..<rows {
                let row = m + r * columns
                for c in 0..<columns where row[c] != 0 {
                    cols.append(Int32(c))
                    pos.append(Int32(r * columns + c))
                }
                starts[r + 1] = Int32(cols.count)
            }
        }
        self.rows = rows
        self.columns = columns
        rowStart = starts
        columnIndex = cols
        positions = pos
        values = [Scalar](repeating: 0, count: cols.count)
    }

    private init(rows: Int, columns: Int, rowStart: [Int32], columnIndex: [Int32], positions: [Int32], values: [Scalar]) {
        (self.rows, self.columns, self.rowStart, self.columnIndex, self.positions, self.values) =
            (rows, columns, rowStart, columnIndex, positions, values)
    }

    /// The same entries without the columns that hold none: the other columns renumbered
    /// 0..<k in order, `columns` giving each one's original index. A product with it reads only
    /// those columns' rows of the dense operand, adding the same terms in the same order.
    public func compactingColumns() -> (matrix: SparseMatrix, columns: [Int32]) {
        let used = usedColumnGroups(size: 1)
        var renumbered = [Int32](repeating: -1, count: columns)
        var kept: [Int32] = []
        for c in 0..<columns where used[c] {
            renumbered[c] = Int32(kept.count)
            kept.append(Int32(c))
        }
        let matrix = SparseMatrix(rows: rows, columns: kept.count, rowStart: rowStart,
                                  columnIndex: columnIndex.map { renumbered[Int($0)] }, positions: positions, values: values)
        return (matrix, kept)
    }

    /// Number of stored entries.
    public var nonzeroCount: Int { columnIndex.count }

    /// Fraction of the dense entries stored.
    public var density: Double { Double(nonzeroCount) / Double(max(1, rows * columns)) }

    /// The entries grouped by column ÷ `size` (by column when 1, by input channel for a
    /// convolution's `[out, in·k·k]` with size k·k), in entry order (row, then column) within
    /// each group: the order in which the row-wise loops add each group's terms, so kernels that
    /// walk the groups add the same terms in the same order.
    public func entryGroups(size: Int) -> EntryGroups {
        precondition(size > 0 && columns % size == 0, "\(columns) columns do not split into groups of \(size)")
        return entryGroups(count: columns / size) { Int($0) / size }
    }

    /// The entries grouped by `group(column)`, one of `0..<count`, in entry order within each
    /// group (as `entryGroups(size:)`, for groupings that are not runs of columns).
    public func entryGroups(count groups: Int, by group: (Int32) -> Int) -> EntryGroups {
        var starts = [Int32](repeating: 0, count: groups + 1)
        for c in columnIndex { starts[group(c) + 1] += 1 }
        for g in 0..<groups { starts[g + 1] += starts[g] }
        var next = starts
        var entries = [Int32](repeating: 0, count: nonzeroCount), entryRows = entries
        for r in 0..<rows {
            for e in Int(rowStart[r])..<Int(rowStart[r + 1]) {
                let g = group(columnIndex[e])
                entries[Int(next[g])] = Int32(e)
                entryRows[Int(next[g])] = Int32(r)
                next[g] += 1
            }
        }
        return EntryGroups(starts: starts, entries: entries, rows: entryRows)
    }

    /// Whether each group of `size` consecutive columns holds a stored entry.
    public func usedColumnGroups(size: Int) -> [Bool] {
        precondition(size > 0, "column groups need a positive size")
        var used = [Bool](repeating: false, count: (columns + size - 1) / size)
        for c in columnIndex { used[Int(c) / size] = true }
        return used
    }

    /// Takes the values at the stored positions from the dense tensor.
    public mutating func gather(from dense: Tensor<Scalar>) {
        precondition(dense.count == rows * columns, "a \(dense.shape) tensor is not \(rows)×\(columns)")
        let pos = positions
        dense.withUnsafePointer { d in
            values.withUnsafeMutableBufferPointer { v in
                pos.withUnsafeBufferPointer { p in
                    for e in 0..<p.count { v[e] = d[Int(p[e])] }
                }
            }
        }
    }

    /// Calls `body` with the structure and values (for the kernels' loops).
    @inlinable
    public func withStorage<R>(_ body: (_ rowStart: UnsafeBufferPointer<Int32>, _ columnIndex: UnsafeBufferPointer<Int32>,
                                        _ values: UnsafeBufferPointer<Scalar>) -> R) -> R {
        rowStart.withUnsafeBufferPointer { rs in
            columnIndex.withUnsafeBufferPointer { ci in
                values.withUnsafeBufferPointer { v in body(rs, ci, v) }
            }
        }
    }
}

/// A sparse matrix's entries grouped by columns (`SparseMatrix.entryGroups(size:)`): group g holds
/// `entries[starts[g]..<starts[g + 1]]`, whose rows are the same range of `rows`.
public struct EntryGroups: Sendable {
    public let starts: [Int32]
    public let entries: [Int32]
    public let rows: [Int32]
}
