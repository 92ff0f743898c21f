import ArgumentParser
import Basics
import Fleet
import Foundation
import Hashing

/// `imagesmith fleet`: the fleet store (etcd, or an S3 bucket): releases, channels, devices, rollouts.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Publish releases, move channels, enroll devices and run rollouts in the fleet store (etcd; or S3, without rollouts).",
        discussion: """
            The layout, the rollout states and what stops a rollout are in docs/fleet.md. \
            Exit status: 0 done, 1 refused by a rule (a rollout not running, a release not \
            published), 64 usage, 65 a record in the store that is not valid, 69 the store \
            unreachable or refusing the credential, 75 a record changed meanwhile (try again).
            """,
        subcommands: [FleetPublishCommand.self, FleetChannelCommand.self, FleetEnrollCommand.self, FleetRegistryLoginCommand.self, FleetConfigCommand.self, FleetDevicesCommand.self, FleetRolloutCommand.self]
    )
}

struct FleetPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a release bundle (immutable: the same version cannot be published with other content)."
    )

    @OptionGroup var store: FleetOptions

    @Argument(help: ArgumentHelp("The release bundle (its sha256 pins it).", valueName: "BUNDLE"))
    var bundle: String

    @Option(help: ArgumentHelp("The release version, YYYY.MM.N.", valueName: "VERSION"))
    var version: String

    @Option(help: ArgumentHelp("Where devices fetch the bundle: an https URL, or an absolute path on a shared mount; it ends in <name>-<version>.tar.gz. Publishing the same bundle again with --url adds a location to a release published without one.", valueName: "LOCATION"))
    var url: String?

    @Flag(help: "Accept an http:// location (a lab; boxes fetch it only with \"allow_plain_http\": true in their fleet.json).")
    var allowPlainHTTP = false

    @Option(help: ArgumentHelp("The bundle's signature envelope (BUNDLE.sig from imagesmith sign).", valueName: "FILE"))
    var signature: String?

    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            let version = try FleetVersion.parse(version, as: "--version")
            guard let url else {
                throw .invalidInput("--url is required: where boxes fetch the bundle (an https URL, or an absolute path on a shared mount); a release no box can fetch is not published")
            }
            _ = try BundleLocation.parse(url, version: version, allowPlainHTTP: allowPlainHTTP)
            guard let digest = try? Hash.fileHex(at: bundle) else { throw .invalidInput("\(bundle.printable) cannot be read") }
            var envelope: String?
            if let signature {
                guard let data = FileManager.default.contents(atPath: signature), data.count <= 1 << 20 else {
                    throw .invalidInput("--signature \(signature.printable) cannot be read (or is over 1 MiB)")
                }
                envelope = data.base64EncodedString()
            }
            let entry = ReleaseEntry(version: version, bundleSHA256: digest, bundle: url, signature: envelope,
                                     publishedAt: Int64(Date().timeIntervalSince1970.rounded(.down)))
            try await store.engine().publish(entry, allowPlainHTTP: allowPlainHTTP)
            return (["release \(version) published: sha256:\(digest)\(envelope == nil ? " (unsigned)" : " (signed)")"], entry)
        }
    }
}

struct FleetChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Create a channel at a release, or move it by hand when no rollout runs on it."
    )

    @OptionGroup var store: FleetOptions

    @Argument(help: ArgumentHelp("The channel.", valueName: "CHANNEL"))
    var channel: String

    @Argument(help: ArgumentHelp("A published release.", valueName: "VERSION"))
    var release: String

    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            let name = try FleetName.parse(channel, as: "channel")
            let version = try FleetVersion.parse(release, as: "release")
            try await store.engine().setChannel(name, stable: version)
            return (["channel \(name) is at \(version)"], ChannelRecord(stable: version))
        }
    }
}

