import Foundation
import Testing
import TestSupport

/// The kernel against Jupyter's own peers (in the venv `make test` installs): Jupyter's
/// `jupyter_kernel_test` suite and our protocol checks (Tests/Kernel/test_*.py), and nbclient
/// executing every notebook in Notebooks/ at its default parameters, the quickstart's outputs
/// equal to the transcript `prunebook run` writes.
@Suite(.serialized) struct JupyterPeerTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The peers' Python (PRUNEBOOK_NB_PYTHON), when it has the Jupyter peers; nil (with the
    /// reason printed) only outside `make test`/CI.
    static func python() throws -> String? {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["PRUNEBOOK_NB_PYTHON"], "\(NSHomeDirectory())/.cache/prunebook-peers/bin/python"]
            .compactMap { $0 }.filter { !$0.isEmpty }
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            if (try? NbValidator.run(p, ["-c", "import jupyter_client, jupyter_kernel_test, nbclient"]))?.status == 0 { return p }
        }
        let reason = "no Python with jupyter_client, jupyter_kernel_test and nbclient (scripts/peers installs them)"
        if let set = env["PRUNEBOOK_NB_PYTHON"], !set.isEmpty { throw NbValidator.MissingPeer(description: "\(reason); PRUNEBOOK_NB_PYTHON=\(set)") }
        if env["CI"] == "true" { throw NbValidator.MissingPeer(description: reason) }
        print("skipped the Jupyter peer tests: \(reason)")
        return nil
    }

    /// A folder with the kernelspec installed under `share/jupyter`, and the environment that
    /// makes Jupyter find it (and keeps the user's history and data folder out of it).
    static func jupyterEnvironment() throws -> (folder: String, env: [String: String]) {
        let folder = CLI.temporaryFolder()
        let r = try CLI.run(["kernel", "install", "--prefix", folder + "/prefix"])
        guard r.status == 0 else { throw NbValidator.MissingPeer(description: "kernel install failed: \(r.stderr)") }
        var env = ProcessInfo.processInfo.environment
        env["JUPYTER_PATH"] = folder + "/prefix/share/jupyter"
        env["JUPYTER_DATA_DIR"] = folder + "/jupyter-data"
        env["JUPYTER_RUNTIME_DIR"] = folder + "/jupyter-runtime"
        env["PRUNEBOOK_KERNEL_HISTORY"] = folder + "/history.jsonl"
        env["PRUNEBOOK_BIN"] = CLI.binary
        env["PRUNEBOOK_DATA"] = env["PRUNEBOOK_DATA"] ?? URL(fileURLWithPath: Golden.folder).deletingLastPathComponent()
            .appendingPathComponent("data").path
        return (folder, env)
    }

    static func run(_ python: String, _ arguments: [String], env: [String: String], cwd: String) throws -> (Int32, String) {
        let r = try NbValidator.run(python, arguments, environment: env, cwd: cwd)
        return (r.status, r.output)
    }

    @Test func jupyterKernelTestSuiteAndProtocolChecks() throws {
        guard let python = try Self.python() else { return }
        let (folder, env) = try Self.jupyterEnvironment()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tests = Self.repository.appendingPathComponent("Tests/Kernel").path
        let scripts = try FileManager.default.contentsOfDirectory(atPath: tests).filter { $0.hasPrefix("test_") && $0.hasSuffix(".py") }.sorted()
        #expect(!scripts.isEmpty)
        for script in scripts {
            let (status, output) = try Self.run(python, ["-m", "unittest", "-v", (script as NSString).deletingPathExtension],
                                                env: env.merging(["PYTHONPATH": tests]) { $1 }, cwd: folder)
            #expect(status == 0, "\(script):\n\(output)")
        }
    }

    @Test func nbclientExecutesEveryNotebookAsRunWritesIt() throws {
        guard let python = try Self.python() else { return }
        let (folder, env) = try Self.jupyterEnvironment()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let notebooks = Self.repository.appendingPathComponent("Notebooks").path
        let scripts = try FileManager.default.contentsOfDirectory(atPath: notebooks).filter { $0.hasSuffix(".prune") }.sorted()
        #expect(scripts.count >= 4)
        // the quickstart's transcript, written now by `prunebook run` at its defaults
        let run = try CLI.run(["run", notebooks + "/quickstart.prune", "--out", folder + "/run", "--plots", folder + "/run/Plots"],
                              environment: ["PRUNEBOOK_DATA": env["PRUNEBOOK_DATA"] ?? ""])
        #expect(run.status == 0, "\(run.stderr)")
        let (status, output) = try Self.run(python, [Self.repository.appendingPathComponent("Tests/Kernel/run_notebooks.py").path,
                                                     "--bin", CLI.binary, "--work", folder + "/nb",
                                                     "--compare", "quickstart=\(folder)/run/quickstart.ipynb"]
                                                    + scripts.map { notebooks + "/" + $0 }, env: env, cwd: folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("outputs equal to"), "\(output)")
        print(output)
    }
}
