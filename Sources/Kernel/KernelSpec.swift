import Foundation
import JSON
import Support

/// The `prunescript` kernelspec: `kernel.json` and logos in a Jupyter kernels folder, so that
/// `jupyter kernelspec list`, `jupyter console --kernel prunescript`, nbclient and JupyterLab
/// find the kernel.
package enum KernelSpec {
    /// The kernel's name in notebooks' `kernelspec.name`.
    package static let name = "prunescript"

    /// Where a kernelspec goes.
    package enum Location: Equatable {
        /// The user's Jupyter data folder (`$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter`).
        case user
        /// The active virtual environment's (`$VIRTUAL_ENV` or `$CONDA_PREFIX`) `share/jupyter`.
        case sysPrefix
        /// `DIR/share/jupyter`, as `jupyter kernelspec install --prefix` does.
        case prefix(String)
    }

    package struct Problem: Error, CustomStringConvertible {
        package var description: String
    }

    /// The kernels folder of `location`.
    package static func kernelsFolder(_ location: Location, environment: [String: String]) throws(Problem) -> String {
        switch location {
        case .user:
            if let dir = environment["JUPYTER_DATA_DIR"], !dir.isEmpty { return dir + "/kernels" }
            if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/jupyter/kernels" }
            guard let home = environment["HOME"], !home.isEmpty else {
                throw Problem(description: "HOME is not set; give --prefix DIR")
            }
            return home + "/.local/share/jupyter/kernels"
        case .sysPrefix:
            guard let env = environment["VIRTUAL_ENV"] ?? environment["CONDA_PREFIX"], !env.isEmpty else {
                throw Problem(description: "--sys-prefix needs an active virtual environment (VIRTUAL_ENV or CONDA_PREFIX); use --user or --prefix DIR")
            }
            return env + "/share/jupyter/kernels"
        case .prefix(let dir):
            return dir + "/share/jupyter/kernels"
        }
    }

    /// `kernel.json`: this binary, `kernel -f {connection_file}`; signal interrupts.
    package static func kernelJSON(executable: String) -> String {
        JSONWriter.indented(.object([
            ("argv", .array([.string(executable), .string("kernel"), .string("-f"), .string("{connection_file}")])),
            ("display_name", .string("PruneScript")),
            ("language", .string("prunescript")),
            ("interrupt_mode", .string("signal")),
            ("metadata", .object([("debugger", .bool(false))])),
        ])) + "\n"
    }

    /// Writes the kernelspec for `executable` into `location`; returns its folder.
    @discardableResult
    package static func install(executable: String, location: Location,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> String {
        let folder = try kernelsFolder(location, environment: environment) + "/" + name
        do {
            try AtomicFile.write(kernelJSON(executable: executable), to: folder + "/kernel.json", createFolders: true)
            try AtomicFile.write(KernelLogo.svg, to: folder + "/logo-svg.svg")
            for size in [32, 64] {
                try AtomicFile.write(try KernelLogo.png(size: size), to: folder + "/logo-\(size)x\(size).png")
            }
        } catch {
            throw Problem(description: "could not write the kernelspec to \(folder): \(error)")
        }
        return folder
    }

    /// This program's absolute path (what `argv[0]` of the kernelspec must be).
    package static var executablePath: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
