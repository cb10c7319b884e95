#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SeqNN
import SeqNNFile

let exitStatusHelp = """
    Exit status: 0 fine; 1 the model is broken or a check failed (--verify), or the files differ (diff); \
    2 usage error or unreadable file. Messages go to stderr.
    """

/// `seqinspect FILE [--json] [--weights [--values [--full]]] [--dot] [--verify]`.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what is inside a Keras 2, Keras 3 or SeqNN model file: .h5, .keras or .weights.h5 (the default command).",
        usage: "seqinspect FILE [--json] [--weights] [--values] [--full] [--precision <n>] [--dot] [--verify]",
        discussion: """
            Without options: file facts (format, writer, backend, size), a Keras-style summary (layers, output \
            shapes, activations, parameter counts equal to Keras's model.summary()), the training config and the \
            stored training history. Files with layers SeqNN cannot run yet are still shown, from their config \
            and stored weights.

            \(exitStatusHelp)
            """)

    @Argument(help: "The model file (.h5, .keras or .weights.h5).") var file: String
    @Flag(help: "Print everything as one JSON document (keys documented in tools/seqinspect/README.md).") var json = false
    @Flag(help: "List every weight tensor: path, shape, dtype, trainable, min/max/mean/std, NaN and Inf counts.") var weights = false
    @Flag(help: "With --weights: print the values too, numpy-style (implies --weights).") var values = false
    @Flag(help: "With --values: print every value instead of abbreviating tensors over 1000 values.") var full = false
    @Option(help: "Decimals shown by --values.") var precision = 4
    @Flag(help: "Print the architecture as a Graphviz graph (render with: dot -Tpng -o model.png).") var dot = false
    @Flag(help: "Load the model completely, run the stored test batch (or a deterministic input) and check every value is finite; exit 0 only if all checks pass.")
    var verify = false
    @Flag(help: "Read the file with libhdf5 inside seqinspect instead of in SeqNN's reader process: faster to start, for files you trust only (a damaged file can then crash or hang seqinspect).")
    var trusted = false

    func validate() throws {
        if dot && (json || weights || values || verify) { throw ValidationError("--dot cannot be combined with --json, --weights, --values or --verify") }
        if full && !values { throw ValidationError("--full only applies with --values") }
        if precision < 0 || precision > 17 { throw ValidationError("--precision must be between 0 and 17") }
    }

    func execute(_ out: inout CLI.Output) throws {
        let report = try ModelReport.read(file, trusted: trusted)
        let broken = report.problems.filter(\.broken)
        if !broken.isEmpty {
            out.stderr += "seqinspect: \(file): the model is broken: \(broken[0].message)"
                + (broken.count > 1 ? " (and \(broken.count - 1) more problem\(broken.count > 2 ? "s" : ""))" : "") + "\n"
            out.code = 1
        }
        if dot {
            out.stdout += DotView.render(report, displayPath: file)
            return
        }
        let wantWeights = weights || values
        let tensors = wantWeights ? try WeightsView.collect(report, keepValues: values) : nil
        let verification = verify ? Verify.run(report) : nil
        if json {
            out.stdout += JSONView.pretty(JSONView.document(report, displayPath: file, weights: tensors, verify: verification))
        } else {
            if !wantWeights && !verify { out.stdout += TextView.render(report, displayPath: file) }
            if let t = tensors {
                out.stdout += WeightsView.render(report, weights: t.weights, optimizer: t.optimizer, displayPath: file,
                                                 values: values, full: full, precision: precision)
            }
            if let v = verification {
                if tensors != nil { out.stdout += "\n" }
                out.stdout += v.text(displayPath: file)
            }
        }
        if let t = tensors {
            let bad = (t.weights + t.optimizer).filter { !$0.stats.allFinite }
            if !bad.isEmpty {
                out.stderr += "seqinspect: \(file): \(bad.count) tensor\(bad.count == 1 ? " holds" : "s hold") NaN or Inf values: "
                    + bad.map(\.path).joined(separator: ", ") + "\n"
                out.code = 1
            }
        }
        if let v = verification, !v.passed {
            out.stderr += "seqinspect: \(file): verification failed: " + v.checks.filter { !$0.passed }.map(\.name).joined(separator: ", ") + "\n"
            out.code = 1
        }
    }
}

