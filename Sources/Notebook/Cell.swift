/// A notebook cell: Markdown text, or code with the outputs of its last run.
public struct Cell: Sendable, Equatable {
    public enum Kind: String, Sendable { case markdown, code }

    public var kind: Kind
    public var source: String
    /// `#| key: value` options at the top of the cell (label, fig-cap, seed, tags).
    public var options: [String: String]

    public init(kind: Kind, source: String, options: [String: String] = [:]) {
        self.kind = kind
        self.source = source
        self.options = options
    }
}
