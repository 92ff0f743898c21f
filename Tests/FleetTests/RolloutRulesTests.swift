import Basics
import Fleet
import Foundation
import Testing

@Suite("The rollout rules, pure")
struct RolloutRulesTests {
    let start: Int64 = 1_796_000_000

    @Test("the canary is chosen deterministically, differs between rollouts, and a stage reaches a prefix")
    func cohortOrder() {
        let devices = Plans.devices(200)
        let a = RolloutCohort.order(rollout: name("r1"), devices: devices)
        let again = RolloutCohort.order(rollout: name("r1"), devices: devices.reversed())
        let other = RolloutCohort.order(rollout: name("r2"), devices: devices)
        #expect(a == again)
        #expect(Set(a.devices) == Set(devices))
        #expect(a.devices.prefix(5) != other.devices.prefix(5))
        let plan = Plans.plan()
        #expect((0...3).map { plan.reach(stage: $0, population: 10_000) } == [5, 100, 1_000, 10_000])
        #expect((0...3).map { plan.reach(stage: $0, population: 3) } == [3, 3, 3, 3])
        #expect((0...3).map { plan.reach(stage: $0, population: 250) } == [5, 5, 25, 250])
    }

    @Test("plans that cannot work are refused", arguments: [
        ([1, 10], "last wave must be 100"),
        ([10, 5, 100], "must rise"),
        ([Int](), "1-20 waves"),
    ])
    func badPlans(waves: [Int], problem: String) {
        #expect(Plans.plan(waves: waves).problem?.contains(problem) == true)
        #expect(Plans.plan(canary: 0).problem?.contains("canary.size") == true)
    }

    func run(_ plan: RolloutPlan, population: Int, state: RolloutState, reports: [FleetName: DeviceReport], at now: Int64) -> RolloutState? {
        let (observations, clock) = Plans.observe(reports)
        return RolloutRules.evaluate(plan: plan, cohort: RolloutCohort.order(rollout: plan.id, devices: Plans.devices(population)), state: state,
                                     observations: observations, clock: clock, now: now)
    }

    func healthy(_ devices: some Sequence<FleetName>, at time: Int64) -> [FleetName: DeviceReport] {
        Dictionary(uniqueKeysWithValues: devices.map { ($0, Plans.report("2026.12.1", .ok, at: time)) })
    }

