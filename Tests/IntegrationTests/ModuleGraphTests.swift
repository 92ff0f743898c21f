import Foundation
import Testing

/// The module graph as Package.swift declares it against the graph the sources import: every
/// project module or package product a target imports is declared, and every declared one is
/// imported (executables named as test dependencies are there to be built, not imported).
/// Read from the files as text: `swift package dump-package` would wait for the build lock
/// this test run holds.
@Suite struct ModuleGraphTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    struct Target {
        var name: String
        var kind: String
        var directory: String
        var dependencies: Set<String>
    }

    static let products = ["ArgumentParser", "Logging", "Yams"]

    static func targets() throws -> [Target] {
        let manifest = try String(contentsOf: repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        var result: [Target] = []
        let scanner = manifest as NSString
        let pattern = try NSRegularExpression(pattern: #"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        for match in pattern.matches(in: manifest, range: NSRange(location: 0, length: scanner.length)) {
            let kind = scanner.substring(with: match.range(at: 1)), name = scanner.substring(with: match.range(at: 2))
            // The call's text, up to its closing parenthesis.
            var depth = 0, end = match.range.location
            for (offset, character) in manifest.utf16.dropFirst(match.range.location).enumerated() {
                if character == UInt16(UInt8(ascii: "(")) { depth += 1 }
                if character == UInt16(UInt8(ascii: ")")) { depth -= 1; if depth == 0 { end = match.range.location + offset; break } }
            }
            let call = scanner.substring(with: NSRange(location: match.range.location, length: end - match.range.location + 1))
            var dependencies = Set<String>()
            if let open = call.range(of: "dependencies: [") {
                var list = call[open.upperBound...]
                if let close = list.firstIndex(of: "]") { list = list[..<close] }
                // A product's package is not a module.
                let products = try NSRegularExpression(pattern: #"package:\s*"[^"]+""#)
                list = Substring(products.stringByReplacingMatches(in: String(list), range: NSRange(location: 0, length: (String(list) as NSString).length), withTemplate: ""))
                let quoted = try NSRegularExpression(pattern: #"\.product\(name:\s*"([^"]+)"|"([^"]+)""#)
                let text = String(list) as NSString
                for item in quoted.matches(in: String(list), range: NSRange(location: 0, length: text.length)) {
                    if item.range(at: 1).location != NSNotFound { dependencies.insert(text.substring(with: item.range(at: 1))) }
                    else if item.range(at: 2).location != NSNotFound { dependencies.insert(text.substring(with: item.range(at: 2))) }
                }
            }
            var directory = (kind == "testTarget" ? "Tests/" : "Sources/") + name
            if let path = call.range(of: #"path: ""#) {
                directory = String(call[path.upperBound...].prefix { $0 != "\"" })
            }
            result.append(Target(name: name, kind: kind, directory: directory, dependencies: dependencies))
        }
        return result
    }

    static func imports(in directory: String) throws -> Set<String> {
        let root = repository.appendingPathComponent(directory)
        guard let files = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var modules = Set<String>()
        for case let file as String in files where file.hasSuffix(".swift") && !file.hasPrefix("Fixtures/") {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                var words = line.split(separator: " ").map(String.init)
                while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
                if words.count >= 2, words[0] == "import" { modules.insert(words[1]) }
            }
        }
        return modules
    }

    @Test func declaredDependenciesAreTheImportedOnes() throws {
        let targets = try Self.targets()
        #expect(targets.count > 30, "read the targets of Package.swift: \(targets.map(\.name))")
        let names = Set(targets.map(\.name)), executables = Set(targets.filter { $0.kind == "executableTarget" }.map(\.name))
        let known = names.union(Self.products)
        for target in targets {
            let imported = try Self.imports(in: target.directory).intersection(known).subtracting([target.name])
            let undeclared = imported.subtracting(target.dependencies)
            let unused = target.dependencies.subtracting(imported).subtracting(executables)
            #expect(undeclared.isEmpty, "\(target.name) imports \(undeclared.sorted()) without declaring them")
            #expect(unused.isEmpty, "\(target.name) declares \(unused.sorted()) and never imports them")
        }
    }

    @Test func theBoxToolsDependOnNoRegistryClientTransportOrYAML() throws {
        // Followed through the declared graph (the binary's symbols are RollbackTests').
        let targets = Dictionary(uniqueKeysWithValues: try Self.targets().map { ($0.name, $0) })
        func closure(_ name: String) -> Set<String> {
            var seen = Set<String>(), queue = [name]
            while let next = queue.popLast() {
                for dependency in targets[next]?.dependencies ?? [] where seen.insert(dependency).inserted { queue.append(dependency) }
            }
            return seen
        }
        let rollback = closure("rollback")
        #expect(rollback.contains("RollbackCommands"))
        for forbidden in ["RegistryClient", "Transport", "CCurl", "HTTPCore", "Yams", "ImageDefinition", "ManifestCache", "Credentials"] {
            #expect(!rollback.contains(forbidden), "rollback depends on \(forbidden)")
        }
        // Engines hold rules over seams: no command-line parsing, no libcurl, no printing
        // through a command library. The world is wired in by the command modules.
        for engine in ["RollbackEngine", "Provisioning", "ImageBuild"] {
            let reach = closure(engine)
            for forbidden in ["ArgumentParser", "Transport", "CCurl", "RollbackCommands", "ProvisionCommands", "ImagesmithCommands"] {
                #expect(!reach.contains(forbidden), "\(engine) depends on \(forbidden)")
            }
        }
        #expect(closure("RollbackCommands").contains("RollbackEngine") && closure("ProvisionCommands").contains("Provisioning"))
        // The build's engine decides pins without the registry client: it gets `Resolution`s.
        #expect(!closure("ImageBuild").contains("RegistryClient") && closure("ImagesmithCommands").contains("ImageBuild"))
        let box = closure("edge-box")
        for forbidden in ["RegistryClient", "Yams", "ImageDefinition", "ManifestCache", "Credentials"] {
            #expect(!box.contains(forbidden), "the box package's binary depends on \(forbidden)")
        }
    }
}