/// `seqinspect diff A B`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two model files: architecture, layer configs, training config, and weights (max abs difference per tensor).",
        usage: "seqinspect diff A B [--json] [--tolerance <t>]",
        discussion: """
            Layers and weights are paired by position, as Keras's loader pairs them. Exit status: 0 no \
            differences, 1 differences found, 2 usage error or unreadable file.
            """)

    @Argument(help: "The first model file.") var a: String
    @Argument(help: "The second model file.") var b: String
    @Flag(help: "Print the comparison as one JSON document.") var json = false
    @Option(help: "Weights whose max abs difference is at most this count as equal.") var tolerance = 0.0
    @Flag(help: "Read the files inside seqinspect, not in SeqNN's reader process (files you trust only).") var trusted = false

    func validate() throws {
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a finite number >= 0") }
    }

    func execute(_ out: inout CLI.Output) throws {
        let ra = try ModelReport.read(a, trusted: trusted), rb = try ModelReport.read(b, trusted: trusted)
        let d = try Diff.run(ra, rb, tolerance: tolerance)
        out.stdout += json ? JSONView.pretty(d.json(pathA: a, pathB: b)) : d.text(ra, rb, pathA: a, pathB: b)
        out.code = d.differences == 0 ? 0 : 1
    }
}

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqinspect",
        abstract: "Show what is inside a Keras 2, Keras 3 or SeqNN model file (.h5, .keras, .weights.h5).",
        usage: """
            seqinspect FILE [--json] [--weights [--values [--full]]] [--dot] [--verify]
            seqinspect diff A B [--json] [--tolerance T]
            """,
        discussion: """
            seqinspect FILE             facts, summary table, training config, history
            seqinspect FILE --json      the same as one JSON document
            seqinspect FILE --weights   statistics per weight tensor
                                        (--values: the numbers; --full: all of them)
            seqinspect FILE --dot       the architecture as a Graphviz graph
            seqinspect FILE --verify    load, run the stored test batch, check values
            seqinspect diff A B         compare two model files

            Options of the default command (seqinspect FILE --help shows them all):
              --json, --weights, --values, --full, --precision N, --dot, --verify
            Options of diff: --json, --tolerance T.

            \(exitStatusHelp)
            """,
        subcommands: [Inspect.self, DiffCommand.self],
        defaultSubcommand: Inspect.self)
}

/// The whole program as a function of its arguments, so tests run it without a subprocess.
enum CLI {
    struct Output {
        var stdout = ""
        var stderr = ""
        var code: Int32 = 0
    }

    /// `seqinspect FILE ...` is `seqinspect inspect FILE ...`: anything that does not start with a subcommand
    /// name or a help flag goes to `inspect` (so `seqinspect FILE --help` shows inspect's options).
    static func routed(_ args: [String]) -> [String] {
        guard let first = args.first, !["inspect", "diff", "help", "-h", "--help"].contains(first) else { return args }
        return ["inspect"] + args
    }

    /// Help for the command asked about: `seqinspect FILE --help` and `seqinspect help inspect` show the
    /// default command's options, `seqinspect diff --help` diff's, anything else the overview.
    static func helpText(_ args: [String]) -> String {
        let topic = args.first == "help" ? args.dropFirst().first : args.first
        if topic == "inspect" { return Inspect.helpMessage() }
        if topic == "diff" { return DiffCommand.helpMessage() }
        return Root.helpMessage()
    }

    static func run(_ args: [String]) -> Output {
        var out = Output()
        let command: ParsableCommand
        let args = routed(args)
        do {
            command = try Root.parseAsRoot(args)
        } catch {
            let code = Root.exitCode(for: error)
            let message = Root.fullMessage(for: error)
            if code == .success {
                out.stdout += message + "\n"
            } else {
                out.stderr += message + "\n"
                out.code = 2
            }
            return out
        }
        do {
            switch command {
            case let c as Inspect: try c.execute(&out)
            case let c as DiffCommand: try c.execute(&out)
            default: out.stdout += helpText(args) + "\n"   // ArgumentParser's help command (--help, help X)
            }
        } catch let e as InspectError {
            out.stderr += "seqinspect: \(e.message)\n"
            out.code = e.exitCode
        } catch let e as SeqNNError {
            out.stderr += "seqinspect: \(e.message)\n"
            out.code = 2
        } catch {
            out.stderr += "seqinspect: \(error)\n"
            out.code = 2
        }
        return out
    }
}

/// A fatal signal (libhdf5 crashes on a few corrupt files, ARCHITECTURE §4) ends the process with a message and
/// status 2 instead of a crash trace. Only async-signal-safe calls here.
func installCrashHandlers() {
    signal(SIGPIPE, SIG_IGN)
    let handler: @convention(c) (Int32) -> Void = { _ in
        let msg = "seqinspect: fatal error while reading the file (corrupt data crashed the HDF5 library or seqinspect); the file cannot be inspected\n"
        _ = msg.withCString { write(2, $0, strlen($0)) }
        _exit(2)
    }
    for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(sig, &action, nil)
    }
}

/// Writes all of `text` to a file descriptor (a closed pipe ends the output quietly).
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

@main
struct SeqInspectMain {
    static func main() {
        installCrashHandlers()
        let out = CLI.run(Array(CommandLine.arguments.dropFirst()))
        writeAll(1, out.stdout)
        writeAll(2, out.stderr)
        exit(out.code)
    }
}
