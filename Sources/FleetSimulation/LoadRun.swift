import Basics
import Etcd
import Fleet
import FleetAgent
import FleetEngine
import Foundation
import HTTPCore
import Logging

/// Ten thousand agents in real time, each making its own requests on its own schedule, and
/// the rollout engine stepping every second: etcd's memory and request rate at that load,
/// and, with a crash-looping release rolled out mid-run, how long after the canary's first
/// failing report the rollout stops (goal: 5 s) and how long the pin back takes (goal: one
/// poll interval and its jitter).
public final class LoadRun: @unchecked Sendable {
    public struct Options: Sendable {
        public var seconds: Double = 180
        public var pollInterval: Double = 60
        /// When the bad release's rollout starts (s into the run).
        public var rolloutAt: Double = 60
        /// Agent polls in flight at most.
        public var concurrency = 256
        public init() {}
    }

    public struct Report: Sendable, Codable {
        public var boxes: Int
        public var seconds: Double
        public var pollInterval: Double
        public var agentPolls: Int
        public var storeRequestsPerSecond: Double
        public var etcdRequestsPerSecond: Double?
        public var etcdResidentBytesBefore: Int?
        public var etcdResidentBytesAfter: Int?
        public var pollFailures: Int
        public var firstFailingReportAt: Double?
        public var stoppedAt: Double?
        /// Seconds from the canary's first failing report to the rollout stopped.
        public var abortLatency: Double?
        /// Seconds from the stop until every box it reached ran the previous release.
        public var pinBack: Double?
        public var stopReason: String?

        enum CodingKeys: String, CodingKey {
            case boxes, seconds, pollInterval = "poll_interval_s", agentPolls = "agent_polls", storeRequestsPerSecond = "store_requests_per_s"
            case etcdRequestsPerSecond = "etcd_requests_per_s", etcdResidentBytesBefore = "etcd_rss_bytes_before", etcdResidentBytesAfter = "etcd_rss_bytes_after"
            case pollFailures = "poll_failures", firstFailingReportAt = "first_failing_report_at_s", stoppedAt = "stopped_at_s"
            case abortLatency = "abort_latency_s", pinBack = "pin_back_s", stopReason = "stop_reason"
        }
    }

    let client: EtcdClient
    let transport: any HTTPTransport
    let layout = FleetLayout()
    let options: Options
    let boxes: Int
    let seed: UInt64

    public init(client: EtcdClient, transport: any HTTPTransport, boxes: Int, seed: UInt64, options: Options) {
        self.client = client
        self.transport = transport
        self.boxes = boxes
        self.seed = seed
        self.options = options
    }

