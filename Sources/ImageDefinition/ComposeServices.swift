import Basics
import Yams

/// The services of a definition's compose file, with where each is named, and the rule that
/// ties them to the definition's containers.
///
/// **Containers map to compose services by name.** A container's `name` is the compose
/// service it runs as (the lock, the override, the health checks and `rollback` all use that
/// one name). Every service of the compose file must be a container of the definition (so the
/// override pins it, or the definition says `pin: false` for it), and every container must be
/// a service of the compose file: otherwise the override would add a second, unconfigured
/// service under the container's name while the compose file's own service ran on its tag.
public struct ComposeServices: Sendable, Equatable {
    public struct Service: Sendable, Equatable {
        public var name: String
        /// Where the service's key is in the compose file.
        public var position: SourcePosition
        /// The service's `image:` as written (nil when it has none, e.g. `build:` only).
        public var image: String?
    }

    public var file: String
    public var services: [Service]

    /// The most a compose file may be (it is read whole).
    public static let maximumBytes = 1 << 20

    /// Reads the services of a compose file: a mapping with a `services` mapping whose keys are
    /// the service names. Only the names and images are read; the rest is Compose's to judge.
    public static func read(_ text: String, file: String) throws(DefinitionError) -> ComposeServices {
        let reader = YAMLReader(file: file)
        guard text.utf8.count <= maximumBytes else {
            throw DefinitionError(issues: [PositionedIssue(file: file, position: .start, pointer: "", message: "the compose file is \(text.utf8.count) bytes; at most \(maximumBytes) are read")])
        }
        guard let root = reader.root(text) else { throw DefinitionError(issues: reader.issues) }
        var services: [Service] = []
        if case .mapping(let members) = root.shape {
            if let entry = members.first(where: { $0.key == "services" }) {
                if let items = entry.value.members(expected: "services") {
                    for item in items {
                        var image: String?
                        if case .mapping(let fields) = item.node.shape, let node = fields.first(where: { $0.key == "image" })?.value,
                           case .scalar(let text, _) = node.shape {
                            image = text
                        }
                        services.append(Service(name: item.key, position: item.keyPosition, image: image))
                    }
                }
            } else {
                root.issue("no 'services' mapping: a compose file names its services under 'services'")
            }
        } else {
            root.issue("expected a mapping with 'services'")
        }
        if !reader.issues.isEmpty { throw DefinitionError(issues: reader.issues) }
        return ComposeServices(file: file, services: services)
    }

    /// What leaves a service unpinned, or adds one the compose file does not configure: each
    /// service that is not a container of the definition (at the service, in the compose
    /// file), and each container that is not a service (at its name, in the definition), with
    /// the names on the other side that match nothing.
    public func mismatches(with definition: ImageDefinition, definitionFile: String) -> [PositionedIssue] {
        let containerNames = Set(definition.containers.map(\.name))
        let serviceNames = Set(services.map(\.name))
        let strayServices = services.filter { !containerNames.contains($0.name) }
        let strayContainers = definition.containers.enumerated().filter { !serviceNames.contains($0.element.name) }
        var issues: [PositionedIssue] = []
        let containersWithoutService = strayContainers.map { "'\($0.element.name)' (\(definitionFile.printable):\($0.element.namePosition))" }
        for service in strayServices {
            let image = service.image.map { "its image '\($0.printableText(limit: 120))'" } ?? "an image nobody pinned"
            var message = "service '\(service.name.printable)' is not a container of the image definition \(definitionFile.printable), so it would run \(image) from its tag, unpinned; containers map to compose services by name"
            if !containersWithoutService.isEmpty {
                message += "; the definition's container\(containersWithoutService.count == 1 ? "" : "s") with no service: \(containersWithoutService.joined(separator: ", "))"
            }
            message += ". Name a container '\(service.name.printable)' (with pin: false if it is meant to stay on its tag)"
            issues.append(PositionedIssue(file: file, position: service.position, pointer: JSONPointer.appending("/services", key: service.name), message: message))
        }
        let servicesWithoutContainer = strayServices.map { "'\($0.name.printable)' (\(file.printable):\($0.position))" }
        for (index, container) in strayContainers {
            var message = "container '\(container.name)' is not a service of the compose file \(file.printable), whose services are \(services.map { "'\($0.name.printable)'" }.joined(separator: ", ").nonEmpty ?? "none"); containers map to compose services by name, and the pinned override would add a second, unconfigured service '\(container.name)'"
            if !servicesWithoutContainer.isEmpty {
                message += "; the compose file's service\(servicesWithoutContainer.count == 1 ? "" : "s") with no container: \(servicesWithoutContainer.joined(separator: ", "))"
            }
            issues.append(PositionedIssue(file: definitionFile, position: container.namePosition, pointer: "/containers/\(index)/name", message: message))
        }
        return issues
    }
}
