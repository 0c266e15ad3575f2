/// A position in PruneScript source: cell number (1-based; 0 outside a notebook), line and column (1-based).
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var cell: Int
    public var line: Int
    public var column: Int

    public init(cell: Int = 0, line: Int, column: Int) {
        self.cell = cell
        self.line = line
        self.column = column
    }

    public var description: String {
        cell > 0 ? "cell \(cell), line \(line), column \(column)" : "line \(line), column \(column)"
    }
}
