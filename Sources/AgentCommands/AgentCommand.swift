import ArgumentParser
import Basics
import Etcd
import Fleet
import FleetAgent
import FoundationEssentials
import HostIO
import Logging
import S3
import Transport

/// `edge-box agent`: the fleet agent on a box (edge-fleet-agent.service runs `agent run`).
public struct AgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The fleet agent: follow this box's channel and desired release in etcd (or S3), take releases and site configurations, report back.",
        discussion: """
            Configured by /etc/edge-imagesmith/fleet.json (/usr/share/doc/edge-imagesmith-box/fleet.md, \
            "The device agent"). \
            Exit status: 0 done (once), or stopped (run); 64 usage, or a secret file others can read; \
            65 fleet.json is not valid (the file, line:column and JSON Pointer are named); 69 the \
            store could not be reached or refused the credential (once).
            """,
        version: ToolchainVersion.current,
        subcommands: [Run.self, Once.self]
    )

    public init() {}

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("The agent's configuration.", valueName: "FILE"))
        var config = "/etc/edge-imagesmith/fleet.json"

        func agent(logger: Logger) throws(FleetError) -> DeviceAgent {
            let config = try AgentConfig.load(config)
            let transport = CurlTransport(caFile: config.caFile.map(config.onBox), userAgent: "edge-fleet-agent/\(ToolchainVersion.current)")
            let client: any FleetStore
            if let s3 = config.s3 {
                let location = try S3Location.parse(s3.url, region: s3.region)
                let credentials = S3Credentials(accessKeyID: s3.accessKeyID, secretAccessKey: try Self.secret(config.onBox(s3.secretFile)))
                client = S3FleetStore(client: S3Client(location: location, credentials: credentials, transport: transport, logger: logger))
            } else {
                let endpoints = try EtcdClient.parseEndpoints((config.etcd ?? []).joined(separator: ","))
                var credentials: EtcdClient.Credentials?
                if let user = config.user, let passwordFile = config.passwordFile {
                    credentials = .init(user: user, password: try Self.secret(config.onBox(passwordFile)))
                }
                client = EtcdClient(endpoints: endpoints, transport: transport, credentials: credentials, logger: logger)
            }
            let box = BoxTools(config: config, transport: transport, environment: ProcessInfo.processInfo.environment, clock: SystemClock())
            let agent = DeviceAgent(device: config.device, layout: FleetLayout(root: config.prefix), store: client, box: box, clock: SystemClock(),
                                    schedule: PollSchedule(interval: config.pollIntervalSeconds),
                                    seed: UInt64.random(in: 0...UInt64.max), logger: logger)
            return agent
        }

        static func secret(_ path: String) throws(FleetError) -> String {
            switch SecretFile.read(path) {
            case .secret(let text): return text
            case .problem(let problem): throw .invalidInput("the secret file \(path.printable) \(problem)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Poll for ever (the service).")
        @OptionGroup var options: Options

        func run() async throws {
            let logger = Logger(label: "edge.fleet-agent")
            let agent: DeviceAgent
            do { agent = try options.agent(logger: logger) } catch {
                StandardStreams.error("edge-fleet-agent: \(error.description)\n")
                throw ExitCode(error.exitStatus.rawValue)
            }
            logger.notice("fleet agent started", metadata: ["device": "\(agent.device)"])
            while true {
                let delay = await agent.tick()
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
    }

    struct Once: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Poll once and print what was reported (for a technician, and tests).")
        @OptionGroup var options: Options

        func run() async throws {
            let output = CommandLineOutput()
            do throws(FleetError) {
                let agent = try options.agent(logger: Logger(label: "edge.fleet-agent"))
                _ = await agent.tick()
                if let error = agent.lastError { throw error }
                output.print(agent.lastReport)
            } catch {
                StandardStreams.error("edge-fleet-agent: \(error.description)\n")
                throw ExitCode(error.exitStatus.rawValue)
            }
        }
    }
}

struct CommandLineOutput {
    func print(_ report: DeviceReport?) {
        StandardStreams.output(report.map { CanonicalJSON.text($0) } ?? "{}\n")
    }
}