    @Test("a healthy canary is promoted only after its soak, to the first wave")
    func canaryPromotion() throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(1_000))
        let state = RolloutState.started(at: start)
        let canary = cohort.devices.prefix(5)
        #expect(run(plan, population: 1_000, state: state, reports: healthy(canary, at: start + 60), at: start + 3_600) == nil)
        let next = try #require(run(plan, population: 1_000, state: state, reports: healthy(canary, at: start + 86_000), at: start + 86_400))
        #expect(next.phase == .running && next.stage == 1 && next.stageStartedAt == [start, start + 86_400])
        #expect(next.history.last?.to == "wave 1")
    }

    @Test("one failing canary stops the rollout and pins the canary back")
    func canaryFailure() throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(1_000))
        var reports = healthy(cohort.devices.prefix(5), at: start + 60)
        reports[cohort.devices[2]] = Plans.report("2026.12.1", .failing, at: start + 120)
        let next = try #require(run(plan, population: 1_000, state: .started(at: start), reports: reports, at: start + 130))
        #expect(next.phase == .aborted)
        #expect(next.reason?.contains("canary device \(cohort.devices[2])") == true)
        #expect(RolloutRules.desired(rank: 2, plan: plan, state: next, population: 1_000) == DeviceDesired(release: plan.from, rollout: plan.id, pinned: true, reason: next.reason))
        #expect(RolloutRules.desired(rank: 5, plan: plan, state: next, population: 1_000) == nil)
        let channel = RolloutRules.channel(plan: plan, state: next, now: start + 130)
        #expect(channel.stable == plan.from && channel.candidate == nil && channel.lastAbort?.release == plan.to)
    }

    @Test("a box that went back by itself counts as failed")
    func selfRollback() throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(10))
        var reports = healthy(cohort.devices.prefix(5), at: start + 60)
        reports[cohort.devices[0]] = Plans.report("2026.11.1", .ok, at: start + 300,
                                                  rollback: .init(from: plan.to, to: plan.from, reason: "dashboard probe failed", at: start + 290))
        let next = try #require(run(plan, population: 10, state: .started(at: start), reports: reports, at: start + 301))
        #expect(next.phase == .aborted && next.reason?.contains("dashboard probe failed") == true)
    }

    @Test("a silent canary pauses the rollout at the deadline; with silence=fail it stops it")
    func silentCanary() throws {
        let cohort = RolloutCohort.order(rollout: name("r1"), devices: Plans.devices(100))
        let reports = healthy(cohort.devices.prefix(4), at: start + 60)
        #expect(run(Plans.plan(), population: 100, state: .started(at: start), reports: reports, at: start + 7_199) == nil)
        let paused = try #require(run(Plans.plan(), population: 100, state: .started(at: start), reports: reports, at: start + 7_200))
        #expect(paused.phase == .paused && paused.reason?.contains("inconclusive") == true)
        #expect(run(Plans.plan(), population: 100, state: paused, reports: reports, at: start + 90_000) == nil)
        let failed = try #require(run(Plans.plan(silence: .fail), population: 100, state: .started(at: start), reports: reports, at: start + 7_200))
        #expect(failed.phase == .aborted)
        let resumed = try RolloutRules.resume(paused, at: start + 8_000, reason: "box replaced")
        #expect(resumed.phase == .running && resumed.stageStartedAt == [start + 8_000])
    }

    @Test("a healthy report gone stale at the soak's end is silence, not success")
    func staleCanary() throws {
        let cohort = RolloutCohort.order(rollout: name("r1"), devices: Plans.devices(100))
        var reports = healthy(cohort.devices.prefix(5), at: start + 86_000)
        reports[cohort.devices[3]] = Plans.report("2026.12.1", .ok, at: start + 600)
        let next = try #require(run(Plans.plan(), population: 100, state: .started(at: start), reports: reports, at: start + 86_400))
        #expect(next.phase == .paused && next.reason?.contains(cohort.devices[3].text) == true)
    }

    @Test("a wave stops on an absolute count while the sample is small, and on a share after", arguments: [
        // reached in wave 1 of 10,000 = 100; healthy, failed -> aborted?
        (90, 1, false), (90, 3, true), (40, 1, false), (40, 2, true), (93, 2, false),
    ])
    func waveCriteria(healthyCount: Int, failedCount: Int, aborts: Bool) throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(10_000))
        let state = RolloutState(phase: .running, stage: 1, stageStartedAt: [start, start + 86_400])
        let now = start + 86_400 + 600
        var reports = healthy(cohort.devices.prefix(5 + healthyCount), at: now - 10)
        for device in cohort.devices[(5 + healthyCount)..<(5 + healthyCount + failedCount)] {
            reports[device] = Plans.report("2026.12.1", .failing, at: now - 10)
        }
        let next = run(plan, population: 10_000, state: state, reports: reports, at: now)
        #expect((next?.phase == .aborted) == aborts, "healthy \(healthyCount) failed \(failedCount): \(String(describing: next?.reason))")
    }

    @Test("the last wave completes the rollout and the channel moves to the new release")
    func completion() throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(30))
        let state = RolloutState(phase: .running, stage: 3, stageStartedAt: [start, start + 1, start + 2, start + 3])
        let done = try #require(run(plan, population: 30, state: state, reports: healthy(cohort.devices, at: start + 4_000), at: start + 4_000))
        #expect(done.phase == .completed)
        #expect(RolloutRules.channel(plan: plan, state: done, now: start) == ChannelRecord(stable: plan.to))
        #expect(RolloutRules.desired(rank: 0, plan: plan, state: done, population: 30) == nil)
    }

    @Test("update policies: immediate, manual, and a window in the site's time zone")
    func policies() throws {
        // 02:00-04:00 local at UTC+2 is 00:00-02:00 UTC; the test counts from that day's UTC midnight.
        let window = UpdatePolicy.window(start: 120, minutes: 120, zone: .fixed(utcOffsetMinutes: 120))
        let midnightUTC: Int64 = 1_796_000_000 - (1_796_000_000 % 86_400)
        #expect(window.allows(at: midnightUTC + 60) == true)
        #expect(window.allows(at: midnightUTC + 7_200) == false)
        #expect(UpdatePolicy.window(start: 1_380, minutes: 120, zone: .fixed(utcOffsetMinutes: 0)).allows(at: midnightUTC + 1_800) == true)
        #expect(UpdatePolicy.immediate.allows(at: 0) == true && UpdatePolicy.manual.allows(at: 0) == false)
        // A zone the box does not have: not known, so no update.
        #expect(UpdatePolicy.window(start: 120, minutes: 120, zone: .named("Europe/Paris")).allows(at: 0) == nil)
    }

    /// Across both of Paris's 2026 changes, minute by minute: the window is 02:00-04:00 on the
    /// wall clock. The day summer time starts it is one hour (02:00-02:59 does not exist), the
    /// day it ends three (02:00-02:59 happens twice); every other day two, at other UTC hours.
    @Test func aWindowInAZoneFollowsDaylightSaving() throws {
        let paris = try ZoneRules.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Europe/Paris"))))
        let window = UpdatePolicy.window(start: 120, minutes: 120, zone: .named("Europe/Paris"))
        func openMinutes(dayStartingUTC day: Int64) -> (count: Int, first: Int64?) {
            var count = 0
            var first: Int64?
            for minute in stride(from: day, to: day + 86_400, by: 60) where window.allows(at: minute, rules: { $0 == "Europe/Paris" ? paris : nil }) == true {
                count += 1
                first = first ?? minute
            }
            return (count, first)
        }
        let day: Int64 = 86_400
        let march28: Int64 = 1_774_656_000, march29 = march28 + day, march30 = march29 + day
        let october24: Int64 = 1_792_800_000, october25 = october24 + day, october26 = october25 + day
        #expect(openMinutes(dayStartingUTC: march28) == (120, march28 + 3_600))      // 01:00 UTC = 02:00 CET
        #expect(openMinutes(dayStartingUTC: march29) == (60, march29 + 3_600))       // 01:00 UTC = 03:00 CEST
        #expect(openMinutes(dayStartingUTC: march30) == (120, march30))              // 00:00 UTC = 02:00 CEST
        #expect(openMinutes(dayStartingUTC: october24) == (120, october24))          // 00:00 UTC = 02:00 CEST
        #expect(openMinutes(dayStartingUTC: october25) == (180, october25))          // 02:00 CEST, CET again, 03:00 CET
        #expect(openMinutes(dayStartingUTC: october26) == (120, october26 + 3_600))  // 01:00 UTC = 02:00 CET
        // A fixed offset of +60 is right in winter and an hour off in summer.
        let fixed = UpdatePolicy.window(start: 120, minutes: 120, zone: .fixed(utcOffsetMinutes: 60))
        #expect(fixed.allows(at: march30 + 1_800) == false && window.allows(at: march30 + 1_800, rules: { _ in paris }) == true)
    }

    @Test("records read back from the store are checked", arguments: [
        ("/edge/v1/releases/x", #"{"version":"2026.12.1","bundle_sha256":"ABC","published_at":1}"#, "/bundle_sha256"),
        ("/edge/v1/rollouts/r/state", #"{"phase":"running","stage":2,"stage_started_at":[1],"history":[]}"#, "stage 2"),
        ("/edge/v1/channels/c", #"{"stable":"2026.1.1"}"#, "/stable"),
        ("/edge/v1/devices/a/enrollment", #"{"site":"Site!","channel":"c","policy":{"mode":"immediate"}}"#, "/site"),
        ("/edge/v1/devices/a/enrollment", #"{"site":"s","channel":"c","policy":{"mode":"window","start":1500,"minutes":5,"utc_offset_minutes":0}}"#, "/policy/start"),
        ("/edge/v1/devices/a/enrollment", #"{"site":"s","channel":"c","policy":{"mode":"window","start":60,"minutes":5,"zone":"../../etc/passwd"}}"#, "/policy/zone"),
        ("/edge/v1/devices/a/enrollment", #"{"site":"s","channel":"c","policy":{"mode":"window","start":60,"minutes":5,"zone":"Europe/Paris","utc_offset_minutes":60}}"#, "exactly one of zone"),
        ("/edge/v1/devices/a/enrollment", #"{"site":"s","channel":"c","policy":{"mode":"window","start":60,"minutes":5}}"#, "exactly one of zone"),
    ])
    func hostileRecords(key: String, json: String, mention: String) {
        let bytes = Array(json.utf8)
        do throws(FleetError) {
            switch key.split(separator: "/")[2] {
            case "releases": _ = try FleetRecordCodec.decode(ReleaseEntry.self, from: bytes, key: key)
            case "rollouts": _ = try FleetRecordCodec.decode(RolloutState.self, from: bytes, key: key)
            case "channels": _ = try FleetRecordCodec.decode(ChannelRecord.self, from: bytes, key: key)
            default: _ = try FleetRecordCodec.decode(DeviceEnrollment.self, from: bytes, key: key)
            }
            Issue.record("\(key) was accepted")
        } catch {
            #expect(error.description.contains(key) && error.description.contains(mention), "\(error)")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test("polls spread by jitter after a good read, back off exponentially with full jitter after failures")
    func pollSchedule() {
        let schedule = PollSchedule(interval: 60, jitter: 0.2, backoffBase: 5, backoffCap: 900)
        #expect(abs(schedule.delay(afterFailures: 0, unit: 0) - 48) < 1e-9 && abs(schedule.delay(afterFailures: 0, unit: 1) - 72) < 1e-9)
        #expect(schedule.delay(afterFailures: 1, unit: 1) == 5 && schedule.delay(afterFailures: 4, unit: 1) == 40)
        #expect(schedule.delay(afterFailures: 30, unit: 1) == 900 && schedule.delay(afterFailures: 30, unit: 0) == 1)
        #expect(schedule.delay(afterFailures: 8, unit: 0.5) == 320)
    }

    @Test("a config rollout judges the config a box applied or refused, not its release")
    func configOutcomes() {
        var plan = Plans.plan()
        plan.kind = .config
        let targeted: Int64 = 1_000
        let clock = RevisionClock(marks: [.init(revision: 5, at: 1_090)])
        func outcome(_ report: DeviceReport) -> RolloutRules.Outcome {
            RolloutRules.outcome(of: DeviceObservation(report: report, reportRevision: 10, targetRevision: 2), plan: plan, targetedAt: targeted, clock: clock, now: 1_200)
        }
        let applied = DeviceReport(release: version("2026.11.1"), slot: "a", health: .ok, reportedAt: 1_100, config: version("2026.12.1"))
        #expect(outcome(applied) == .healthy(fresh: true))
        let old = DeviceReport(release: version("2026.12.1"), slot: "a", health: .ok, reportedAt: 1_100, config: version("2026.11.1"))
        #expect(outcome(old) == .pending, "the release matching the config's version is not the config")
        let refused = DeviceReport(release: version("2026.11.1"), slot: "a", health: .ok, reportedAt: 1_100, config: version("2026.11.1"),
                                   configFailure: .init(version: version("2026.12.1"), reason: "/network/dns: bad", at: 1_050))
        guard case .failed(let reason) = outcome(refused) else {
            Issue.record("a refused config did not fail")
            return
        }
        #expect(reason.contains("/network/dns"))
        let unhealthy = DeviceReport(release: version("2026.11.1"), slot: "a", health: .failing, reportedAt: 1_100, config: version("2026.12.1"))
        #expect(outcome(unhealthy) == .failed("health checks failing with config 2026.12.1"))
        let earlier = DeviceReport(release: version("2026.11.1"), slot: "a", health: .ok, reportedAt: 1_100, config: version("2026.11.1"),
                                   configFailure: .init(version: version("2026.12.1"), reason: "old", at: 900))
        #expect(outcome(earlier) == .pending, "a refusal from before the device was targeted counted")
        #expect(plan.desiredKey(FleetLayout(), name("box-1")) == "/edge/v1/devices/box-1/desired-config")
        #expect(plan.channelKey(FleetLayout()) == "/edge/v1/sites/stable/channel")
    }

    // MARK: what a box says about time

    /// The store's order and the engine's clock decide, not `reported_at`.
    @Test("a report counts only when the store wrote it after the device was targeted, and is fresh only by the engine's clock")
    func orderAndFreshnessAreTheStores() {
        let plan = Plans.plan()
        let now = start + 86_400
        let clock = RevisionClock(marks: [.init(revision: 100, at: start), .init(revision: 500, at: now - 600), .init(revision: 900, at: now - 30)])
        let healthy = Plans.report("2026.12.1", .ok, at: now - 5)
        func outcome(_ report: DeviceReport, written: Int64, targeted: Int64? = 200) -> RolloutRules.Outcome {
            RolloutRules.outcome(of: DeviceObservation(report: report, reportRevision: written, targetRevision: targeted), plan: plan, targetedAt: start, clock: clock, now: now)
        }
        // Written after the targeting write and after a mark 600 s ago: healthy and fresh.
        #expect(outcome(healthy, written: 600) == .healthy(fresh: true))
        // Written before the device was targeted (a report from before the rollout existed),
        // however recent its own date: no report about this rollout yet.
        #expect(outcome(healthy, written: 150) == .pending)
        #expect(outcome(healthy, written: 600, targeted: nil) == .pending, "a device not targeted yet")
        // Written after the targeting but longer ago than fresh_seconds (900) by the engine's
        // marks, though the device dates it 5 s ago: stale.
        #expect(outcome(healthy, written: 400) == .healthy(fresh: false))
        // An honest device with a slow clock: dated long ago, written recently: fresh.
        #expect(outcome(Plans.report("2026.12.1", .ok, at: start - 50_000), written: 950) == .healthy(fresh: true))
        // Dated ahead of the engine's clock: a bad record, never healthy, whatever else it says.
        guard case .bad(let reason) = outcome(Plans.report("2026.12.1", .ok, at: now + 3_600), written: 950) else {
            Issue.record("a report from the future was not a bad record")
            return
        }
        #expect(reason.contains("3600 s ahead of the engine's clock"))
        #expect(outcome(Plans.report("2026.12.1", .ok, at: now + 30), written: 950) == .healthy(fresh: true), "a little skew is allowed")
        // A status record that could not be read.
        #expect(RolloutRules.outcome(of: DeviceObservation(report: nil, reportRevision: 950, targetRevision: 200, problem: "too large"),
                                     plan: plan, targetedAt: start, clock: clock, now: now) == .bad("too large"))
    }

    @Test("a canary that reported healthy once, dated in the future, then went silent never promotes; it is named as a bad record")
    func futureDatedSilenceNeverPromotes() throws {
        let plan = Plans.plan()
        let cohort = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(100))
        let canary = Array(cohort.devices.prefix(5))
        // Written just after the start (revision 20), dated ten days ahead.
        var observations: [FleetName: DeviceObservation] = [:]
        for device in canary { observations[device] = DeviceObservation(report: Plans.report("2026.12.1", .ok, at: start + 864_000), reportRevision: 20, targetRevision: 10) }
        let clock = RevisionClock(marks: [.init(revision: 15, at: start + 10)])
        let cohortView = RolloutCohort.order(rollout: plan.id, devices: Plans.devices(100))
        // At the soak's end: no promotion; past the deadline long ago, so it pauses and names them.
        let next = try #require(RolloutRules.evaluate(plan: plan, cohort: cohortView, state: .started(at: start), observations: observations, clock: clock, now: start + 86_400))
        #expect(next.phase == .paused, "\(next)")
        #expect(next.reason?.contains("bad records") == true && next.reason?.contains("ahead of the engine's clock") == true, "\(next.reason ?? "")")
        // Even were the dates in the past: written once at the start, silent since, stale.
        for device in canary { observations[device]?.report?.reportedAt = start + 60 }
        let stale = try #require(RolloutRules.evaluate(plan: plan, cohort: cohortView, state: .started(at: start), observations: observations, clock: clock, now: start + 86_400))
        #expect(stale.phase == .paused && stale.reason?.contains("freshly") == true)
    }

    @Test("the revision clock stays small over a day of steps, and never dates a write later than it was made", arguments: [20261207, 7])
    func revisionClockIsConservative(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        print("seed \(seed)")
        var clock = RevisionClock()
        var revision: Int64 = 1
        var writes: [(revision: Int64, at: Int64)] = []
        var time = start
        for _ in 0..<(86_400 / 5) {
            time += 5
            // Writes happen between the engine's reads; each read marks the revision it began at.
            for _ in 0..<Int(random.next() % 4) {
                revision += 1
                writes.append((revision, time - Int64(random.next() % 5)))
            }
            clock.note(.init(revision: revision, at: time))
        }
        #expect(clock.marks.count < 400, "\(clock.marks.count) marks")
        for write in writes.suffix(2_000) {
            if let after = clock.writtenAfter(revision: write.revision) { #expect(after <= write.at) }
        }
        // Recent writes are placed within 10 s; a write an hour old within 2 minutes.
        let recent = writes.last!
        #expect(recent.at - (clock.writtenAfter(revision: recent.revision) ?? 0) <= 15)
        let hourOld = writes.last { $0.at <= time - 3_600 }!
        print("marks \(clock.marks.count), hour-old precision \(hourOld.at - (clock.writtenAfter(revision: hourOld.revision) ?? 0))"); #expect(hourOld.at - (clock.writtenAfter(revision: hourOld.revision) ?? 0) <= 200)
        // Merging marks another engine kept keeps the order.
        var other = RevisionClock()
        other.note(.init(revision: revision / 2, at: time - 43_200))
        clock.merge(other.marks, now: time)
        #expect(zip(clock.marks, clock.marks.dropFirst()).allSatisfy { $0.revision < $1.revision && $0.at <= $1.at })
    }
}
