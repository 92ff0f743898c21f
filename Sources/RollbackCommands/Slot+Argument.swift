import ArgumentParser
import Release

/// `--os-slot A|B`: parsed by the argument parser, so `--help` and the completions list the
/// slots and a wrong one is a usage error that names them.
extension Slot: ExpressibleByArgument {}
