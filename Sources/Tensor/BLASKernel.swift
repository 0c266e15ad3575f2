import Foundation

/// Which OpenBLAS kernel set a CPU should run.
///
/// OpenBLAS chooses its kernels once, when the library loads, from the CPU's model number. The
/// Debian build (0.3.21) does not know newer CPUs such as Intel's Sapphire and Emerald Rapids
/// and falls back to its generic "Prescott" kernels: SSE3 only, no FMA. Those run several times
/// slower and round differently from every FMA kernel (PyTorch's included), enough to flip
/// float32 near-ties in the golden fixtures. The choice can only be made before the library
/// loads, through `OPENBLAS_CORETYPE`; the command line re-executes itself with it set
/// (`PrunebookCLI`), and `make test` sets it for the test process from `prunebook bench
/// --blas-core-type`.
public enum BLASKernel {
    /// Kernels that run no FMA: OpenBLAS's fallbacks for CPUs it does not recognise.
    public static let genericCores: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine", "Northwood", "Banias"]

    /// The `OPENBLAS_CORETYPE` to ask for when OpenBLAS chose `current` on a CPU with `flags`
    /// (as /proc/cpuinfo lists them), or nil when its own choice is fine: AVX-512 with BF16 →
    /// Cooperlake, AVX-512 → SkylakeX, AVX2 with FMA → Haswell.
    public static func preferredCoreType(current: String, cpuFlags flags: Set<String>) -> String? {
        guard genericCores.contains(current) else { return nil }
        let avx512: Set<String> = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        if avx512.isSubset(of: flags) { return flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The flags of this machine's first CPU (empty where /proc/cpuinfo cannot be read).
    public static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The kernel this process should have been given, or nil when OpenBLAS's choice stands
    /// (also when `OPENBLAS_CORETYPE` is already set: the user's choice wins).
    public static var preferredCoreTypeForThisProcess: String? {
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty { return nil }
        return preferredCoreType(current: BLAS.coreName, cpuFlags: cpuFlags)
    }
}

extension BLASKernel {
    /// Replaces this process by itself with `OPENBLAS_CORETYPE` set to the preferred kernel, when
    /// OpenBLAS fell back to a generic one; returns (doing nothing) otherwise or when `execv` fails.
    /// Call first thing in `main`, before any thread starts.
    public static func relaunchWithPreferredKernel() {
        guard let core = preferredCoreTypeForThisProcess,
              ProcessInfo.processInfo.environment["PRUNEBOOK_BLAS_RELAUNCHED"] == nil else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("PRUNEBOOK_BLAS_RELAUNCHED", "1", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returned: carry on with OpenBLAS's own choice
        unsetenv("OPENBLAS_CORETYPE")
    }
}
