/// A data file or data set that cannot be used: which file (or data set) and what was wrong.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
