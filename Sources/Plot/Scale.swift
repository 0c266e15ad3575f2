import Foundation

/// How data values map to positions along an axis.
///
/// Named `"linear"`, `"log"`, `"sparsity"` and `"category"` for scripting (see ``init(name:)``).
/// - `linear`: position ∝ value, Extended Wilkinson ticks.
/// - `log`: position ∝ log10(value); ticks at decades, minor ticks at 2…9, labels `10ᵏ` or plain.
/// - `sparsity`: position ∝ −log10(1 − s) for a sparsity s in [0, 1), so 90%, 99%, 99.9%, 99.99%
///   are evenly spaced; labels in percent sparsity or as compression ratio (`10×`, `100×`).
/// - `category`: one slot per category name (bars).
public struct Scale: Sendable, Equatable, Hashable {
    /// The family of a scale.
    public enum Kind: String, Sendable, CaseIterable { case linear, log, sparsity, category }
    /// Label style on a log scale.
    public enum LogLabels: Sendable, Hashable { case power, plain }
    /// Label style on a sparsity scale.
    public enum SparsityLabels: Sendable, Hashable { case percent, compression }

    /// The family of the scale.
    public var kind: Kind
    /// Label style used when `kind == .log`.
    public var logLabels: LogLabels = .power
    /// Label style used when `kind == .sparsity`.
    public var sparsityLabels: SparsityLabels = .percent

    /// A scale of the given kind and label styles.
    public init(kind: Kind, logLabels: LogLabels = .power, sparsityLabels: SparsityLabels = .percent) {
        self.kind = kind
        self.logLabels = logLabels
        self.sparsityLabels = sparsityLabels
    }

    /// Parses `"linear"`, `"log"`, `"sparsity"`, `"category"` (also `"log10"`, `"categorical"`,
    /// `"compression"` for a sparsity scale labelled as compression ratio). Nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "linear": self.init(kind: .linear)
        case "log", "log10": self.init(kind: .log)
        case "sparsity": self.init(kind: .sparsity)
        case "compression": self.init(kind: .sparsity, sparsityLabels: .compression)
        case "category", "categorical": self.init(kind: .category)
        default: return nil
        }
    }

    /// The scripting name of the scale.
    public var name: String { kind.rawValue }

    /// The four scales with default labels.
    public static let linear = Scale(kind: .linear)
    public static let log = Scale(kind: .log)
    public static let sparsity = Scale(kind: .sparsity)
    public static let category = Scale(kind: .category)
    /// A log scale with the given label style.
    public static func log(labels: LogLabels) -> Scale { Scale(kind: .log, logLabels: labels) }
    /// A sparsity scale with the given label style.
    public static func sparsity(labels: SparsityLabels) -> Scale { Scale(kind: .sparsity, sparsityLabels: labels) }

    /// Maps a data value to the scale's linear position space, or nil when the value cannot be
    /// shown (non-finite, ≤ 0 on a log scale, outside [0, 1) on a sparsity scale).
    public func transform(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        switch kind {
        case .linear, .category: return v
        case .log: return v > 0 ? log10(v) : nil
        case .sparsity: return (v >= 0 && v < 1) ? -log10(1 - v) : nil
        }
    }

    /// Inverse of ``transform(_:)``.
    public func inverse(_ t: Double) -> Double {
        switch kind {
        case .linear, .category: return t
        case .log: return pow(10, t)
        case .sparsity: return 1 - pow(10, -t)
        }
    }

    /// Why a value was rejected, for the figure's warnings.
    func rejectionReason() -> String {
        switch kind {
        case .linear, .category: return "non-finite"
        case .log: return "non-finite or not positive (log scale)"
        case .sparsity: return "non-finite or outside [0, 1) (sparsity scale)"
        }
    }
}

