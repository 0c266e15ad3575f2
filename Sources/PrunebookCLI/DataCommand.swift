import ArgumentParser
import Datasets
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Support
import Tensor

/// `prunebook data list | import | fetch`: the data sets on this machine.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List, import and download data sets.",
        subcommands: [List.self, Import.self, Fetch.self])

    struct Location: ParsableArguments {
        @Option(name: .customLong("data"), help: "Data folder (default: $PRUNEBOOK_DATA, else ~/.prunebook/data).")
        var folder: String?

        var directory: DataDirectory { DataDirectory(explicit: folder) }
    }

    static func dataset(_ s: String) throws -> DatasetName {
        guard let n = DatasetName(parsing: s) else {
            throw ValidationError("unknown data set '\(s)'; known: " + DatasetName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return n
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show which data sets are found where, with record counts.")
        @OptionGroup var location: Location

        func run() {
            let dir = location.directory
            print("data folder: \(dir.path) (from \(dir.source))")
            for row in DataFiles.list(dir) {
                let state = row.count.map { "\($0) records" } ?? (row.problem ?? "")
                print("\(row.name.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))"
                      + "\(row.split.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))"
                      + "\(state.padding(toLength: 16, withPad: " ", startingAt: 0))  \(row.location)")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Copy a data set's standard files from a folder (or the CIFAR-10 archive), checking them first.")
        @Argument(help: "mnist, fashion-mnist or cifar10.") var name: String
        @Argument(help: "Folder holding the files, or cifar-10-binary.tar.gz.") var path: String
        @OptionGroup var location: Location

        func run() throws {
            let written = try DataFiles.importFiles(try DataCommand.dataset(name), from: path, into: location.directory)
            for p in written { print("wrote \(p)") }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a data set from its public location, verify its checksums and install it.")
        @Argument(help: "mnist, fashion-mnist or cifar10.") var name: String
        @Option(help: "Base URL to download from instead (http(s):// or file://).") var mirror: String?
        @OptionGroup var location: Location

        func run() throws {
            let n = try DataCommand.dataset(name)
            let written = try DataFiles.fetch(n, into: location.directory, mirror: mirror) { url in
                print("downloading \(url)")
                return try Downloader.bytes(url)
            }
            for p in written { print("wrote \(p)") }
        }
    }
}

/// Fetches a URL's bytes: `file://` from disk, `http(s)://` with URLSession.
enum Downloader {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func bytes(_ url: String) throws -> [UInt8] {
        guard let u = URL(string: url) else { throw Failure(description: "not a URL: \(url)") }
        if u.isFileURL {
            do { return try FileReader.bytes(atPath: u.path) } catch { throw Failure(description: error.reason) }
        }
        guard u.scheme == "http" || u.scheme == "https" else { throw Failure(description: "unsupported scheme in \(url)") }
        nonisolated(unsafe) var result: Result<[UInt8], Failure> = .failure(Failure(description: "no response"))
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: u) { data, response, error in
            defer { done.signal() }
            if let error { result = .failure(Failure(description: error.localizedDescription)); return }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200, let data else { result = .failure(Failure(description: "HTTP status \(status)")); return }
            result = .success([UInt8](data))
        }
        task.resume()
        done.wait()
        return try result.get()
    }
}
