import ArgumentParser
import Benchmarks
import Foundation
import JSON
import NeuralNet
import Support

/// `prunebook bench`: training-step throughput per zoo model beside the machine's GEMM ceiling.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training throughput per model against the machine's GEMM ceiling (release build).")

    @Option(help: "Comma-separated zoo models.")
    var models = "lenet300,lenet5,conv6,resnet20,vgg19"

    @Option(help: "Batch size.")
    var batch = 128

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Flag(help: "Fewer and shorter runs.")
    var quick = false

    @Flag(help: "Also time whole 60-step FORCE and Iterative SNIP runs.")
    var fullRuns = false

    @Option(help: "Comma-separated densities: time training and inference of each model pruned by SNIP to each density (1 = dense).")
    var densities: String?

    @Option(help: "Kernels for the pruned layers with --densities: \(KernelChoice.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kernels = "auto"

    @Flag(help: "Time single conv and linear layers per kernel path at the --densities (default 0.5 to 0.005): what the automatic kernel rule is set from.")
    var layers = false

    @Option(help: "With --layers: only the shapes whose name contains this text (\"linear\", \"8²\").")
    var layerFilter: String?

    @Option(help: "Time reading this ONNX file (and the memory it takes), then one SNIP pass and one FORCE step in float32 and float64 on a random batch of --batch images.")
    var onnx: String?

    @Flag(help: "With --onnx: only read the file.")
    var importOnly = false

    @Flag(help: "Measure each model's peak memory over a few training steps beside the estimate that refuses a step too large for the machine.")
    var memory = false

    @Option(help: ArgumentHelp("The density of a --child run.", visibility: .private))
    var density: Double?

    @Flag(help: ArgumentHelp("Print the OpenBLAS kernel this process runs with when it chose one itself (OPENBLAS_CORETYPE), for `make test`.", visibility: .private))
    var blasCoreType = false

    @Option(help: ArgumentHelp("Run one model in this process (used for the per-model child processes).", visibility: .private))
    var child: String?

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        for m in modelList where !TrainingBenchmark.modelNames.contains(m) {
            throw ValidationError("unknown model '\(m)' in --models; known: \(TrainingBenchmark.modelNames.joined(separator: ", "))")
        }
        if let densities {
            let list = densities.split(separator: ",")
            guard !list.isEmpty, list.count == densityList?.count,
                  densityList?.allSatisfy({ $0 > 0 && $0 <= 1 }) == true else {
                throw ValidationError("--densities takes numbers in (0, 1] separated by commas, got '\(densities)'")
            }
        }
        guard KernelChoice(rawValue: kernels) != nil else {
            throw ValidationError("--kernels must be one of \(KernelChoice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kernels)'")
        }
    }

    var densityList: [Double]? {
        densities.map { $0.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
    }

    var modelList: [String] { models.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }

    func run() throws {
        if blasCoreType {
            print(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "")
            return
        }
        let settings = BenchmarkSettings(batch: batch, quick: quick, fullRuns: fullRuns)
        if let onnx {
            // first, so that the peak memory is the file's
            let r = try ONNXBenchmark.measure(path: onnx, settings: settings, passes: !importOnly)
            print(JSONWriter.canonical(r.json, indent: 2))
            if let json { try AtomicFile.write(JSONWriter.canonical(r.json, indent: 2) + "\n", to: json, createFolders: true) }
            return
        }
        let kernelChoice = KernelChoice(rawValue: kernels) ?? .auto
        if let child, let density {
            let result = try DensityBenchmark.measure(model: child, density: density, kernels: kernelChoice, settings: settings)
            print(JSONWriter.compact(result.json))
            return
        }
        if let child, memory {
            print(JSONWriter.compact(try MemoryBenchmark.measure(model: child, settings: settings).json))
            return
        }
        if memory {
            print("training memory, batch \(batch): peak resident memory of 3 steps beside the estimate")
            var results: [JSONValue] = []
            for model in modelList {
                let r = try runChild(model: model)
                results.append(r)
                let peak = r["peak_rss_mib"]?.doubleValue ?? 0, estimate = r["estimate_mib"]?.doubleValue ?? 0
                print(String(format: "%-9@ peak %6.0f MiB  estimate %6.0f MiB  ratio %.2f", model, peak, estimate, r["ratio"]?.doubleValue ?? 0))
            }
            if let json {
                try AtomicFile.write(JSONWriter.canonical(.object([("batch", .int(batch)), ("results", .array(results))]), indent: 2) + "\n",
                                     to: json, createFolders: true)
            }
            return
        }
        if let child {
            // child mode: one model, one JSON line on stdout
            let result = try TrainingBenchmark.measure(model: child, settings: settings)
            print(JSONWriter.compact(result.json))
            return
        }
        let machine = MachineInfo.current()
        let idle = MachineInfo.waitForIdle(maxSeconds: quick ? 5 : 30)
        let gemm = GemmCeiling.measure(n: 1024, seconds: quick ? 0.5 : 2)
        print("machine: \(machine.cpu), \(machine.cores) cores, \(machine.blasThreads) BLAS threads, core \(machine.blasCore)")
        print(String(format: "GEMM ceiling (sgemm n=1024): %.1f GFLOP/s%@", gemm,
                     idle ? "" : "  [machine was busy: numbers are lower bounds]"))
        if layers {
            let list = densityList ?? [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005]
            print("forward + backward per layer, batch \(batch), milliseconds (median)")
            for shape in LayerKernelBenchmark.shapes where layerFilter.map({ shape.name.contains($0) }) ?? true {
                for d in list {
                    let times = LayerKernelBenchmark.measure(shape, density: d, batch: batch, settings: settings)
                    let best = times.min { $0.1 < $1.1 }?.0 ?? ""
                    print(String(format: "%-20@ %6.3f  ", shape.name, d) + times.map { String(format: "%@ %8.2f", $0.0, $0.1) }.joined(separator: "  ")
                          + "  → \(best)")
                }
            }
            return
        }
        if let densityList {
            try runDensities(densityList, machine: machine, gemm: gemm, idle: idle)
            return
        }
        var results: [JSONValue] = []
        for model in modelList {
            let r = try runChild(model: model)
            results.append(r)
            let ips = r["train_images_per_s"]?.doubleValue ?? 0
            let gf = r["train_gflops"]?.doubleValue ?? 0
            let spread = r["train_spread"]?.doubleValue ?? 0
            let rss = r["peak_rss_mib"]?.doubleValue ?? 0
            let snip = r["snip_s"]?.doubleValue ?? 0, force = r["force_step_s"]?.doubleValue ?? 0
            print(String(format: "%-9@ %10.0f img/s (±%.0f%%)  %6.1f GFLOP/s  %4.0f%% of GEMM  SNIP %.4f s  FORCE step %.4f s  peak %5.0f MiB",
                         model, ips, spread * 100, gf, gemm > 0 ? 100 * gf / gemm : 0, snip, force, rss))
            if let f = r["force_60_s"]?.doubleValue, let i = r["iter_snip_60_s"]?.doubleValue {
                print(String(format: "          FORCE T=60 %.3f s  Iterative SNIP T=60 %.3f s (float32)", f, i))
            }
            if let f = r["force_60_f64_s"]?.doubleValue, let i = r["iter_snip_60_f64_s"]?.doubleValue {
                print(String(format: "          FORCE T=60 %.3f s  Iterative SNIP T=60 %.3f s (float64 scores, the default with BatchNorm)", f, i))
            }
        }
        let doc = JSONValue.object([
            ("machine", .object([
                ("cpu", .string(machine.cpu)), ("cores", .int(machine.cores)), ("threads", .int(machine.blasThreads)),
                ("blas_core", .string(machine.blasCore)), ("gemm_gflops", .double(gemm)), ("idle", .bool(idle)),
            ])),
            ("results", .array(results.map { r in
                let fraction = gemm > 0 ? (r["train_gflops"]?.doubleValue ?? 0) / gemm : 0
                return .object((r.objectValue ?? []) + [("gemm_fraction", .double((fraction * 1000).rounded() / 1000))])
            })),
        ])
        if let json {
            try AtomicFile.write(JSONWriter.canonical(doc, indent: 2) + "\n", to: json, createFolders: true)
            print("wrote \(json)")
        }
    }

    /// `--densities`: a row per model and density, with the speedups over density 1.
    func runDensities(_ list: [Double], machine: MachineInfo, gemm: Double, idle: Bool) throws {
        print("kernels: \(kernels); mask: SNIP on one random batch; batch \(batch)")
        print("model      density   train img/s  speedup   infer img/s  speedup   MACs kept  sparse layers")
        var results: [JSONValue] = []
        for model in modelList {
            var base: (train: Double, infer: Double)?
            for d in list {
                let r = try runChild(model: model, density: d)
                results.append(r)
                let train = r["train_images_per_s"]?.doubleValue ?? 0, infer = r["infer_images_per_s"]?.doubleValue ?? 0
                if d == 1 { base = (train, infer) }
                let speed = { (v: Double, b: Double?) in b.map { String(format: "%6.2f×", v / max($0, 1e-9)) } ?? "     –" }
                let sparse = r["sparse_layers"]?.arrayValue?.count ?? 0
                print(String(format: "%-9@ %8.4g %12.1f  %@  %12.1f  %@  %8.3f%%  %d", model, d, train, speed(train, base?.train),
                             infer, speed(infer, base?.infer), 100 * (r["macs_fraction"]?.doubleValue ?? 0), sparse))
            }
        }
        let doc = JSONValue.object([
            ("machine", .object([
                ("cpu", .string(machine.cpu)), ("cores", .int(machine.cores)), ("threads", .int(machine.blasThreads)),
                ("blas_core", .string(machine.blasCore)), ("gemm_gflops", .double(gemm)), ("idle", .bool(idle)),
            ])),
            ("results", .array(results)),
        ])
        if let json {
            try AtomicFile.write(JSONWriter.canonical(doc, indent: 2) + "\n", to: json, createFolders: true)
            print("wrote \(json)")
        }
    }

    /// Runs one model in a child process so that its peak memory is its own.
    func runChild(model: String, density: Double? = nil) throws -> JSONValue {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: p.executableURL?.path ?? "") {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        p.arguments = ["bench", "--child", model, "--batch", String(batch)] + (quick ? ["--quick"] : []) + (fullRuns ? ["--full-runs"] : [])
            + (memory ? ["--memory"] : []) + (density.map { ["--density", String($0), "--kernels", kernels] } ?? [])
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
              let v = try? JSONParser.parse(String(line)) else {
            throw ValidationError("benchmark of \(model) failed (exit \(p.terminationStatus))")
        }
        return v
    }
}