    /// etcd's own figures from its /metrics: requests handled (every gRPC method, which the
    /// JSON gateway calls) and resident memory.
    func metrics() async -> (requests: Double, resident: Int)? {
        guard let base = client.endpoints.first, let url = URL(string: "metrics", relativeTo: base)?.absoluteURL,
              let response = try? await transport.send(HTTPRequest(method: .get, url: url, timeout: .seconds(5))), response.status == 200 else { return nil }
        var requests = 0.0, resident = 0
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            if parts[0].hasPrefix("grpc_server_handled_total{") { requests += value }
            if parts[0] == "process_resident_memory_bytes" { resident = Int(value) }
        }
        return (requests, resident)
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Report {
        let clock = SystemClock()
        let counting = CountingStore(client)
        // Agents renew their presence leases as on a box (one keepalive a poll).
        let agentsStore = CountingPresenceStore(counting, presence: client)
        var quiet = Logger(label: "edge.fleet-sim")
        quiet.logLevel = .error
        let engine = RolloutEngine(store: counting, layout: layout, clock: clock, logger: quiet)
        let base = FleetVersion("2026.11.1")!, bad = FleetVersion("2026.12.1")!
        let channel = FleetName("stable")!, site = FleetName("site-1")!
        try await engine.publish(ReleaseEntry(version: base, bundleSHA256: String(repeating: "0", count: 64), bundle: "https://releases.example/edge-\(base).tar.gz", signature: nil, publishedAt: 0))
        try await engine.setChannel(channel, stable: base)
        let devices = (0..<boxes).map { FleetName("box-\($0)")! }
        let enrollment = FleetRecordCodec.encode(DeviceEnrollment(site: site, channel: channel))
        for start in stride(from: 0, to: devices.count, by: 100) {
            _ = try await client.commit([], devices[start..<min(start + 100, devices.count)].map { .put(layout.enrollment($0), enrollment) })
        }
        var random = SplitMix64(seed: seed)
        var simulated: [SimulatedBox] = []
        var agents: [DeviceAgent] = []
        var next: [Double] = []
        let started = Date()
        func elapsed() -> Double { Date().timeIntervalSince(started) }
        for device in devices {
            let box = SimulatedBox(release: base, clock: clock, failsOn: [bad])
            let agent = DeviceAgent(device: device, layout: layout, store: agentsStore, box: box, clock: clock,
                                    schedule: PollSchedule(interval: options.pollInterval, jitter: 0.2, backoffBase: 5, backoffCap: 300),
                                    heartbeat: 300, seed: random.next(), logger: quiet)
            agent.follow(channel)
            simulated.append(box)
            agents.append(agent)
            next.append(Double(random.next() % 10_000) / 10_000 * options.pollInterval)
        }
        let before = await metrics()
        let requestsBefore = counting.requests
        var report = Report(boxes: boxes, seconds: options.seconds, pollInterval: options.pollInterval, agentPolls: 0, storeRequestsPerSecond: 0,
                            pollFailures: 0)
        report.etcdResidentBytesBefore = before?.resident
        var rolloutStarted = false
        var reached: [Int] = []
        var nextEngine = 0.0
        let index = Dictionary(uniqueKeysWithValues: devices.enumerated().map { ($1, $0) })
        let id = FleetName("load")!
        log("load: \(boxes) agents polling every \(Int(options.pollInterval)) s (±20 %) for \(Int(options.seconds)) s")
        while elapsed() < options.seconds {
            let now = elapsed()
            if !rolloutStarted, now >= options.rolloutAt {
                rolloutStarted = true
                try await engine.publish(ReleaseEntry(version: bad, bundleSHA256: String(repeating: "1", count: 64), bundle: "https://releases.example/edge-\(bad).tar.gz", signature: nil, publishedAt: 0))
                _ = try await engine.start(RolloutPlan(id: id, channel: channel, from: base, to: bad, createdAt: clock.epochSeconds))
                log("load: rollout of a crash-looping release started at \(String(format: "%.1f", now)) s")
            }
            if rolloutStarted, report.stoppedAt == nil, now >= nextEngine {
                nextEngine = now + 1
                if let view = try? await engine.step(id).view, view.state.phase != .running {
                    report.stoppedAt = elapsed()
                    report.stopReason = view.state.reason
                    reached = view.cohort.devices.prefix(view.tally.reached).compactMap { index[$0] }
                    log("load: rollout \(view.state.phase.rawValue) at \(String(format: "%.1f", report.stoppedAt!)) s: \(view.state.reason ?? "")")
                }
            }
            let due = next.indices.filter { next[$0] <= now }.prefix(options.concurrency)
            if !due.isEmpty {
                let results = await withTaskGroup(of: (Int, Double, Bool).self) { group in
                    for agentIndex in due {
                        let agent = agents[agentIndex]
                        group.addTask { let delay = await agent.tick(); return (agentIndex, delay, agent.lastError == nil) }
                    }
                    var results: [(Int, Double, Bool)] = []
                    for await result in group { results.append(result) }
                    return results
                }
                let done = elapsed()
                for (agentIndex, delay, ok) in results {
                    next[agentIndex] = done + delay
                    report.agentPolls += 1
                    if !ok { report.pollFailures += 1 }
                    if report.firstFailingReportAt == nil, simulated[agentIndex].isFailing { report.firstFailingReportAt = done }
                }
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
            if let stoppedAt = report.stoppedAt, report.pinBack == nil, reached.allSatisfy({ simulated[$0].running == base }) {
                report.pinBack = elapsed() - stoppedAt
                log("load: every box the rollout reached runs \(base) again, \(String(format: "%.1f", report.pinBack!)) s after the stop")
            }
        }
        let total = elapsed()
        let after = await metrics()
        report.seconds = total
        report.storeRequestsPerSecond = Double(counting.requests - requestsBefore) / total
        if let before, let after { report.etcdRequestsPerSecond = (after.requests - before.requests) / total }
        report.etcdResidentBytesAfter = after?.resident
        if let first = report.firstFailingReportAt, let stopped = report.stoppedAt { report.abortLatency = stopped - first }
        return report
    }
}

extension SystemClock {
    var epochSeconds: Int64 { Int64(now().timeIntervalSince1970.rounded(.down)) }
}
