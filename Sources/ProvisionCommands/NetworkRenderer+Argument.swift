import ArgumentParser
import BoxConfig

/// `--network-renderer netplan|networkd`: parsed, and listed in `--help`, by ArgumentParser.
extension BoxConfigurator.NetworkRenderer: ExpressibleByArgument {}