struct FleetEnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll a device: its site, channel and update policy; with --device-password-file, its own etcd user and role.",
        discussion: """
            The device's user (device-NAME) may read the releases, channels and rollouts, its \
            site's keys and its own, and write only its status and presence. Policies: \
            immediate, manual, or window:HH:MM+MINUTES@ZONE in the site's IANA time zone, \
            read from the box's zoneinfo so it follows daylight-saving changes (e.g. \
            window:02:00+120@Europe/Paris is 02:00-04:00 in Paris all year); a fixed offset \
            from UTC in minutes (window:02:00+120@60) is taken too, and drifts an hour at each change.
            """
    )

    @OptionGroup var store: FleetOptions

    @Argument(help: ArgumentHelp("The device.", valueName: "DEVICE"))
    var device: String

    @Option(help: ArgumentHelp("Its site.", valueName: "SITE"))
    var site: String

    @Option(help: ArgumentHelp("Its release channel.", valueName: "CHANNEL"))
    var channel: String

    @Option(help: ArgumentHelp("When it takes a new release: immediate, manual or window:HH:MM+MINUTES@ZONE (Europe/Paris; or minutes east of UTC).", valueName: "POLICY"))
    var policy: String = "immediate"

    @Option(help: ArgumentHelp("Make the device's etcd user with the password in this file (owner-only).", valueName: "FILE"))
    var devicePasswordFile: String?

    static func parsePolicy(_ text: String) throws(FleetError) -> UpdatePolicy {
        switch text {
        case "immediate": return .immediate
        case "manual": return .manual
        default:
            let invalid = FleetError.invalidInput("--policy '\(text.printable)' must be immediate, manual or window:HH:MM+MINUTES@ZONE (an IANA time zone such as Europe/Paris, or a fixed offset from UTC in minutes)")
            guard text.hasPrefix("window:"), let at = text.firstIndex(of: "@") else { throw invalid }
            let times = text[text.index(text.startIndex, offsetBy: 7)..<at].split(separator: "+").map(String.init)
            let clock = times.first?.split(separator: ":").map(String.init) ?? []
            let zoneText = String(text[text.index(after: at)...])
            func twoDigits(_ part: String) -> Int? { part.count == 2 && part.allSatisfy(\.isASCIIDigit) ? Int(part) : nil }
            guard times.count == 2, clock.count == 2, let hour = twoDigits(clock[0]), let minute = twoDigits(clock[1]),
                  (0..<24).contains(hour), (0..<60).contains(minute), let minutes = Int(asciiDecimal: times[1]), (1...1440).contains(minutes) else { throw invalid }
            let zone: UpdatePolicy.WindowZone
            if let offset = Int(asciiDecimal: zoneText) {
                guard (-720...840).contains(offset) else { throw invalid }
                zone = .fixed(utcOffsetMinutes: offset)
            } else {
                guard ZoneRules.isZoneName(zoneText), TimeZone(identifier: zoneText) != nil else {
                    throw .invalidInput("--policy: '\(zoneText.printable)' is not an IANA time zone (such as Europe/Paris or America/New_York)")
                }
                zone = .named(zoneText)
            }
            return .window(start: hour * 60 + minute, minutes: minutes, zone: zone)
        }
    }

    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            let device = try FleetName.parse(device, as: "device")
            let enrollment = DeviceEnrollment(site: try FleetName.parse(site, as: "site"), channel: try FleetName.parse(channel, as: "channel"),
                                              policy: try Self.parsePolicy(policy))
            let password = try devicePasswordFile.map { path throws(FleetError) in try FleetOptions.readSecret(path) }
            if password != nil, store.s3 != nil {
                throw .invalidInput("--device-password-file makes an etcd user; with --s3, give the box an access key whose policy names its own objects (docs/fleet.md)")
            }
            let engine = try store.engine()
            try await engine.enroll(device, enrollment)
            var lines = ["device \(device) enrolled: site \(enrollment.site), channel \(enrollment.channel)"]
            if case .window(_, _, .fixed) = enrollment.policy {
                lines.append("  note: a window at a fixed offset from UTC drifts an hour at each daylight-saving change; give the site's time zone (window:HH:MM+MINUTES@Europe/Paris) to follow it")
            }
            if let password {
                let client = try store.client()
                try await client.addDevice(device, site: enrollment.site, password: password, layout: store.layout)
                lines.append("  etcd user device-\(device) made; it reads its own and the shared keys and writes only its status")
            }
            return (lines, enrollment)
        }
    }
}

struct FleetDevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Every device: its site and channel, what it runs and reports, and whether it is online (its presence lease, on etcd)."
    )

    @OptionGroup var store: FleetOptions

    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            let devices = try await store.engine().devices()
            let now = Int64(Date().timeIntervalSince1970.rounded(.down))
            var lines: [String] = []
            for device in devices {
                var parts = [device.device.text]
                parts.append(device.enrollment.map { "site \($0.site), channel \($0.channel)" } ?? "not enrolled")
                if let report = device.report {
                    parts.append("runs \(report.release) (\(report.health.rawValue), reported \(max(0, now - report.reportedAt)) s ago)")
                    if let waiting = report.waiting { parts.append("waiting: \(waiting)") }
                } else {
                    parts.append("no report")
                }
                if let desired = device.desired { parts.append("desired \(desired.release)\(desired.pinned ? " (pinned)" : "")") }
                if device.presenceKnown { parts.append(device.onlineSince.map { "online since \(FleetCommandSupport.time($0))" } ?? "offline") }
                for problem in device.problems { parts.append("problem: \(problem)") }
                lines.append(parts.joined(separator: "; "))
            }
            let online = devices.filter { $0.onlineSince != nil }.count
            let known = devices.first?.presenceKnown ?? false
            lines.append("\(devices.count) device\(devices.count == 1 ? "" : "s")" + (known ? ", \(online) online" : ""))
            return (lines, devices)
        }
    }
}

struct FleetRegistryLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry-login",
        abstract: "Give a device its own login to a registry (readable by that device alone); its agent pulls release images with it."
    )

    @OptionGroup var store: FleetOptions
    @Argument(help: ArgumentHelp("The device.", valueName: "DEVICE")) var device: String
    @Option(help: ArgumentHelp("The registry, host or host:port.", valueName: "HOST")) var registry: String
    @Option(help: ArgumentHelp("The user name at the registry.", valueName: "NAME")) var username: String
    @Option(help: ArgumentHelp("A file holding the password or token; readable by its owner only.", valueName: "FILE")) var registryPasswordFile: String

    func run() async throws {
        try await FleetCommandSupport.run(json: store.json) { () async throws(FleetError) in
            let device = try FleetName.parse(device, as: "device")
            let password = try FleetOptions.readSecret(registryPasswordFile, option: "--registry-password-file")
            try await store.engine().setRegistryLogin(device, RegistryLogins.Login(registry: registry, username: username, password: password))
            return (["device \(device) has its own login to \(registry.printable)"], ["device": device.text, "registry": registry])
        }
    }
}
