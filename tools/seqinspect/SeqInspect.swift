import ArgumentParser

/// Placeholder until the inspector lands (issue 4): prints the file name.
@main
struct SeqInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seqinspect", abstract: "Shows what is inside a Keras or SeqNN model file.")
    @Argument(help: "The model file (.h5).") var file: String
    func run() throws { print(file) }
}
