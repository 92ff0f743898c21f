import Basics
import Fleet
import FleetSimulation
import Foundation

func name(_ text: String) -> FleetName { FleetName(text)! }
func version(_ text: String) -> FleetVersion { FleetVersion(text)! }

/// The simulation's virtual clock, moved by hand (a 24 h soak passes in no time).
typealias ManualClock = SimulationClock

enum Plans {
    static func plan(id: String = "r1", canary: Int = 5, waves: [Int] = [1, 10, 100], silence: RolloutPlan.Silence = .pause,
                     abort: RolloutPlan.AbortCriteria = .init(), createdAt: Int64 = 1_796_000_000) -> RolloutPlan {
        RolloutPlan(id: name(id), channel: name("stable"), from: version("2026.11.1"), to: version("2026.12.1"),
                    canary: .init(size: canary, soakSeconds: 86_400, deadlineSeconds: 7_200),
                    waves: waves.map { .init(size: $0, soakSeconds: 3_600, deadlineSeconds: 3_600) },
                    abort: abort, silence: silence, createdAt: createdAt)
    }

    static func devices(_ count: Int) -> [FleetName] { (0..<count).map { name("box-\($0)") } }

    /// The store's word on honest devices' reports: every device targeted at revision 1, each
    /// report written (in order of its date) after a mark of the engine's clock at its date.
    static func observe(_ reports: [FleetName: DeviceReport]) -> ([FleetName: DeviceObservation], RevisionClock) {
        var observations: [FleetName: DeviceObservation] = [:]
        var marks: [RevisionClock.Mark] = []
        for (index, (device, report)) in reports.sorted(by: { ($0.value.reportedAt, $0.key) < ($1.value.reportedAt, $1.key) }).enumerated() {
            let revision = Int64(10 * (index + 1))
            observations[device] = DeviceObservation(report: report, reportRevision: revision, targetRevision: 1)
            marks.append(.init(revision: revision - 1, at: report.reportedAt))
        }
        return (observations, RevisionClock(marks: marks))
    }

    static func report(_ release: String, _ health: DeviceReport.Health, at: Int64, rollback: DeviceReport.RollbackNote? = nil) -> DeviceReport {
        DeviceReport(release: version(release), slot: "a", health: health, reportedAt: at, lastRollback: rollback)
    }
}
